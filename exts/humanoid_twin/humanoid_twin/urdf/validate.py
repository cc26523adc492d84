"""Pass 3: check the document's structure and values, with line numbers, before building anything.

Everything the build pass relies on is checked here: the root element, names and their
uniqueness, references between joints, links, materials and mimic leaders, the tree shape (one
root, no cycles), every number (finite, and ≥ 0 or > 0 where the quantity demands it), joint types,
limits, axes and the inertia policy's error cases (:mod:`humanoid_twin.model.inertia`). Elements the
model does not hold (``<gazebo>``, ``<transmission>``, ``<sensor>``, …) are ignored with one warning per kind.
"""

from __future__ import annotations

import math
from collections import Counter

from .._text import first_few
from ..model.inertia import check_inertia
from ._context import ReadContext, XmlElement, display_tag, short
from ._values import read_bool, read_float, read_floats, read_name, require_float

__all__ = ["JOINT_TYPES", "validate_pass"]

JOINT_TYPES = ("revolute", "continuous", "prismatic", "fixed", "floating", "planar")
_MIMIC_TYPES = ("revolute", "continuous", "prismatic")
"""Joint types with one position a ``<mimic>`` can couple."""
SHAPES = ("box", "cylinder", "sphere", "mesh", "capsule")
_XACRO_NAMESPACES = ("{http://www.ros.org/wiki/xacro}", "{http://ros.org/wiki/xacro}")
_EXTENSIONS = {
    "gazebo": "Gazebo simulator settings",
    "transmission": "ros_control transmissions",
    "ros2_control": "ros2_control hardware settings",
    "sensor": "sensor extensions",
    "plugin": "simulator plugins",
}
_LINK_CHILDREN = {"inertial", "visual", "collision"}
_JOINT_CHILDREN = {
    "origin",
    "parent",
    "child",
    "axis",
    "limit",
    "dynamics",
    "mimic",
    "safety_controller",
    "calibration",
}


def _check_origin(ctx: ReadContext, owner: XmlElement) -> None:
    origins = owner.findall("origin")
    if len(origins) > 1:
        raise ctx.error(f"<{owner.tag}> has {len(origins)} <origin> elements; give at most one", origins[1])
    if origins:
        read_floats(ctx, origins[0], "xyz", 3)
        read_floats(ctx, origins[0], "rpy", 3)


def _check_rgba(ctx: ReadContext, color: XmlElement) -> None:
    if color.get("rgba") is None:
        raise ctx.error("missing required attribute 'rgba' (4 numbers in [0, 1])", color)
    rgba = read_floats(ctx, color, "rgba", 4, rule=">= 0")
    assert rgba is not None
    if any(v > 1.0 for v in rgba):
        raise ctx.error(
            f"attribute 'rgba' has {short(color.attrib['rgba'])}; each channel must be in [0, 1]", color
        )


def _check_material_body(ctx: ReadContext, material: XmlElement) -> bool:
    """Check ``<color>``/``<texture>``; True when the material defines either."""
    colors = material.findall("color")
    textures = [t for t in material.findall("texture") if (t.get("filename") or "").strip()]
    for c in colors:
        _check_rgba(ctx, c)
    if len(textures) != len(material.findall("texture")):
        ctx.warn("Ignored <texture> elements without a 'filename'.")
    return bool(colors or textures)


