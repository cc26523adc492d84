"""Generate the bundled humanoid robot: ``urdf/humanoid.urdf``, ``urdf/meshes/*.stl``, ``urdf/package.xml``.

Usage::

    python scripts/make_humanoid.py            # writes into <repo>/urdf
    python scripts/make_humanoid.py --out DIR  # writes elsewhere (tests compare the bytes)

The output is deterministic: running the script twice gives byte-identical files, and the committed
files are its output. The geometry is our own: superellipsoid meshes for the pelvis, torso and head,
primitives elsewhere.

The robot ("humanoid", package ``humanoid_description``): 1.64 m tall, 62.8 kg, 27 actuated joints.
Frames: x forward, y left, z up. At the zero pose the legs are straight and the arms hang in the
anatomical position (palms forward). Sign conventions, all joints about +x/+y/+z of their frame:

* pitch joints (axis y): positive moves a hanging limb backward; so hip and shoulder flexion,
  elbow flexion and ankle dorsiflexion are negative, knee flexion is positive;
* roll joints (axis x): positive moves the left limb outward (abduction) and the right limb inward;
* yaw joints (axis z): positive turns left.

Inertials are computed, not guessed: primitives use closed-form solids; the mesh links (pelvis,
torso, head) integrate the closed mesh as a uniform solid scaled to the link mass. Every tensor is
therefore positive definite and satisfies the triangle inequality.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from humanoid_twin.meshes import write_binary_stl

REPO = Path(__file__).resolve().parents[1]
PACKAGE = "humanoid_description"
MESH_URI = f"package://{PACKAGE}/meshes/"

Vec3 = tuple[float, float, float]
Inertia = tuple[float, float, float, float, float, float]  # ixx ixy ixz iyy iyz izz

# ----------------------------------------------------------------------------- dimensions [m]

HIP_Y = 0.09  # lateral offset of the hip yaw axis from the pelvis centre
HIP_Z = -0.05  # hip yaw joint below the pelvis centre
HIP_ROLL_Z = -0.04  # hip roll/pitch below the hip yaw joint
THIGH = 0.36  # hip pitch → knee
SHANK = 0.36  # knee → ankle
ANKLE_H = 0.07  # ankle → sole
FOOT = (0.22, 0.10, 0.04)  # foot box
FOOT_X = 0.035  # foot box centre ahead of the ankle
TORSO_Z = 0.10  # torso yaw above the pelvis centre
TORSO_H = 0.40
SHOULDER = (0.0, 0.21, 0.33)  # shoulder in the torso frame (y mirrored)
UPPER_ARM = 0.28
FOREARM = 0.25
NECK_Z = 0.40
NECK_PITCH_Z = 0.05
HEAD_CENTRE = 0.10

# ----------------------------------------------------------------------------- geometry helpers


def superellipsoid(
    semi: Vec3, exponent: float, n_lat: int = 24, n_lon: int = 48
) -> tuple[np.ndarray, np.ndarray]:
    """A closed superellipsoid mesh centred on the origin: exponent 1 is an ellipsoid, → 0 a box.

    Returns (vertices (N, 3) [m], faces (M, 3)) with counter-clockwise, outward faces.
    """

    def spow(x: np.ndarray, e: float) -> np.ndarray:
        out: np.ndarray = np.sign(x) * np.abs(x) ** e
        return out

    a, b, c = semi
    eta = np.linspace(-math.pi / 2, math.pi / 2, n_lat + 1)[1:-1]  # interior rings
    omega = np.linspace(-math.pi, math.pi, n_lon, endpoint=False)
    ce, se = np.cos(eta)[:, None], np.sin(eta)[:, None]
    cw, sw = np.cos(omega)[None, :], np.sin(omega)[None, :]
    x = a * spow(ce, exponent) * spow(cw, exponent)
    y = b * spow(ce, exponent) * spow(sw, exponent)
    z = c * spow(se, exponent) * np.ones_like(cw)
    rings = np.stack([x, y, z], axis=-1).reshape(-1, 3)
    bottom, top = len(rings), len(rings) + 1
    vertices = np.vstack([rings, [[0.0, 0.0, -c], [0.0, 0.0, c]]])
    faces: list[list[int]] = []
    n_rings = n_lat - 1

    def idx(r: int, k: int) -> int:
        return r * n_lon + (k % n_lon)

    for k in range(n_lon):
        faces.append([bottom, idx(0, k + 1), idx(0, k)])
        for r in range(n_rings - 1):
            faces.append([idx(r, k), idx(r, k + 1), idx(r + 1, k + 1)])
            faces.append([idx(r, k), idx(r + 1, k + 1), idx(r + 1, k)])
        faces.append([top, idx(n_rings - 1, k), idx(n_rings - 1, k + 1)])
    f = np.array(faces, dtype=np.int64)
    vertices = vertices + 0.0  # no negative zeros in the file
    if mesh_mass_properties(vertices, f)[0] < 0:
        f = f[:, ::-1]
    return vertices, f


def mesh_mass_properties(vertices: np.ndarray, faces: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Volume [m³], centroid [m] and second-moment tensor about the centroid per unit density [m⁵]."""
    a, b, c = (vertices[faces[:, k]] for k in range(3))
    vol = np.einsum("ij,ij->i", a, np.cross(b, c)) / 6.0
    volume = float(vol.sum())
    centroid = (vol[:, None] * (a + b + c)).sum(axis=0) / (4.0 * volume)
    s = a + b + c
    cov = (
        np.einsum("i,ij,ik->jk", vol, a, a)
        + np.einsum("i,ij,ik->jk", vol, b, b)
        + np.einsum("i,ij,ik->jk", vol, c, c)
        + np.einsum("i,ij,ik->jk", vol, s, s)
    ) / 20.0
    cov -= volume * np.outer(centroid, centroid)
    inertia = np.trace(cov) * np.eye(3) - cov
    return volume, centroid, inertia


