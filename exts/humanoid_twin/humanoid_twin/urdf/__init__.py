"""URDF and xacro: read a robot description into a :class:`~humanoid_twin.model.RobotModel`, and write one.

The reader is a list of passes over one context (``expand`` for xacro → ``parse`` → ``resolve`` →
``validate`` → ``build``); see :mod:`.reader`. It never fetches anything from the network, never
expands XML entities, and resolves mesh URIs only inside explicit search roots (:class:`PackageResolver`).
"""

from .reader import read_urdf, read_urdf_string
from .resolve import MESH_SUFFIXES, PackageResolver
from .writer import write_urdf

__all__ = ["MESH_SUFFIXES", "PackageResolver", "read_urdf", "read_urdf_string", "write_urdf"]
