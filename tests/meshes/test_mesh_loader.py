"""load_mesh: round trips against trimesh, hand-written edge cases, the iCub meshes, bad inputs."""

from __future__ import annotations

import os
import random
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import humanoid_twin.meshes as meshes
from humanoid_twin.errors import MeshError
from humanoid_twin.meshes import (
    TriangleMesh,
    clear_mesh_cache,
    load_mesh,
    mesh_cache_info,
    write_binary_stl,
)

trimesh = pytest.importorskip("trimesh")


def test_public_names_import() -> None:
    for name in meshes.__all__:
        assert getattr(meshes, name) is not None


# ------------------------------------------------------------------ helpers


def triangle_set(vertices: np.ndarray, faces: np.ndarray, decimals: int = 5) -> set[tuple[float, ...]]:
    """Triangles as rotation-normalised tuples of rounded corner coordinates (winding kept)."""
    out = set()
    for tri in np.round(vertices[faces], decimals) + 0.0:
        rows = [tuple(r) for r in tri]
        k = rows.index(min(rows))
        rows = rows[k:] + rows[:k]
        out.add(tuple(c for r in rows for c in r))
    return out


def sample_mesh() -> trimesh.Trimesh:
    """A closed, non-convex mesh with a non-trivial placement (two boxes, one rotated)."""
    a = trimesh.creation.icosphere(subdivisions=2, radius=0.07)
    b = trimesh.creation.box(extents=(0.1, 0.03, 0.2))
    b.apply_transform(trimesh.transformations.rotation_matrix(0.3, (1, 2, 3), (0.05, 0, 0)))
    b.apply_translation((0.2, -0.1, 0.05))
    return trimesh.util.concatenate([a, b])


# ------------------------------------------------------------------ round trips against trimesh


@pytest.mark.parametrize("file_type", ["stl", "stl_ascii", "obj", "dae"])
def test_round_trip_against_trimesh(tmp_path: Path, file_type: str) -> None:
    source = sample_mesh()
    suffix = "." + file_type.split("_")[0]
    path = tmp_path / f"sample{suffix}"
    exported = source.export(file_type=file_type)
    path.write_bytes(exported.encode() if isinstance(exported, str) else exported)
    ours = load_mesh(path)
    theirs = trimesh.load(path, force="mesh", process=False)
    assert ours.face_count == len(source.faces)
    assert triangle_set(ours.vertices, ours.faces) == triangle_set(
        np.asarray(theirs.vertices), np.asarray(theirs.faces)
    )
    assert ours.volume() == pytest.approx(source.volume, rel=1e-5)
    assert ours.area() == pytest.approx(source.area, rel=1e-5)


def test_stl_corners_are_merged(tmp_path: Path) -> None:
    box = trimesh.creation.box(extents=(1.0, 2.0, 3.0))
    path = tmp_path / "box.stl"
    path.write_bytes(box.export(file_type="stl"))
    mesh = load_mesh(path)
    assert (mesh.vertex_count, mesh.face_count) == (8, 12)
    assert mesh.volume() == pytest.approx(6.0)


def test_binary_stl_starting_with_solid_is_read_as_binary(tmp_path: Path) -> None:
    path = tmp_path / "tricky.stl"
    write_binary_stl(path, np.eye(3), np.array([[0, 1, 2]]), header=b"x" * 10)
    data = bytearray(path.read_bytes())
    data[:5] = b"solid"  # some exporters do this
    path.write_bytes(bytes(data))
    mesh = load_mesh(path)
    assert mesh.face_count == 1
    assert triangle_set(mesh.vertices, mesh.faces) == triangle_set(np.eye(3), np.array([[0, 1, 2]]))


def test_write_binary_stl_is_deterministic(tmp_path: Path) -> None:
    box = trimesh.creation.box()
    a, b = tmp_path / "a.stl", tmp_path / "b.stl"
    write_binary_stl(a, box.vertices, box.faces, header=b"humanoid_twin")
    write_binary_stl(b, box.vertices, box.faces, header=b"humanoid_twin")
    assert a.read_bytes() == b.read_bytes()
    assert len(a.read_bytes()) == 84 + 50 * 12