def _tensor(t: np.ndarray) -> Inertia:
    return (t[0, 0], t[0, 1], t[0, 2], t[1, 1], t[1, 2], t[2, 2])


def box_inertia(m: float, size: Vec3) -> Inertia:
    x, y, z = size
    return (m * (y * y + z * z) / 12, 0.0, 0.0, m * (x * x + z * z) / 12, 0.0, m * (x * x + y * y) / 12)


def cylinder_inertia(m: float, r: float, h: float, axis: str = "z") -> Inertia:
    across = m * (3 * r * r + h * h) / 12
    along = m * r * r / 2
    d = {"x": (along, across, across), "y": (across, along, across), "z": (across, across, along)}[axis]
    return (d[0], 0.0, 0.0, d[1], 0.0, d[2])


CYLINDER_RPY = {"x": (0.0, math.pi / 2, 0.0), "y": (math.pi / 2, 0.0, 0.0), "z": (0.0, 0.0, 0.0)}

# ----------------------------------------------------------------------------- model description


@dataclass
class Shape:
    kind: str  # box | cylinder | sphere | mesh
    xyz: Vec3 = (0.0, 0.0, 0.0)
    rpy: Vec3 = (0.0, 0.0, 0.0)
    size: Vec3 = (0.0, 0.0, 0.0)  # box
    radius: float = 0.0
    length: float = 0.0
    mesh: str = ""


@dataclass
class LinkSpec:
    name: str
    mass: float = 0.0
    com: Vec3 = (0.0, 0.0, 0.0)
    inertia: Inertia | None = None
    visual: Shape | None = None
    material: str | None = None  # robot-level material name
    inline_rgba: tuple[float, float, float, float] | None = None  # inline material colour
    collisions: list[Shape] = field(default_factory=list)


@dataclass
class JointSpec:
    name: str
    type: str
    parent: str
    child: str
    xyz: Vec3
    axis: Vec3 = (0.0, 0.0, 1.0)
    lower: float = 0.0
    upper: float = 0.0
    effort: float = 0.0
    velocity: float = 0.0
    damping: float = 0.0
    friction: float = 0.0


