"""The one place :mod:`humanoid_twin.usd` imports ``pxr`` (usd-core, or Kit's own build).

Writing needs only the layer API (``Sdf``, ``Gf``, ``Vt``, ``Tf``), which imports in a fraction of the
time of the stage and schema modules; :func:`stage_modules` loads those for reading and validation.
"""

from __future__ import annotations

from types import SimpleNamespace

from ..errors import DependencyError

try:
    from pxr import Gf, Sdf, Tf, Vt
except ImportError as err:  # pragma: no cover - depends on the environment
    raise DependencyError.missing("pxr", "usd") from err

__all__ = ["Gf", "Sdf", "Tf", "Vt", "stage_modules"]

_stage: SimpleNamespace | None = None


def stage_modules() -> SimpleNamespace:
    """The stage and schema modules (``Usd``, ``UsdGeom``, ``UsdPhysics``, ``UsdShade``, ``UsdValidation``).

    ``newton_usd_schemas`` (optional) registers NewtonMimicAPI, NewtonJointAPI and
    NewtonArticulationRootAPI so composed stages know them; the writer authors their names either way.
    """
    global _stage
    if _stage is None:
        try:
            from pxr import Usd, UsdGeom, UsdPhysics, UsdShade, UsdValidation
        except ImportError as err:  # pragma: no cover - usd-core ships them all
            raise DependencyError.missing("pxr", "usd") from err
        try:
            import newton_usd_schemas  # noqa: F401
        except ImportError:  # pragma: no cover - optional
            pass
        _stage = SimpleNamespace(
            Usd=Usd, UsdGeom=UsdGeom, UsdPhysics=UsdPhysics, UsdShade=UsdShade, UsdValidation=UsdValidation
        )
    return _stage