@settings(max_examples=40, deadline=None)
@given(arrays(np.float32, (7, 3, 3), elements=st.floats(-10, 10, width=32)))
def test_binary_stl_property_round_trip(
    tmp_path_factory: pytest.TempPathFactory, corners: np.ndarray
) -> None:
    vertices = corners.reshape(-1, 3).astype(np.float64)
    faces = np.arange(len(vertices)).reshape(-1, 3)
    # the loader drops triangles that collapse after merging identical corners
    t = vertices[faces]
    distinct = ~(
        np.all(t[:, 0] == t[:, 1], axis=1)
        | np.all(t[:, 1] == t[:, 2], axis=1)
        | np.all(t[:, 0] == t[:, 2], axis=1)
    )
    path = tmp_path_factory.mktemp("prop") / "random.stl"
    write_binary_stl(path, vertices, faces)
    if not distinct.any():
        with pytest.raises(MeshError, match="degenerate"):
            load_mesh(path)
        return
    mesh = load_mesh(path)
    assert triangle_set(mesh.vertices, mesh.faces, 6) == triangle_set(vertices, faces[distinct], 6)
    assert len(np.unique(mesh.vertices, axis=0)) == mesh.vertex_count


def test_ascii_stl_hand_written(tmp_path: Path) -> None:
    path = tmp_path / "tri.STL"  # upper-case extension
    path.write_text(
        "solid tri\n facet normal 0 0 1\n  outer loop\n   vertex 0 0 0\n   vertex 1e-3 0 0\n"
        "   vertex 0 +2.5E-3 0\n  endloop\n endfacet\n"
        " facet normal 0 0 -1\n  outer loop\n   vertex 0 0 0\n   vertex 0 2.5e-3 0\n   vertex -1e-3 0 -0\n"
        "  endloop\n endfacet\nendsolid tri\n"
    )
    mesh = load_mesh(path)
    assert (mesh.vertex_count, mesh.face_count) == (4, 2)  # shared corners merged, -0 == 0
    assert mesh.area() == pytest.approx(2 * 0.5 * 1e-3 * 2.5e-3)


# ------------------------------------------------------------------ OBJ


def test_obj_polygons_negative_indices_and_ignored_records(tmp_path: Path) -> None:
    path = tmp_path / "quad.obj"
    path.write_text(
        "# a unit square as one quad, then a triangle with negative indices\n"
        "mtllib none.mtl\no square\nv 0 0 0\nv 1 0 0 1.0\nv 1 1 0 0.5 0.5 0.5\nv 0 1 0\n"
        "vt 0 0\nvn 0 0 1\ns off\nusemtl x\n"
        "f 1/1/1 2/1/1 3//1 4\n"
        "v 0 0 1\nv 1 0 1\nv 0 1 1\n"
        "f -3 -2 -1\n"
        "l 1 2\n"
    )
    mesh = load_mesh(path)
    expected = np.array([[0, 1, 2], [0, 2, 3], [4, 5, 6]])
    np.testing.assert_array_equal(mesh.faces, expected)
    assert mesh.vertex_count == 7
    assert mesh.area() == pytest.approx(1.5)


def test_obj_vertices_no_face_uses_are_dropped(tmp_path: Path) -> None:
    path = tmp_path / "stray.obj"
    path.write_text("v 0 0 0\nv 9 9 9\nv 1 0 0\nv 0 1 0\nf 1 3 4\nv 0 0 -5\n")  # 2 and 5 unused
    mesh = load_mesh(path)
    assert mesh.vertex_count == 3
    np.testing.assert_array_equal(mesh.faces, [[0, 1, 2]])
    np.testing.assert_allclose(mesh.bounds, [[0, 0, 0], [1, 1, 0]])


def test_compacted_keeps_the_triangles_and_returns_a_full_mesh_itself() -> None:
    v = np.array([[5.0, 5, 5], [0, 0, 0], [1, 0, 0], [7, 7, 7], [0, 1, 0]])
    mesh = TriangleMesh(v, np.array([[1, 2, 4], [4, 2, 1]]))
    small = mesh.compacted()
    np.testing.assert_array_equal(small.vertices, v[[1, 2, 4]])
    np.testing.assert_array_equal(small.vertices[small.faces], mesh.vertices[mesh.faces])
    assert small.compacted() is small