MATERIALS = {
    "graphite": (0.22, 0.23, 0.25, 1.0),
    "aluminium": (0.72, 0.74, 0.77, 1.0),
    "signal_orange": (0.93, 0.45, 0.12, 1.0),
}

MESHES: dict[str, tuple[Vec3, float]] = {  # file stem → (semi-axes [m], exponent)
    "pelvis": ((0.10, 0.15, 0.07), 0.55),
    "torso": ((0.11, 0.16, 0.20), 0.6),
    "head": ((0.095, 0.08, 0.11), 0.9),
}


def mesh_link(name: str, stem: str, mass: float, centre: Vec3, material: str, collision: Shape) -> LinkSpec:
    v, f = superellipsoid(*MESHES[stem])
    volume, centroid, inertia_unit = mesh_mass_properties(v, f)
    inertia = inertia_unit * (mass / volume)
    com = tuple(float(c + d) for c, d in zip(centroid, centre, strict=True))
    return LinkSpec(
        name,
        mass,
        com,  # type: ignore[arg-type]
        _tensor(inertia),
        Shape("mesh", centre, mesh=stem),
        material=material,
        collisions=[collision],
    )


def cyl(
    name: str, mass: float, r: float, h: float, centre: Vec3, axis: str, material: str, collide: bool = True
) -> LinkSpec:
    """A link shaped as a solid cylinder along ``axis`` (collides unless ``collide`` is False)."""
    shape = Shape("cylinder", centre, CYLINDER_RPY[axis], radius=r, length=h)
    inertia = cylinder_inertia(mass, r, h, axis)
    return LinkSpec(name, mass, centre, inertia, shape, material, collisions=[shape] if collide else [])


def rev(
    name: str,
    parent: str,
    child: str,
    xyz: Vec3,
    axis: Vec3,
    limits: tuple[float, float],
    effort: float,
    velocity: float,
    dynamics: tuple[float, float],
) -> JointSpec:
    """A revolute joint: limits [rad], effort [N·m], velocity [rad/s], (damping, friction)."""
    return JointSpec(name, "revolute", parent, child, xyz, axis, *limits, effort, velocity, *dynamics)


def fixed(name: str, parent: str, child: str, xyz: Vec3) -> JointSpec:
    return JointSpec(name, "fixed", parent, child, xyz)


def box_link(name: str, mass: float, size: Vec3, centre: Vec3, material: str) -> LinkSpec:
    shape = Shape("box", centre, size=size)
    return LinkSpec(name, mass, centre, box_inertia(mass, size), shape, material, collisions=[shape])


def frame(name: str) -> LinkSpec:
    return LinkSpec(name)


