"""RobotModel → URDF text, so a model can be exported and round-tripped (URDF → model → URDF → model).

Numbers are written with ``repr`` (the shortest text that reads back to the same float);
orientations as ``rpy`` [rad] from the model's quaternions. Mesh and texture URIs are written as the
source wrote them: read the output with the same ``base_dir``/``package_paths`` as the original.
Values the model does not hold (``<gazebo>``, ``<transmission>``, comments) are not written.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ..model import (
    Box,
    Capsule,
    Cylinder,
    Geometry,
    Inertial,
    Joint,
    JointType,
    Link,
    Material,
    Mesh,
    Pose,
    RobotModel,
    Sphere,
)
from ..model.transforms import quat_to_rpy

__all__ = ["write_urdf"]


def _num(v: float) -> str:
    v = float(v)
    return "0" if v == 0 else repr(v)


def _nums(values: tuple[float, ...]) -> str:
    return " ".join(_num(v) for v in values)


def _origin(parent: ET.Element, pose: Pose) -> None:
    if pose.is_identity:
        return
    ET.SubElement(parent, "origin", xyz=_nums(pose.position), rpy=_nums(quat_to_rpy(pose.quat)))


def _material(parent: ET.Element, material: Material) -> ET.Element:
    el = ET.SubElement(parent, "material", name=material.name)
    if material.rgba is not None:
        ET.SubElement(el, "color", rgba=_nums(material.rgba))
    if material.texture is not None:
        ET.SubElement(el, "texture", filename=material.texture)
    return el


def _geometry(parent: ET.Element, geometry: Geometry) -> None:
    el = ET.SubElement(parent, "geometry")
    if isinstance(geometry, Box):
        ET.SubElement(el, "box", size=_nums(geometry.size))
    elif isinstance(geometry, Cylinder):
        ET.SubElement(el, "cylinder", radius=_num(geometry.radius), length=_num(geometry.length))
    elif isinstance(geometry, Capsule):
        ET.SubElement(el, "capsule", radius=_num(geometry.radius), length=_num(geometry.length))
    elif isinstance(geometry, Sphere):
        ET.SubElement(el, "sphere", radius=_num(geometry.radius))
    elif isinstance(geometry, Mesh):
        mesh = ET.SubElement(el, "mesh", filename=geometry.uri)
        if geometry.scale != (1.0, 1.0, 1.0):
            mesh.set("scale", _nums(geometry.scale))


def _inertial(parent: ET.Element, inertial: Inertial) -> None:
    el = ET.SubElement(parent, "inertial")
    _origin(el, inertial.origin)
    ET.SubElement(el, "mass", value=_num(inertial.mass))
    names = ("ixx", "ixy", "ixz", "iyy", "iyz", "izz")
    ET.SubElement(el, "inertia", {n: _num(v) for n, v in zip(names, inertial.inertia, strict=True)})


def _link(robot: ET.Element, link: Link, named: dict[str, Material]) -> None:
    el = ET.SubElement(robot, "link", name=link.name)
    if link.inertial is not None:
        _inertial(el, link.inertial)
    for visual in link.visuals:
        v = ET.SubElement(el, "visual")
        if visual.name:
            v.set("name", visual.name)
        _origin(v, visual.origin)
        _geometry(v, visual.geometry)
        m = visual.material
        if m is not None:
            if m.name and named.get(m.name) == m:
                ET.SubElement(v, "material", name=m.name)
            else:
                _material(v, m)
    for collision in link.collisions:
        c = ET.SubElement(el, "collision")
        if collision.name:
            c.set("name", collision.name)
        _origin(c, collision.origin)
        _geometry(c, collision.geometry)


def _optional(el: ET.Element, **values: float | None) -> None:
    for k, v in values.items():
        if v is not None:
            el.set(k, _num(v))


def _joint(robot: ET.Element, joint: Joint) -> None:
    el = ET.SubElement(robot, "joint", name=joint.name, type=joint.type.value)
    if joint.dont_collapse:
        el.set("dont_collapse", "true")
    _origin(el, joint.origin)
    ET.SubElement(el, "parent", link=joint.parent)
    ET.SubElement(el, "child", link=joint.child)
    if joint.type not in (JointType.FIXED, JointType.FLOATING) or joint.axis != (1.0, 0.0, 0.0):
        ET.SubElement(el, "axis", xyz=_nums(joint.axis))
    if (lim := joint.limit) is not None:
        _optional(
            ET.SubElement(el, "limit"),
            lower=lim.lower,
            upper=lim.upper,
            effort=lim.effort,
            velocity=lim.velocity,
        )
    if (d := joint.dynamics) is not None:
        _optional(ET.SubElement(el, "dynamics"), damping=d.damping, friction=d.friction)
    if (m := joint.mimic) is not None:
        mimic = ET.SubElement(el, "mimic", joint=m.joint)
        _optional(mimic, multiplier=m.multiplier, offset=m.offset)
    if (s := joint.safety_controller) is not None:
        _optional(
            ET.SubElement(el, "safety_controller"),
            soft_lower_limit=s.soft_lower_limit,
            soft_upper_limit=s.soft_upper_limit,
            k_position=s.k_position,
            k_velocity=s.k_velocity,
        )
    if (c := joint.calibration) is not None:
        _optional(ET.SubElement(el, "calibration"), rising=c.rising, falling=c.falling)


def write_urdf(model: RobotModel) -> str:
    """The URDF XML text of ``model`` (UTF-8 text with an XML declaration, two-space indented)."""
    robot = ET.Element("robot", name=model.name)
    named = model.materials_by_name()
    for material in model.materials:
        _material(robot, material)
    for link in model.links:
        _link(robot, link, dict(named))
    for joint in model.joints:
        _joint(robot, joint)
    ET.indent(robot, space="  ")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(robot, encoding="unicode") + "\n"