def test_obj_pentagon_is_a_fan(tmp_path: Path) -> None:
    path = tmp_path / "pent.obj"
    angles = np.linspace(0, 2 * np.pi, 6)[:-1]
    path.write_text("".join(f"v {np.cos(a)} {np.sin(a)} 0\n" for a in angles) + "f 1 2 3 4 5\n")
    mesh = load_mesh(path)
    np.testing.assert_array_equal(mesh.faces, [[0, 1, 2], [0, 2, 3], [0, 3, 4]])
    assert mesh.area() == pytest.approx(2.5 * np.sin(2 * np.pi / 5))


# ------------------------------------------------------------------ COLLADA


def dae(body: str, asset: str = "<up_axis>Z_UP</up_axis>", scene: str | None = None) -> str:
    scene_xml = (
        scene
        if scene is not None
        else '<library_visual_scenes><visual_scene id="s"><node><instance_geometry url="#g"/></node>'
        '</visual_scene></library_visual_scenes><scene><instance_visual_scene url="#s"/></scene>'
    )
    return (
        '<?xml version="1.0"?>\n'
        '<COLLADA xmlns="http://www.collada.org/2005/11/COLLADASchema" version="1.4.1">'
        f"<asset>{asset}</asset><library_geometries>{body}</library_geometries>{scene_xml}</COLLADA>"
    )


SQUARE = (
    '<geometry id="g"><mesh>'
    '<source id="pos"><float_array id="pa" count="15">9 9 9 0 0 0 1 0 0 1 1 0 0 1 0</float_array>'
    '<technique_common><accessor source="#pa" count="4" stride="3" offset="3"/></technique_common></source>'
    '<source id="nrm"><float_array id="na" count="3">0 0 1</float_array></source>'
    '<vertices id="v"><input semantic="POSITION" source="#pos"/></vertices>'
    "{prims}</mesh></geometry>"
)


@pytest.mark.parametrize(
    "prims",
    [
        '<triangles count="2"><input semantic="VERTEX" source="#v" offset="0"/>'
        '<input semantic="NORMAL" source="#nrm" offset="1"/><p>0 0 1 0 2 0 0 0 2 0 3 0</p></triangles>',
        '<polylist count="1"><input semantic="NORMAL" source="#nrm" offset="0"/>'
        '<input semantic="VERTEX" source="#v" offset="1"/><vcount>4</vcount>'
        "<p>0 0 0 1 0 2 0 3</p></polylist>",
        '<polygons count="1"><input semantic="VERTEX" source="#v" offset="0"/><p>0 1 2 3</p></polygons>',
        '<polygons count="1"><input semantic="VERTEX" source="#v" offset="0"/>'
        "<ph><p>0 1 2 3</p><h>0 1 2</h></ph>"
        "</polygons>",
        '<trifans count="1"><input semantic="VERTEX" source="#v" offset="0"/><p>0 1 2 3</p></trifans>',
        '<tristrips count="1"><input semantic="VERTEX" source="#v" offset="0"/><p>1 2 0 3</p></tristrips>',
    ],
    ids=["triangles", "polylist", "polygons", "polygons-ph", "trifans", "tristrips"],
)
def test_dae_primitives(tmp_path: Path, prims: str) -> None:
    path = tmp_path / "square.dae"
    path.write_text(dae(SQUARE.format(prims=prims)))
    mesh = load_mesh(path)
    assert mesh.face_count == 2
    assert mesh.area() == pytest.approx(1.0)
    np.testing.assert_allclose(mesh.bounds, [[0, 0, 0], [1, 1, 0]])
    assert np.all(mesh.face_normals()[:, 2] > 0.99)  # winding kept counter-clockwise


TRIANGLE_PRIM = (
    '<triangles count="2"><input semantic="VERTEX" source="#v" offset="0"/><p>0 1 2 0 2 3</p></triangles>'
)