def robot() -> tuple[list[LinkSpec], list[JointSpec]]:
    links: list[LinkSpec] = [
        mesh_link(
            "base_link",
            "pelvis",
            7.5,
            (0.0, 0.0, 0.0),
            "graphite",
            Shape("box", size=(0.20, 0.30, 0.14)),
        )
    ]
    joints: list[JointSpec] = []
    leg = (0.5, 0.2)  # (damping [N·m·s/rad], friction [N·m])
    arm = (0.2, 0.1)
    neck = (0.1, 0.05)
    x, y, z = (1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)
    o: Vec3 = (0.0, 0.0, 0.0)

    for side, s in (("left", 1.0), ("right", -1.0)):
        p = f"{side}_"
        links += [
            cyl(p + "hip_yaw_link", 1.0, 0.045, 0.06, (0.0, 0.0, -0.02), "z", "aluminium", False),
            cyl(p + "hip_roll_link", 1.2, 0.05, 0.10, o, "x", "graphite", False),
            cyl(p + "thigh", 6.5, 0.065, 0.30, (0.0, 0.0, -0.18), "z", "aluminium"),
            cyl(p + "shank", 3.0, 0.05, 0.30, (0.0, 0.0, -0.18), "z", "aluminium"),
            cyl(p + "ankle_link", 0.4, 0.03, 0.06, (0.0, 0.0, 0.0), "x", "graphite", False),
            box_link(p + "foot_link", 1.2, FOOT, (FOOT_X, 0.0, -ANKLE_H + FOOT[2] / 2), "signal_orange"),
            frame(p + "foot"),
        ]
        # roll limits: outward (abduction) is +x rotation for the left leg, −x for the right
        abd, add = (0.8, 0.4)
        roll = (-add, abd) if s > 0 else (-abd, add)
        joints += [
            rev(
                p + "hip_yaw",
                "base_link",
                p + "hip_yaw_link",
                (0.0, s * HIP_Y, HIP_Z),
                z,
                (-0.7, 0.7),
                100,
                10,
                leg,
            ),
            rev(
                p + "hip_roll",
                p + "hip_yaw_link",
                p + "hip_roll_link",
                (0.0, 0.0, HIP_ROLL_Z),
                x,
                roll,
                150,
                10,
                leg,
            ),
            rev(p + "hip_pitch", p + "hip_roll_link", p + "thigh", o, y, (-2.1, 0.5), 200, 12, leg),
            rev(p + "knee", p + "thigh", p + "shank", (0.0, 0.0, -THIGH), y, (0.0, 2.4), 250, 12, leg),
            rev(
                p + "ankle_pitch",
                p + "shank",
                p + "ankle_link",
                (0.0, 0.0, -SHANK),
                y,
                (-0.7, 0.9),
                150,
                10,
                leg,
            ),
            rev(p + "ankle_roll", p + "ankle_link", p + "foot_link", o, x, (-0.4, 0.4), 100, 10, leg),
            fixed(p + "foot_frame", p + "foot_link", p + "foot", (0.0, 0.0, -ANKLE_H)),
        ]

    links += [
        mesh_link(
            "torso",
            "torso",
            14.0,
            (0.0, 0.0, TORSO_H / 2),
            "aluminium",
            Shape("box", (0.0, 0.0, TORSO_H / 2), size=(0.22, 0.32, TORSO_H)),
        ),
        cyl("neck_link", 0.6, 0.04, 0.06, (0.0, 0.0, 0.02), "z", "graphite", False),
    ]
    head = mesh_link(
        "head_link",
        "head",
        3.5,
        (0.0, 0.0, HEAD_CENTRE),
        "",
        Shape("sphere", (0.0, 0.0, HEAD_CENTRE), radius=0.10),
    )
    head.material, head.inline_rgba = None, (0.15, 0.35, 0.60, 1.0)
    links += [head, frame("head"), frame("trunk")]
    joints += [
        rev("torso_yaw", "base_link", "torso", (0.0, 0.0, TORSO_Z), z, (-1.0, 1.0), 150, 8, leg),
        rev("neck_yaw", "torso", "neck_link", (0.0, 0.0, NECK_Z), z, (-1.3, 1.3), 15, 6, neck),
        rev("neck_pitch", "neck_link", "head_link", (0.0, 0.0, NECK_PITCH_Z), y, (-0.6, 0.9), 15, 6, neck),
        fixed("head_frame", "head_link", "head", (0.0, 0.0, HEAD_CENTRE)),
        fixed("trunk_frame", "base_link", "trunk", o),
    ]

    for side, s in (("left", 1.0), ("right", -1.0)):
        p = f"{side}_"
        links += [
            cyl(p + "shoulder_pitch_link", 0.8, 0.045, 0.08, o, "y", "graphite", False),
            cyl(p + "shoulder_roll_link", 0.8, 0.045, 0.08, o, "x", "graphite", False),
            cyl(p + "upper_arm", 1.8, 0.045, 0.22, (0.0, 0.0, -0.14), "z", "aluminium"),
            cyl(p + "forearm", 1.2, 0.04, 0.20, (0.0, 0.0, -0.125), "z", "aluminium"),
            cyl(p + "wrist_link", 0.2, 0.03, 0.03, (0.0, 0.0, 0.0), "z", "graphite", False),
            box_link(p + "hand_link", 0.5, (0.03, 0.08, 0.10), (0.0, 0.0, -0.06), "signal_orange"),
            frame(p + "hand"),
        ]
        roll = (-0.3, 3.0) if s > 0 else (-3.0, 0.3)
        shoulder: Vec3 = (SHOULDER[0], s * SHOULDER[1], SHOULDER[2])
        joints += [
            rev(
                p + "shoulder_pitch", "torso", p + "shoulder_pitch_link", shoulder, y, (-3.1, 0.9), 80, 8, arm
            ),
            rev(
                p + "shoulder_roll",
                p + "shoulder_pitch_link",
                p + "shoulder_roll_link",
                o,
                x,
                roll,
                80,
                8,
                arm,
            ),
            rev(p + "shoulder_yaw", p + "shoulder_roll_link", p + "upper_arm", o, z, (-1.5, 1.5), 50, 8, arm),
            rev(
                p + "elbow",
                p + "upper_arm",
                p + "forearm",
                (0.0, 0.0, -UPPER_ARM),
                y,
                (-2.5, 0.0),
                60,
                10,
                arm,
            ),
            rev(
                p + "wrist_yaw",
                p + "forearm",
                p + "wrist_link",
                (0.0, 0.0, -FOREARM),
                z,
                (-1.4, 1.4),
                30,
                10,
                arm,
            ),
            rev(p + "wrist_pitch", p + "wrist_link", p + "hand_link", o, y, (-1.2, 0.9), 30, 10, arm),
            fixed(p + "hand_frame", p + "hand_link", p + "hand", (0.0, 0.0, -0.06)),
        ]
    return links, joints


