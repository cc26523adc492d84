"""Everything that imports ``omni``, ``carb`` or ``isaacsim`` lives here, and nothing else does.

Kit loads this module (``[[python.module]] name = "humanoid_twin.kit"`` in config/extension.toml) and
instantiates :class:`~humanoid_twin.kit.extension.HumanoidTwinExtension`. The views here are thin:
the work is done by the plain-Python core, which is tested outside Kit.
"""

from .extension import HumanoidTwinExtension

__all__ = ["HumanoidTwinExtension"]