def test_dae_scene_transforms_units_and_instances(tmp_path: Path) -> None:
    scene = (
        '<library_nodes><node id="lib"><translate>0 0 5</translate><instance_geometry url="#g"/></node>'
        "</library_nodes>"
        '<library_visual_scenes><visual_scene id="s">'
        "<node><translate>10 0 0</translate><rotate>0 0 1 90</rotate><scale>2 2 2</scale>"
        '<instance_geometry url="#g"/></node>'
        "<node><matrix>1 0 0 0  0 1 0 0  0 0 1 -3  0 0 0 1</matrix>"
        '<node><instance_node url="#lib"/></node></node>'
        '</visual_scene></library_visual_scenes><scene><instance_visual_scene url="#s"/></scene>'
    )
    path = tmp_path / "scene.dae"
    path.write_text(
        dae(
            SQUARE.format(prims=TRIANGLE_PRIM),
            asset='<unit name="cm" meter="0.01"/><up_axis>Z_UP</up_axis>',
            scene=scene,
        )
    )
    mesh = load_mesh(path)
    assert mesh.face_count == 4
    first = mesh.vertices[:4]
    # translate · rotate(90° about z) · scale 2, then cm → m
    np.testing.assert_allclose(
        first, 0.01 * np.array([[10, 0, 0], [10, 2, 0], [8, 2, 0], [8, 0, 0]]), atol=1e-12
    )
    np.testing.assert_allclose(
        mesh.vertices[4:], 0.01 * np.array([[0, 0, 2], [1, 0, 2], [1, 1, 2], [0, 1, 2]])
    )


def test_dae_geometries_sharing_one_position_array_keep_only_their_own_vertices(tmp_path: Path) -> None:
    # as Romeo's meshes: each geometry's source holds every part's positions, its triangles use a few
    shared = "0 0 0 1 0 0 1 1 0 0 1 0 0 0 5 1 0 5 1 1 5 0 1 5"
    body = "".join(
        f'<geometry id="{gid}"><mesh><source id="p{gid}"><float_array id="a{gid}" count="24">{shared}'
        f'</float_array><technique_common><accessor source="#a{gid}" count="8" stride="3"/>'
        f'</technique_common></source><vertices id="v{gid}"><input semantic="POSITION" source="#p{gid}"/>'
        f'</vertices><triangles count="2"><input semantic="VERTEX" source="#v{gid}" offset="0"/>'
        f"<p>{p}</p></triangles></mesh></geometry>"
        for gid, p in (("bottom", "0 1 2 0 2 3"), ("top", "4 5 6 4 6 7"))
    )
    scene = (
        '<library_visual_scenes><visual_scene id="s"><node><instance_geometry url="#bottom"/></node>'
        '<node><translate>0 0 -10</translate><instance_geometry url="#top"/></node></visual_scene>'
        '</library_visual_scenes><scene><instance_visual_scene url="#s"/></scene>'
    )
    path = tmp_path / "shared.dae"
    path.write_text(dae(body, scene=scene))
    mesh = load_mesh(path)
    assert (mesh.vertex_count, mesh.face_count) == (8, 4)
    # the unused copies would sit at z = 5 (bottom's) and z = -10 (top's)
    np.testing.assert_allclose(mesh.bounds, [[0, 0, -5], [1, 1, 0]])


def test_dae_without_scene_uses_every_geometry_once(tmp_path: Path) -> None:
    path = tmp_path / "noscene.dae"
    path.write_text(dae(SQUARE.format(prims=TRIANGLE_PRIM), scene=""))
    assert load_mesh(path).face_count == 2


def test_dae_up_axis_is_ignored_by_default_and_applied_on_request(tmp_path: Path) -> None:
    path = tmp_path / "yup.dae"
    path.write_text(dae(SQUARE.format(prims=TRIANGLE_PRIM), asset="<up_axis>Y_UP</up_axis>"))
    plain = load_mesh(path)
    np.testing.assert_allclose(plain.bounds, [[0, 0, 0], [1, 1, 0]])  # as RViz/Gazebo show it
    rotated = load_mesh(path, apply_up_axis=True)
    np.testing.assert_allclose(rotated.bounds, [[0, 0, 0], [1, 0, 1]], atol=1e-12)  # file +Y became +Z


# ------------------------------------------------------------------ cache