# ----------------------------------------------------------------------------- writing


def num(v: float) -> str:
    """A float as URDF text: shortest form at 9 significant digits, no negative zero."""
    v = round(float(v), 10) + 0.0  # drop integration noise (1e-14) so zeros read as 0
    if v == 0.0:
        return "0"
    return f"{v:.9g}"


def vec(values: Iterable[float]) -> str:
    return " ".join(num(v) for v in values)


def geometry_xml(shape: Shape) -> str:
    if shape.kind == "box":
        return f'<box size="{vec(shape.size)}"/>'
    if shape.kind == "cylinder":
        return f'<cylinder radius="{num(shape.radius)}" length="{num(shape.length)}"/>'
    if shape.kind == "sphere":
        return f'<sphere radius="{num(shape.radius)}"/>'
    return f'<mesh filename="{MESH_URI}{shape.mesh}.stl"/>'


def origin_xml(xyz: Sequence[float], rpy: Sequence[float] = (0.0, 0.0, 0.0)) -> str:
    return f'<origin xyz="{vec(xyz)}" rpy="{vec(rpy)}"/>'


def link_xml(link: LinkSpec) -> list[str]:
    if link.mass == 0.0 and link.visual is None and not link.collisions:
        return [f'  <link name="{link.name}"/>']
    out = [f'  <link name="{link.name}">']
    assert link.inertia is not None
    ixx, ixy, ixz, iyy, iyz, izz = link.inertia
    out += [
        "    <inertial>",
        f"      {origin_xml(link.com)}",
        f'      <mass value="{num(link.mass)}"/>',
        f'      <inertia ixx="{num(ixx)}" ixy="{num(ixy)}" ixz="{num(ixz)}" '
        f'iyy="{num(iyy)}" iyz="{num(iyz)}" izz="{num(izz)}"/>',
        "    </inertial>",
    ]
    if link.visual is not None:
        out += [
            f'    <visual name="{link.name}_visual">',
            f"      {origin_xml(link.visual.xyz, link.visual.rpy)}",
            f"      <geometry>{geometry_xml(link.visual)}</geometry>",
        ]
        if link.inline_rgba is not None:
            rgba = vec(link.inline_rgba)
            out.append(f'      <material name="visor_blue"><color rgba="{rgba}"/></material>')
        elif link.material:
            out.append(f'      <material name="{link.material}"/>')
        out.append("    </visual>")
    for k, col in enumerate(link.collisions):
        out += [
            f'    <collision name="{link.name}_collision{k if k else ""}">',
            f"      {origin_xml(col.xyz, col.rpy)}",
            f"      <geometry>{geometry_xml(col)}</geometry>",
            "    </collision>",
        ]
    out.append("  </link>")
    return out