class _Validator:
    def __init__(self, ctx: ReadContext) -> None:
        self.ctx = ctx
        self.links: dict[str, XmlElement] = {}
        self.joints: dict[str, XmlElement] = {}
        self.materials: dict[str, XmlElement] = {}
        self.visual_materials: set[str] = set()
        """Names of the materials a ``<visual>`` defined inline (with a colour or texture) so far."""
        self.ignored: dict[tuple[str, str, str], list[str]] = {}
        """Ignored elements inside links and joints: (tag, where, places) → ``'owner' (line N)`` of each."""

    def run(self) -> None:
        ctx = self.ctx
        root = ctx.document
        if root.tag.startswith(_XACRO_NAMESPACES) or root.tag != "robot":
            raise ctx.error(
                f"the root element is <{root.tag}>; a URDF document's root element must be <robot>", root
            )
        read_name(ctx, root, what="<robot>")
        self._check_no_xacro(root)
        ignored: Counter[str] = Counter()
        for child in root.children:
            if child.tag not in ("link", "joint", "material"):
                ignored[child.tag] += 1
        for tag, n in ignored.items():
            what = _EXTENSIONS.get(tag)
            kind = f" ({what})" if what else " (unknown to URDF)"
            plural = "elements" if n > 1 else "element"
            ctx.warn(
                f"Ignored {n} top-level <{display_tag(tag)}> {plural}{kind}; "
                "the robot model does not hold them."
            )
        for material in root.findall("material"):
            name = read_name(ctx, material, what="a robot-level <material>")
            if name in self.materials:
                raise ctx.error(
                    f"duplicate material name {short(name)} (first defined at line "
                    f"{self.materials[name].line}); material names must be unique",
                    material,
                )
            self.materials[name] = material
            _check_material_body(ctx, material)
        ctx.robot_mass = _robot_mass(root)
        for link in root.findall("link"):
            self._check_link(link)
        if not self.links:
            raise ctx.error("the robot has no <link>; a URDF needs at least one link", root)
        for joint in root.findall("joint"):
            self._check_joint(joint)
        self._check_mimics()
        self._check_tree()
        self._warn_ignored()

    def _ignore(self, child: XmlElement, owner: str, where: str, places: str) -> None:
        """Note an element the model does not hold, inside ``where`` (``"link"``) of ``owner``.

        ``places`` is ``where`` in the plural (``"links"``), for the summary of several."""
        at = f"{short(owner)} (line {child.line})"
        self.ignored.setdefault((display_tag(child.tag), where, places), []).append(at)

    def _warn_ignored(self) -> None:
        """One warning per ignored tag and place, however many links or joints have it."""
        for (tag, where, places), owners in self.ignored.items():
            if len(owners) == 1:
                self.ctx.warn(f"Ignored the element <{tag}> in {where} {owners[0]}.")
            else:
                self.ctx.warn(f"Ignored {len(owners)} <{tag}> elements in {places}: {first_few(owners)}.")

    def _check_no_xacro(self, root: XmlElement) -> None:
        stack = list(root.children)
        while stack:
            node = stack.pop()
            if node.tag.startswith(_XACRO_NAMESPACES):
                raise self.ctx.error(
                    f"the document uses xacro (<{display_tag(node.tag)}>) but is read as plain URDF; name it "
                    "*.urdf.xacro or expand it first: `xacro robot.urdf.xacro > robot.urdf`",
                    node,
                )
            stack.extend(node.children)

    # ---------------------------------------------------------------- links

    def _check_link(self, link: XmlElement) -> None:
        ctx = self.ctx
        name = read_name(ctx, link, what="<link>")
        if name in self.links:
            raise ctx.error(
                f"duplicate link name {short(name)} (first defined at line {self.links[name].line}); "
                "link names must be unique",
                link,
            )
        self.links[name] = link
        for child in link.children:
            if child.tag not in _LINK_CHILDREN:
                self._ignore(child, name, "link", "links")
        inertials = link.findall("inertial")
        if len(inertials) > 1:
            raise ctx.error(
                f"link {short(name)} has {len(inertials)} <inertial> elements; give one", inertials[1]
            )
        if inertials:
            self._check_inertial(name, inertials[0])
        for part in link.findall("visual") + link.findall("collision"):
            self._check_geometry_owner(name, part)

    def _check_inertial(self, link: str, inertial: XmlElement) -> None:
        ctx = self.ctx
        _check_origin(ctx, inertial)
        mass_el = inertial.find("mass")
        if mass_el is None:
            raise ctx.error(
                f"the <inertial> of link {short(link)} has no <mass>; add <mass value=...> [kg]", inertial
            )
        raw_mass = (mass_el.get("value") or "").strip()
        try:
            negative = -math.inf < float(raw_mass) < 0
        except ValueError:
            negative = False
        mass = require_float(ctx, mass_el, "value", rule=">= 0") if not negative else -1.0
        if mass < 0:
            raise ctx.error(
                f"link {short(link)} has a negative mass: attribute 'value' is "
                f"{short(mass_el.attrib['value'])}; a mass must be a finite number ≥ 0 [kg]",
                mass_el,
            )
        inertia_el = inertial.find("inertia")
        if inertia_el is None:
            return  # read as all zeros; the build pass repairs and warns when the link has mass
        values = tuple(require_float(ctx, inertia_el, a) for a in ("ixx", "ixy", "ixz", "iyy", "iyz", "izz"))
        check = check_inertia(mass, values, ctx.robot_mass)  # type: ignore[arg-type]
        if check.not_psd:
            moments = ", ".join(f"{m:.4g}" for m in check.moments)
            raise ctx.error(
                f"the inertia of link {short(link)} is not physical: its principal moments are ({moments}) "
                "and must all be ≥ 0; check the signs of ixx..izz (moments about the centre of mass)",
                inertia_el,
            )

    def _check_geometry_owner(self, link: str, part: XmlElement) -> None:
        ctx = self.ctx
        _check_origin(ctx, part)
        allowed = {"origin", "geometry"} | ({"material"} if part.tag == "visual" else set())
        for child in part.children:
            if child.tag not in allowed:
                self._ignore(child, link, f"a <{part.tag}> of link", f"<{part.tag}>s of links")
        geometries = part.findall("geometry")
        if len(geometries) != 1:
            raise ctx.error(
                f"a <{part.tag}> of link {short(link)} has {len(geometries)} <geometry> elements; "
                "it needs exactly one",
                part,
            )
        geometry = geometries[0]
        shapes = [c for c in geometry.children if c.tag in SHAPES]
        others = [c for c in geometry.children if c.tag not in SHAPES]
        if others or len(shapes) != 1:
            found = ", ".join(f"<{c.tag}>" for c in geometry.children) or "nothing"
            raise ctx.error(
                f"the <geometry> of a <{part.tag}> of link {short(link)} holds {found}; it must hold exactly "
                "one of <box>, <cylinder>, <sphere>, <mesh> (or <capsule>)",
                geometry,
            )
        shape = shapes[0]
        if shape.tag == "box":
            if shape.get("size") is None:
                raise ctx.error("missing required attribute 'size' (3 edge lengths > 0 [m])", shape)
            read_floats(ctx, shape, "size", 3, rule="> 0")
        elif shape.tag in ("cylinder", "capsule"):
            require_float(ctx, shape, "radius", rule="> 0")
            require_float(ctx, shape, "length", rule="> 0")
        elif shape.tag == "sphere":
            require_float(ctx, shape, "radius", rule="> 0")
        else:
            if not (shape.get("filename") or "").strip():
                raise ctx.error("a <mesh> needs a 'filename' attribute", shape)
            read_floats(ctx, shape, "scale", 3, rule="!= 0")
        if part.tag == "visual":
            materials = part.findall("material")
            if len(materials) > 1:
                raise ctx.error(
                    f"a <visual> of link {short(link)} has {len(materials)} <material> elements", materials[1]
                )
            if materials:
                self._check_visual_material(materials[0])

    def _check_visual_material(self, material: XmlElement) -> None:
        ctx = self.ctx
        name = material.get("name")
        has_body = _check_material_body(ctx, material)
        if has_body:
            if name:  # as in urdfdom, later <visual>s may refer to it by name
                self.visual_materials.add(name)
            return
        if name is None or not name.strip():
            raise ctx.error("an inline <material> needs a 'name' or a <color>/<texture>", material)
        if name not in self.materials and name not in self.visual_materials:
            ctx.warn(
                f"Material {short(name)} is used but not defined (no <color> or <texture> under <robot> "
                "or in an earlier <visual>); its visuals have no colour."
            )

    # ---------------------------------------------------------------- joints

    def _check_joint(self, joint: XmlElement) -> None:
        ctx = self.ctx
        name = read_name(ctx, joint, what="<joint>")
        if name in self.joints:
            raise ctx.error(
                f"duplicate joint name {short(name)} (first defined at line {self.joints[name].line}); "
                "joint names must be unique",
                joint,
            )
        self.joints[name] = joint
        jtype = joint.get("type")
        if jtype is None:
            raise ctx.error(
                f"joint {short(name)} has no 'type'; valid types: {', '.join(JOINT_TYPES)}", joint
            )
        if jtype not in JOINT_TYPES:
            raise ctx.error(
                f"joint {short(name)} has the unknown joint type {short(jtype)}; "
                f"valid types: {', '.join(JOINT_TYPES)}",
                joint,
            )
        read_bool(ctx, joint, "dont_collapse", default=False)
        for child in joint.children:
            if child.tag not in _JOINT_CHILDREN:
                self._ignore(child, name, "joint", "joints")
        for role in ("parent", "child"):
            elements = joint.findall(role)
            if len(elements) != 1:
                raise ctx.error(
                    f"joint {short(name)} has {len(elements)} <{role}> elements; it needs exactly one "
                    f'<{role} link="..."/>',
                    joint,
                )
            ref = read_name(ctx, elements[0], "link", what=f"the <{role}> of joint {short(name)}")
            if ref not in self.links:
                raise ctx.error(
                    f"joint {short(name)} names {role} link {short(ref)}, "
                    "which is not defined (missing link)",
                    elements[0],
                )
        _check_origin(ctx, joint)
        axis_el = joint.find("axis")
        if axis_el is not None:
            axis = read_floats(ctx, axis_el, "xyz", 3)
            if axis is not None and jtype not in ("fixed", "floating") and math.hypot(*axis) < 1e-12:
                raise ctx.error(
                    f"joint {short(name)} has the zero axis {short(axis_el.attrib['xyz'])}; give a non-zero "
                    "direction such as '0 0 1'",
                    axis_el,
                )
        limit = joint.find("limit")
        if limit is None:
            if jtype in ("revolute", "prismatic"):
                raise ctx.error(
                    f"the {jtype} joint {short(name)} has no <limit>; URDF requires "
                    '<limit lower="..." upper="..." effort="..." velocity="..."/> on revolute and '
                    "prismatic joints "
                    "(use type 'continuous' for an unlimited revolute joint)",
                    joint,
                )
        else:
            lower = read_float(ctx, limit, "lower")
            upper = read_float(ctx, limit, "upper")
            read_float(ctx, limit, "effort", rule=">= 0")
            read_float(ctx, limit, "velocity", rule=">= 0")
            if lower is not None and upper is not None and lower > upper and jtype != "continuous":
                raise ctx.error(
                    f"joint {short(name)} has inverted limits: lower {lower!r} > upper {upper!r}; swap them",
                    limit,
                )
        dynamics = joint.find("dynamics")
        if dynamics is not None:
            read_float(ctx, dynamics, "damping", rule=">= 0")
            read_float(ctx, dynamics, "friction", rule=">= 0")
        safety = joint.find("safety_controller")
        if safety is not None:
            require_float(ctx, safety, "k_velocity", rule=">= 0")
            read_float(ctx, safety, "k_position", rule=">= 0")
            soft_lower = read_float(ctx, safety, "soft_lower_limit")
            soft_upper = read_float(ctx, safety, "soft_upper_limit")
            if soft_lower is not None and soft_upper is not None and soft_lower > soft_upper:
                raise ctx.error(
                    f"joint {short(name)} has inverted soft limits: soft_lower_limit {soft_lower!r} > "
                    f"soft_upper_limit {soft_upper!r}",
                    safety,
                )
        calibration = joint.find("calibration")
        if calibration is not None:
            read_float(ctx, calibration, "rising")
            read_float(ctx, calibration, "falling")
        mimic = joint.find("mimic")
        if mimic is not None:
            read_name(ctx, mimic, "joint", what=f"the <mimic> of joint {short(name)}")
            read_float(ctx, mimic, "multiplier")
            read_float(ctx, mimic, "offset")

    def _check_mimics(self) -> None:
        ctx = self.ctx
        leaders: dict[str, str] = {}
        ignored: list[str] = []
        for name, joint in self.joints.items():
            mimic = joint.find("mimic")
            if mimic is None:
                continue
            if joint.attrib["type"] not in _MIMIC_TYPES:  # nothing to couple: the build pass drops it
                ignored.append(name)
                continue
            leader = mimic.attrib["joint"]
            if leader not in self.joints:
                raise ctx.error(
                    f"joint {short(name)} mimics joint {short(leader)}, "
                    "which is not defined (mimic of a missing joint)",
                    mimic,
                )
            if leader == name:
                raise ctx.error(f"joint {short(name)} mimics itself; name another joint", mimic)
            leaders[name] = leader
        for start in leaders:
            seen = [start]
            current = start
            while current in leaders:
                current = leaders[current]
                if current in seen:
                    raise ctx.error(
                        f"the mimic joints {', '.join(short(s) for s in seen)} follow each other in a cycle",
                        self.joints[start].find("mimic"),
                    )
                seen.append(current)
        if ignored:
            ctx.warn(
                f"Ignored the <mimic> of {len(ignored)} joint(s) that are not revolute, continuous or "
                f"prismatic ({first_few([short(n) for n in ignored])}); only those joint types have a "
                "position to couple."
            )

    # ---------------------------------------------------------------- tree

    def _check_tree(self) -> None:
        ctx = self.ctx
        parent_of: dict[str, str] = {}
        joint_of: dict[str, XmlElement] = {}
        children: dict[str, list[str]] = {}
        for name, joint in self.joints.items():
            parent = joint.find("parent")
            child = joint.find("child")
            assert parent is not None and child is not None
            p, c = parent.attrib["link"], child.attrib["link"]
            if p == c:
                raise ctx.error(f"joint {short(name)} connects link {short(p)} to itself", joint)
            if c in joint_of:
                raise ctx.error(
                    f"link {short(c)} is the child of both joint {short(joint_of[c].attrib['name'])} "
                    f"(line {joint_of[c].line}) and joint {short(name)}; a link has at most one parent joint",
                    joint,
                )
            parent_of[c] = p
            joint_of[c] = joint
            children.setdefault(p, []).append(c)
        roots = [n for n in self.links if n not in parent_of]
        if not roots:
            first = next(iter(self.joints.values()))
            raise ctx.error(
                "the joints form a cycle: every link is the child of a joint, so there is no root link", first
            )
        reached: set[str] = set()
        for r in roots:
            stack = [r]
            reached.add(r)
            while stack:
                for c in children.get(stack.pop(), ()):
                    if c not in reached:
                        reached.add(c)
                        stack.append(c)
        if len(reached) != len(self.links):
            cyclic = [n for n in self.links if n not in reached]
            raise ctx.error(
                f"the joints form a cycle through links {', '.join(short(n) for n in cyclic[:6])}; "
                "a URDF must be a tree",
                joint_of[cyclic[0]],
            )
        if len(roots) > 1:
            names = ", ".join(short(n) for n in roots[:6]) + (", ..." if len(roots) > 6 else "")
            raise ctx.error(
                f"the robot has {len(roots)} root links ({names}), i.e. several roots; "
                "every link but one must be the child of a joint: connect them with joints",
                self.links[roots[1]],
            )


def _robot_mass(root: XmlElement) -> float:
    """The sum of the links' masses [kg]; values that are not finite and ≥ 0 count as 0 (their own
    check reports them)."""
    total = 0.0
    for link in root.findall("link"):
        inertial = link.find("inertial")
        mass_el = inertial.find("mass") if inertial is not None else None
        try:
            mass = float((mass_el.get("value") or "") if mass_el is not None else "0")
        except ValueError:
            continue
        if math.isfinite(mass) and mass > 0:
            total += mass
    return total


def validate_pass(ctx: ReadContext) -> None:
    """Raise the first :class:`~humanoid_twin.errors.DescriptionError` the document has; add warnings."""
    _Validator(ctx).run()