def test_cache_reads_a_file_once_and_notices_changes(tmp_path: Path) -> None:
    clear_mesh_cache()
    path = tmp_path / "box.stl"
    path.write_bytes(trimesh.creation.box().export(file_type="stl"))
    first = load_mesh(path)
    assert load_mesh(str(path)) is first
    assert load_mesh(tmp_path / "." / "box.stl") is first  # same resolved path
    assert mesh_cache_info() == {"hits": 2, "misses": 1, "size": 1}
    path.write_bytes(trimesh.creation.box(extents=(2, 2, 2)).export(file_type="stl"))
    st_ = path.stat()
    os.utime(path, ns=(st_.st_atime_ns, st_.st_mtime_ns + 1_000_000_000))
    second = load_mesh(path)
    assert second is not first
    assert second.volume() == pytest.approx(8.0)


def test_mesh_is_immutable() -> None:
    mesh = TriangleMesh(np.eye(3), np.array([[0, 1, 2]]))
    assert mesh.vertices.dtype == np.float64 and mesh.faces.dtype == np.int32
    with pytest.raises(ValueError):
        mesh.vertices[0, 0] = 5.0
    with pytest.raises(ValueError):
        mesh.faces[0, 0] = 1
    flipped = mesh.scaled((-1.0, 1.0, 1.0))  # a mirror keeps normals pointing outward
    np.testing.assert_allclose(flipped.face_normals()[0], mesh.face_normals()[0] * [-1, 1, 1])


# ------------------------------------------------------------------ iCub meshes


def _icub_meshes() -> list[Path]:
    icub_models = pytest.importorskip("icub_models")
    robots = Path(icub_models.get_models_path())
    share = robots.parent  # .../share/iCub, the 'iCub' package root
    found: set[Path] = set()
    for urdf in robots.glob("*/model.urdf"):
        for uri in re.findall(r'filename="package://iCub/([^"]+)"', urdf.read_text()):
            found.add(share / uri)
    return sorted(found)


ICUB_MESHES = _icub_meshes() if __import__("importlib.util").util.find_spec("icub_models") else []


def _icub_sample() -> list[Path]:
    sample = random.Random(1234).sample(ICUB_MESHES, min(30, len(ICUB_MESHES)))
    for ext in sorted({p.suffix.lower() for p in ICUB_MESHES}):
        if not any(p.suffix.lower() == ext for p in sample):
            sample.append(next(p for p in ICUB_MESHES if p.suffix.lower() == ext))
    ascii_stl = [p for p in ICUB_MESHES if p.suffix.lower() == ".stl" and p.read_bytes()[:5] == b"solid"]
    sample.extend(p for p in ascii_stl[:1] if p not in sample)
    return sample


def test_icub_meshes_found() -> None:
    assert len(ICUB_MESHES) > 100
    assert {p.suffix.lower() for p in ICUB_MESHES} == {".stl", ".dae"}
    missing = [p for p in ICUB_MESHES if not p.is_file()]
    assert not missing


@pytest.mark.parametrize("path", _icub_sample() if ICUB_MESHES else [], ids=lambda p: p.name)
def test_icub_mesh_loads_like_trimesh(path: Path) -> None:
    mesh = load_mesh(path)
    assert mesh.face_count > 0
    theirs = trimesh.load(path, force="mesh", process=False)
    scale = max(1.0, float(np.abs(theirs.bounds).max()))
    np.testing.assert_allclose(mesh.bounds, theirs.bounds, atol=1e-6 * scale)
    assert mesh.area() == pytest.approx(theirs.area, rel=1e-5)


# ------------------------------------------------------------------ bad inputs


def binary_stl_bytes(n: int) -> bytes:
    return b"\0" * 80 + np.array([n], "<u4").tobytes() + b"\0" * 50 * n