def joint_xml(j: JointSpec) -> list[str]:
    out = [
        f'  <joint name="{j.name}" type="{j.type}">',
        f'    <parent link="{j.parent}"/>',
        f'    <child link="{j.child}"/>',
        f"    {origin_xml(j.xyz)}",
    ]
    if j.type != "fixed":
        out += [
            f'    <axis xyz="{vec(j.axis)}"/>',
            f'    <limit lower="{num(j.lower)}" upper="{num(j.upper)}" effort="{num(j.effort)}" '
            f'velocity="{num(j.velocity)}"/>',
            f'    <dynamics damping="{num(j.damping)}" friction="{num(j.friction)}"/>',
        ]
    out.append("  </joint>")
    return out


def urdf_text(links: list[LinkSpec], joints: list[JointSpec]) -> str:
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        "<!-- Generated by scripts/make_humanoid.py; do not edit by hand: change the script, rerun it. -->",
        "<!-- humanoid_twin's bundled humanoid: x forward, y left, z up; zero pose = straight legs, arms",
        "     hanging with palms forward. Frames (massless links on fixed joints): trunk, head, left_foot /",
        "     right_foot at the soles, left_hand / right_hand at the palms. -->",
        '<robot name="humanoid">',
    ]
    for name, rgba in MATERIALS.items():
        lines.append(f'  <material name="{name}"><color rgba="{vec(rgba)}"/></material>')
    by_parent: dict[str, list[JointSpec]] = {}
    for j in joints:
        by_parent.setdefault(j.parent, []).append(j)
    link_by_name = {lk.name: lk for lk in links}
    # links and joints in depth-first order from the root, so the file reads top-down
    order: list[str] = []

    def visit(name: str) -> None:
        order.append(name)
        for j in by_parent.get(name, []):
            visit(j.child)

    visit("base_link")
    assert sorted(order) == sorted(link_by_name), "every link is reachable once"
    joint_by_child = {j.child: j for j in joints}
    for name in order:
        if name in joint_by_child:
            lines += joint_xml(joint_by_child[name])
        lines += link_xml(link_by_name[name])
    lines.append("</robot>")
    return "\n".join(lines) + "\n"


PACKAGE_XML = f"""<?xml version="1.0"?>
<package format="3">
  <name>{PACKAGE}</name>
  <version>0.1.0</version>
  <description>The bundled humanoid of humanoid_twin (generated by scripts/make_humanoid.py).</description>
  <maintainer email="humanoid-twin@example.org">humanoid_twin</maintainer>
  <license>Apache-2.0</license>
</package>
"""


def write(out: Path) -> list[Path]:
    """Write the URDF, the meshes and package.xml into ``out``; returns the files written."""
    (out / "meshes").mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for stem, (semi, exponent) in MESHES.items():
        v, f = superellipsoid(semi, exponent)
        path = out / "meshes" / f"{stem}.stl"
        write_binary_stl(path, v, f, header=f"humanoid_twin make_humanoid.py {stem}".encode())
        written.append(path)
    links, joints = robot()
    urdf = out / "humanoid.urdf"
    urdf.write_text(urdf_text(links, joints), encoding="utf-8", newline="\n")
    pkg = out / "package.xml"
    pkg.write_text(PACKAGE_XML, encoding="utf-8", newline="\n")
    return [urdf, pkg, *written]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=REPO / "urdf", help="output folder (default <repo>/urdf)")
    args = parser.parse_args(argv)
    for path in write(args.out):
        print(path)


if __name__ == "__main__":
    main()
