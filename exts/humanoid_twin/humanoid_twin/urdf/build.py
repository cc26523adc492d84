"""Pass 4: the validated element tree → an immutable :class:`~humanoid_twin.model.RobotModel`.

This pass trusts the validate pass: values are read with the same readers, so they cannot fail
here. It applies the inertia policy's repairs (:mod:`humanoid_twin.model.inertia`) and the URDF
defaults (missing ``lower``/``upper`` of a limit read as 0, missing ``<axis>`` is ``1 0 0``), records a
warning for them, and translates a :class:`~humanoid_twin.errors.ModelError` (the model's own last line
of defence) into a :class:`~humanoid_twin.errors.DescriptionError`.
"""

from __future__ import annotations

from ..errors import ModelError
from ..model import (
    Box,
    Calibration,
    Capsule,
    Collision,
    Cylinder,
    Dynamics,
    Geometry,
    Inertial,
    Joint,
    JointLimit,
    JointType,
    Link,
    Material,
    Mesh,
    Mimic,
    Pose,
    RobotModel,
    SafetyController,
    Sphere,
    Visual,
)
from ..model.inertia import check_inertia, repairs_warning
from ._context import ReadContext, XmlElement, short
from ._values import read_bool, read_float, read_floats, require_float

__all__ = ["build_pass"]

_ZERO3 = (0.0, 0.0, 0.0)


def _vec3(values: tuple[float, ...]) -> tuple[float, float, float]:
    return (values[0], values[1], values[2])