NAN_STL = (
    "solid x\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\nvertex nan 0 0\nvertex 0 1 0\n"
    "endloop\nendfacet\nendsolid"
)
BAD_CASES: list[tuple[str, bytes | str, str]] = [
    ("empty.stl", b"", "empty"),
    ("short.stl", b"\1\2\3", "shorter than the 84-byte"),
    ("truncated.stl", binary_stl_bytes(3)[:-7], r"declares 3 triangles \(234 bytes\) but the file has 227"),
    ("zero.stl", binary_stl_bytes(0), "0 triangles"),
    ("degenerate.stl", binary_stl_bytes(2), "degenerate"),
    ("nan.stl", NAN_STL, "non-finite"),
    (
        "mismatch.stl",
        "solid x\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\nvertex 1 0 0\nendloop\nendfacet\n",
        "1 facets but 2",
    ),
    (
        "text.stl",
        "solid x\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\nvertex 1 0 0\nvertex 0 one 0\n"
        "endloop\nendfacet",
        "non-numeric",
    ),
    ("range.obj", "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 4\n", r":4: face corner '4' refers to vertex 4, but 3"),
    ("zero.obj", "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 0 1 2\n", "refers to vertex 0"),
    ("negative.obj", "v 0 0 0\nv 1 0 0\nf -1 -2 -3\nv 0 1 0\n", "refers to vertex -3, but 2"),
    ("twocorners.obj", "v 0 0 0\nv 1 0 0\nf 1 2\n", "fewer than 3 corners"),
    ("nofaces.obj", "v 0 0 0\n", "no 'f' face records"),
    ("novertices.obj", "# nothing\n", "no 'v' vertex records"),
    ("nan.obj", "v 0 0 0\nv nan 0 0\nv 0 1 0\nf 1 2 3\n", "non-finite"),
    ("word.obj", "v 0 0 zero\nv 1 0 0\nv 0 1 0\nf 1 2 3\n", "not numbers"),
    ("malformed.dae", "<COLLADA><asset>", "not well-formed XML"),
    ("notcollada.dae", "<robot/>", "not <COLLADA>"),
    ("nogeometry.dae", dae(""), "no <geometry>"),
    (
        "emptyscene.dae",
        dae(
            SQUARE.format(prims=TRIANGLE_PRIM),
            scene=(
                '<library_visual_scenes><visual_scene id="s"/></library_visual_scenes>'
                '<scene><instance_visual_scene url="#s"/></scene>'
            ),
        ),
        "no triangle geometry",
    ),
    (
        "range.dae",
        dae(SQUARE.format(prims=TRIANGLE_PRIM.replace("0 2 3", "0 2 4"))),
        "index 4 is out of range for 4",
    ),
    (
        "vcount.dae",
        dae(
            SQUARE.format(
                prims=(
                    '<polylist count="1"><input semantic="VERTEX" source="#v" offset="0"/>'
                    "<vcount>5</vcount><p>0 1 2 3</p></polylist>"
                )
            )
        ),
        "sums to 5 corners but <p> has 4",
    ),
    ("nan.dae", dae(SQUARE.format(prims=TRIANGLE_PRIM).replace("1 1 0", "1 NaN 0")), "non-finite"),
    (
        "badurl.dae",
        dae(SQUARE.format(prims=TRIANGLE_PRIM).replace('source="#v"', 'source="#nowhere"')),
        "refers to no element",
    ),
    (
        "unit.dae",
        dae(SQUARE.format(prims=TRIANGLE_PRIM), asset='<unit meter="-1"/>'),
        "not a positive number",
    ),
    (
        "bomb.dae",
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><COLLADA>&b;</COLLADA>',
        "refused XML feature",
    ),
    ("mesh.ply", "ply\n", "unsupported mesh format '.ply'; supported: .stl, .obj, .dae"),
    ("noext", "solid", r"'\(no extension\)'"),
]


@pytest.mark.parametrize(("name", "content", "match"), BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_bad_input_raises_one_line_mesh_error(
    tmp_path: Path, name: str, content: bytes | str, match: str
) -> None:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content)
    else:
        path.write_bytes(content)
    with pytest.raises(MeshError, match=match) as info:
        load_mesh(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    assert info.value.file == str(path)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(MeshError, match="mesh file not found") as info:
        load_mesh(tmp_path / "nope.stl")
    assert info.value.file == str(tmp_path / "nope.stl")
    folder = tmp_path / "folder.stl"
    folder.mkdir()
    with pytest.raises(MeshError, match="not a regular file"):
        load_mesh(folder)