class _Builder:
    def __init__(self, ctx: ReadContext) -> None:
        self.ctx = ctx
        self.materials: dict[str, Material] = {}
        """Materials declared under ``<robot>``."""
        self.visual_materials: dict[str, Material] = {}
        """Materials a ``<visual>`` defined inline, by name (the first definition of a name wins)."""
        self.repairs: list[tuple[str, str]] = []
        """Links whose inertia the policy repaired, with what it did, in document order."""

    def origin(self, owner: XmlElement) -> Pose:
        el = owner.find("origin")
        if el is None:
            return Pose()
        xyz = read_floats(self.ctx, el, "xyz", 3, default=_ZERO3)
        rpy = read_floats(self.ctx, el, "rpy", 3, default=_ZERO3)
        return Pose.from_xyz_rpy(_vec3(xyz), _vec3(rpy))

    def material(self, el: XmlElement) -> Material:
        color = el.find("color")
        texture = next((t for t in el.findall("texture") if (t.get("filename") or "").strip()), None)
        name = el.get("name") or ""
        if color is None and texture is None:  # a reference: robot level first, then earlier visuals
            return self.materials.get(name) or self.visual_materials.get(name) or Material(name)
        rgba = read_floats(self.ctx, color, "rgba", 4) if color is not None else None
        return Material(
            name=name,
            rgba=(rgba[0], rgba[1], rgba[2], rgba[3]) if rgba is not None else None,
            texture=texture.attrib["filename"] if texture is not None else None,
            texture_file=self.ctx.texture_paths.get(texture) if texture is not None else None,
        )

    def visual_material(self, el: XmlElement) -> Material:
        """A ``<visual>``'s material; one it defines becomes available to later visuals by name."""
        material = self.material(el)
        if material.name and (material.rgba is not None or material.texture is not None):
            self.visual_materials.setdefault(material.name, material)
        return material

    def geometry(self, owner: XmlElement) -> Geometry:
        geometry = owner.find("geometry")
        assert geometry is not None
        shape = geometry.children[0]
        ctx = self.ctx
        if shape.tag == "box":
            return Box(_vec3(read_floats(ctx, shape, "size", 3, default=_ZERO3)))
        if shape.tag == "cylinder":
            return Cylinder(require_float(ctx, shape, "radius"), require_float(ctx, shape, "length"))
        if shape.tag == "capsule":
            return Capsule(require_float(ctx, shape, "radius"), require_float(ctx, shape, "length"))
        if shape.tag == "sphere":
            return Sphere(require_float(ctx, shape, "radius"))
        scale = read_floats(ctx, shape, "scale", 3, default=(1.0, 1.0, 1.0))
        return Mesh(uri=shape.attrib["filename"], path=ctx.mesh_paths.get(shape), scale=_vec3(scale))

    def inertial(self, link: str, el: XmlElement) -> Inertial:
        ctx = self.ctx
        mass_el = el.find("mass")
        assert mass_el is not None
        mass = require_float(ctx, mass_el, "value")
        inertia_el = el.find("inertia")
        inertia: tuple[float, float, float, float, float, float] = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
        if inertia_el is not None:
            ixx, ixy, ixz, iyy, iyz, izz = (
                require_float(ctx, inertia_el, a) for a in ("ixx", "ixy", "ixz", "iyy", "iyz", "izz")
            )
            inertia = (ixx, ixy, ixz, iyy, iyz, izz)
        elif mass > 0:
            ctx.warn(f"Link {short(link)} has a mass but no <inertia>; its inertia was read as zero.")
        check = check_inertia(mass, inertia, ctx.robot_mass)
        if check.repaired is not None:
            self.repairs.append((link, check.reason))
            inertia = check.repaired
        return Inertial(mass=mass, origin=self.origin(el), inertia=inertia, repaired=check.reason)

    def link(self, el: XmlElement) -> Link:
        name = el.attrib["name"]
        visuals = tuple(
            Visual(
                name=v.get("name") or "",
                origin=self.origin(v),
                geometry=self.geometry(v),
                material=self.visual_material(m) if (m := v.find("material")) is not None else None,
            )
            for v in el.findall("visual")
        )
        collisions = tuple(
            Collision(name=c.get("name") or "", origin=self.origin(c), geometry=self.geometry(c))
            for c in el.findall("collision")
        )
        inertial_el = el.find("inertial")
        inertial = self.inertial(name, inertial_el) if inertial_el is not None else None
        if inertial is None and (visuals or collisions):
            self.ctx.warn(
                f"Link {short(name)} has geometry but no <inertial>; it gets mass 0 "
                "(add an <inertial> to give it mass)."
            )
        return Link(name=name, inertial=inertial, visuals=visuals, collisions=collisions)

    def limit(self, joint: str, jtype: JointType, el: XmlElement | None) -> JointLimit | None:
        if el is None:
            return None
        ctx = self.ctx
        lower = read_float(ctx, el, "lower")
        upper = read_float(ctx, el, "upper")
        effort = read_float(ctx, el, "effort")
        velocity = read_float(ctx, el, "velocity")
        if jtype in (JointType.REVOLUTE, JointType.PRISMATIC):
            missing = [a for a, v in (("lower", lower), ("upper", upper)) if v is None]
            if missing:
                ctx.warn(
                    f"The <limit> of joint {short(joint)} has no {' or '.join(missing)}; "
                    "URDF reads a missing bound as 0."
                )
                lower = 0.0 if lower is None else lower
                upper = 0.0 if upper is None else upper
            for a, v in (("effort", effort), ("velocity", velocity)):
                if v is None:
                    ctx.warn(f"The <limit> of joint {short(joint)} has no {a}; it is recorded as unknown.")
        return JointLimit(lower=lower, upper=upper, effort=effort, velocity=velocity)

    def joint(self, el: XmlElement) -> Joint:
        ctx = self.ctx
        name = el.attrib["name"]
        jtype = JointType(el.attrib["type"])
        parent = el.find("parent")
        child = el.find("child")
        assert parent is not None and child is not None
        axis_el = el.find("axis")
        axis = (1.0, 0.0, 0.0)
        if axis_el is not None:
            axis = _vec3(read_floats(ctx, axis_el, "xyz", 3, default=(1.0, 0.0, 0.0)))
        dynamics = mimic = safety = calibration = None
        if (d := el.find("dynamics")) is not None:
            dynamics = Dynamics(
                damping=read_float(ctx, d, "damping", default=0.0),
                friction=read_float(ctx, d, "friction", default=0.0),
            )
        if (m := el.find("mimic")) is not None and jtype.is_actuated_1dof:  # others: warned and dropped
            mimic = Mimic(
                joint=m.attrib["joint"],
                multiplier=read_float(ctx, m, "multiplier", default=1.0),
                offset=read_float(ctx, m, "offset", default=0.0),
            )
        if (s := el.find("safety_controller")) is not None:
            safety = SafetyController(
                k_velocity=require_float(ctx, s, "k_velocity"),
                soft_lower_limit=read_float(ctx, s, "soft_lower_limit"),
                soft_upper_limit=read_float(ctx, s, "soft_upper_limit"),
                k_position=read_float(ctx, s, "k_position"),
            )
        if (c := el.find("calibration")) is not None:
            calibration = Calibration(
                rising=read_float(ctx, c, "rising"), falling=read_float(ctx, c, "falling")
            )
        return Joint(
            name=name,
            type=jtype,
            parent=parent.attrib["link"],
            child=child.attrib["link"],
            origin=self.origin(el),
            axis=axis,
            limit=self.limit(name, jtype, el.find("limit")),
            dynamics=dynamics,
            mimic=mimic,
            safety_controller=safety,
            calibration=calibration,
            dont_collapse=read_bool(ctx, el, "dont_collapse", default=False),
        )

    def build(self) -> RobotModel:
        root = self.ctx.document
        for m in root.findall("material"):
            self.materials[m.attrib["name"]] = self.material(m)
        links = tuple(self.link(el) for el in root.findall("link"))
        if (repaired := repairs_warning(self.repairs)) is not None:
            self.ctx.warn(repaired)
        joints = tuple(self.joint(el) for el in root.findall("joint"))
        return RobotModel(
            name=root.attrib["name"],
            links=links,
            joints=joints,
            materials=tuple(self.materials.values()),
            source=self.ctx.source,
            warnings=tuple(self.ctx.warnings),
        )


def build_pass(ctx: ReadContext) -> RobotModel:
    """Build the model from the validated document in ``ctx``."""
    try:
        return _Builder(ctx).build()
    except (ModelError, ValueError) as err:
        raise ctx.error(f"the description is inconsistent: {err}") from err
