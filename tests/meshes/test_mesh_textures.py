"""Texture coordinates and texture images of mesh files (COLLADA ``TEXCOORD``, OBJ ``vt``/``map_Kd``)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
from test_mesh_materials import BIND_BOTH, ONE_MATERIAL, dae, write

from humanoid_twin.meshes import TriangleMesh, clear_mesh_cache, load_mesh
from humanoid_twin.model import Material

CHECKER = Path(__file__).parents[1] / "data" / "textures" / "checker.png"
"""A real 4 × 4 PNG."""


def png(path: Path) -> Path:
    """A copy of :data:`CHECKER` at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(CHECKER.read_bytes())
    return path


# ----------------------------------------------------------------------------- COLLADA

_UV_SOURCE = """
        <source id="square-uv">
          <float_array id="square-uv-array" count="15">0 0 9  1 0 9  1 1 9  0 1 9  0.5 0.5 9</float_array>
          <technique_common><accessor source="#square-uv-array" count="5" stride="3"/></technique_common>
        </source>"""
# corners as (position, normal-less texcoord) pairs; the texcoord set 1 is a decoy (set 0 wins)
_TEXTURED_QUAD = (
    _UV_SOURCE + '<polylist count="1" material="sym-red">'
    '<input semantic="VERTEX" source="#square-vtx" offset="0"/>'
    '<input semantic="TEXCOORD" source="#square-pos" offset="1" set="1"/>'
    '<input semantic="TEXCOORD" source="#square-uv" offset="1" set="0"/>'
    "<vcount>4</vcount><p>0 0 1 1 2 2 3 3</p></polylist>"
)
_TEXTURED_EFFECT = """
    <effect id="red-effect"><profile_COMMON>
      <newparam sid="skin-surface"><surface type="2D"><init_from>skin-image</init_from></surface></newparam>
      <newparam sid="skin-sampler"><sampler2D><source>skin-surface</source></sampler2D></newparam>
      <technique sid="common">
        <phong><diffuse><texture texture="skin-sampler" texcoord="UV"/></diffuse></phong>
      </technique></profile_COMMON></effect>"""


def textured_dae(primitives: str = _TEXTURED_QUAD, image: str = "skin.png") -> str:
    return dae(primitives, _TEXTURED_EFFECT, BIND_BOTH).replace(
        "<library_effects>",
        f'<library_images><image id="skin-image"><init_from>{image}</init_from></image></library_images>'
        "<library_effects>",
    )


def test_dae_texture_coordinates_follow_the_fan(tmp_path: Path) -> None:
    mesh = load_mesh(write(tmp_path / "quad.dae", textured_dae()))
    assert mesh.uvs is not None
    # the quad becomes the fan (0, 1, 2), (0, 2, 3); the lowest set's first two values per corner
    assert mesh.faces.tolist() == [[0, 1, 2], [0, 2, 3]]
    assert mesh.uvs.tolist() == [[[0, 0], [1, 0], [1, 1]], [[0, 0], [1, 1], [0, 1]]]


def test_dae_texture_coordinates_in_vertices(tmp_path: Path) -> None:
    # per-position coordinates declared in <vertices> apply through the vertex index
    text = textured_dae(
        _UV_SOURCE + '<triangles count="1" material="sym-red">'
        '<input semantic="VERTEX" source="#square-vtx" offset="0"/><p>4 1 2</p></triangles>'
    ).replace(
        '<input semantic="POSITION" source="#square-pos"/>',
        '<input semantic="POSITION" source="#square-pos"/><input semantic="TEXCOORD" source="#square-uv"/>',
    )
    mesh = load_mesh(write(tmp_path / "per_vertex.dae", text))
    assert mesh.uvs is not None and mesh.uvs.tolist() == [[[0.5, 0.5], [1, 0], [1, 1]]]


def test_dae_primitives_without_coordinates_get_zero(tmp_path: Path) -> None:
    plain = (
        '<triangles count="1" material="sym-blue"><input semantic="VERTEX" source="#square-vtx" offset="0"/>'
        "<p>0 4 3</p></triangles>"
    )
    mesh = load_mesh(write(tmp_path / "mixed.dae", textured_dae(_TEXTURED_QUAD + plain)))
    assert mesh.uvs is not None and mesh.uvs.shape == (3, 3, 2)
    assert mesh.uvs[2].tolist() == [[0, 0], [0, 0], [0, 0]]


def test_dae_mirrored_instance_keeps_coordinates_with_their_corners(tmp_path: Path) -> None:
    text = textured_dae().replace('<node id="n">', '<node id="n"><scale>-1 1 1</scale>')
    mesh = load_mesh(write(tmp_path / "mirrored.dae", text))
    assert mesh.uvs is not None
    for face, uv in zip(mesh.faces, mesh.uvs, strict=True):  # each corner keeps its own (u, v)
        x = -mesh.vertices[face, 0]  # undo the mirror: the quad's corners (0,0) (2,0) (2,1) (0,1)
        assert np.allclose(uv[:, 0], x / 2) and np.allclose(uv[:, 1], mesh.vertices[face, 1])


def test_dae_unreadable_texture_coordinates_are_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A mesh is not refused for its texture coordinates: bad ones are left out, with a warning."""
    bad_index = textured_dae().replace("<p>0 0 1 1 2 2 3 3</p>", "<p>0 0 1 1 2 2 3 9</p>")
    no_source = textured_dae().replace('source="#square-uv"', 'source="#nowhere"')
    for name, text in (("bad_uv.dae", bad_index), ("no_source.dae", no_source)):
        with caplog.at_level(logging.WARNING, logger="humanoid_twin.meshes"):
            mesh = load_mesh(write(tmp_path / name, text))
        assert mesh.face_count == 2 and mesh.uvs is None
        said = [r.getMessage() for r in caplog.records]
        assert any(name in m and "texture coordinates ignored" in m for m in said)


def test_texture_in_the_mesh_files_package(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A ROS package (package.xml) or Gazebo model (model.config) keeps its textures in a folder
    beside its meshes; without such a marker only the mesh's own folder counts."""
    package = tmp_path / "robot_description"
    image = png(package / "materials" / "textures" / "skin.png")
    text = textured_dae(image="../materials/textures/skin.png")
    (package / "meshes").mkdir()
    with caplog.at_level(logging.WARNING, logger="humanoid_twin.meshes"):
        loose = load_mesh(write(package / "meshes" / "quad.dae", text))
    assert loose.materials[0].texture_file is None and "outside the folder" in caplog.text
    for marker in ("package.xml", "model.config"):
        (package / marker).write_text("<package/>")
        clear_mesh_cache()
        assert load_mesh(package / "meshes" / "quad.dae").materials[0].texture_file == image
        (package / marker).unlink()


def test_dae_texture_without_its_image_keeps_the_file_name(tmp_path: Path) -> None:
    mesh = load_mesh(write(tmp_path / "tex.dae", textured_dae(ONE_MATERIAL)))
    assert mesh.materials == (Material("red", None, "skin.png"),)
    assert mesh.materials[0].texture_file is None and mesh.uvs is None


def test_dae_texture_image_beside_the_mesh_is_used(tmp_path: Path) -> None:
    image = png(tmp_path / "textures" / "skin.png")
    mesh = load_mesh(write(tmp_path / "quad.dae", textured_dae(image="textures/skin.png")))
    assert mesh.materials == (Material("red", None, "textures/skin.png", image),)
    uri = load_mesh(write(tmp_path / "uri.dae", textured_dae(image=image.as_uri())))
    assert uri.materials[0].texture_file == image
    spaced = png(tmp_path / "my skin.png")  # <init_from> is a URI: percent-encoded
    encoded = load_mesh(write(tmp_path / "encoded.dae", textured_dae(image="my%20skin.png")))
    assert encoded.materials[0].texture_file == spaced


@pytest.mark.parametrize(
    ("image", "why"),
    [
        ("../outside.png", "outside the folder (or ROS/Gazebo package)"),
        ("/etc/hostname.png", "outside the folder (or ROS/Gazebo package)"),
        ("file://server/share/skin.png", "names the host 'server'"),
        ("notes.txt", "not an image format"),
        ("missing.png", "does not exist"),
        ("folder.png", "not a regular file"),
        ("http://example.com/skin.png", "not a local file"),
    ],
)
def test_dae_texture_image_rules(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, image: str, why: str
) -> None:
    # a mesh file must not make the importer copy a file from elsewhere into the asset
    png(tmp_path / "outside.png")
    (tmp_path / "mesh" / "folder.png").mkdir(parents=True)
    (tmp_path / "mesh" / "notes.txt").write_text("not an image")
    with caplog.at_level(logging.WARNING, logger="humanoid_twin.meshes"):
        mesh = load_mesh(write(tmp_path / "mesh" / "quad.dae", textured_dae(image=image)))
    assert mesh.materials[0].texture == image and mesh.materials[0].texture_file is None
    assert any(why in r.getMessage() and "quad.dae" in r.getMessage() for r in caplog.records)


# ----------------------------------------------------------------------------- OBJ

_OBJ = """mtllib skin.mtl
v 0 0 0
v 2 0 0
v 2 1 0
v 0 1 0
vt 0 0
vt 1 0
vt 1 1
vt 0 1 0
vn 0 0 1
usemtl skin
f 1/1/1 2/2/1 3/3/1 4/4/1
f 1//1 3//1 4//1
f -4/-4 -2/-2 -1/-1
"""


def test_obj_texture_coordinates_per_corner(tmp_path: Path) -> None:
    mesh = load_mesh(write(tmp_path / "skin.obj", _OBJ))
    assert mesh.uvs is not None
    assert mesh.uvs.tolist() == [
        [[0, 0], [1, 0], [1, 1]],  # the quad's fan
        [[0, 0], [1, 1], [0, 1]],
        [[0, 0], [0, 0], [0, 0]],  # corners without vt
        [[0, 0], [1, 1], [0, 1]],  # negative indices count back
    ]
    assert load_mesh(write(tmp_path / "plain.obj", "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n")).uvs is None


@pytest.mark.parametrize(
    ("face", "why"),
    [
        ("f 1/5 2/2 3/3", "a face corner names vt 5, but there are 4"),
        ("f 1/x 2/2 3/3", "invalid literal"),
        ("f 1/0 2/2 3/3", "names vt 0"),
    ],
)
def test_obj_unreadable_texture_coordinates_are_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, face: str, why: str
) -> None:
    with caplog.at_level(logging.WARNING, logger="humanoid_twin.meshes"):
        mesh = load_mesh(write(tmp_path / "bad.obj", _OBJ.replace("f -4/-4 -2/-2 -1/-1", face)))
    assert mesh.face_count == 4 and mesh.uvs is None
    assert any("bad.obj" in r.getMessage() and why in r.getMessage() for r in caplog.records)
    nan = load_mesh(write(tmp_path / "nan.obj", _OBJ.replace("vt 1 1", "vt nan 1")))
    assert nan.face_count == 4 and nan.uvs is None


def test_obj_texture_coordinates_defined_after_their_faces(tmp_path: Path) -> None:
    late = "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1/1 2/2 3/3\nvt 0 0\nvt 1 0\nvt 0 1\n"
    mesh = load_mesh(write(tmp_path / "late.obj", late))
    assert mesh.uvs is not None and mesh.uvs.tolist() == [[[0, 0], [1, 0], [0, 1]]]


def test_obj_map_kd_with_options_or_spaces(tmp_path: Path) -> None:
    spaced = png(tmp_path / "my skin.png")
    png(tmp_path / "plain.png")
    mtl = "newmtl a\nmap_Kd my skin.png\nnewmtl b\nmap_Kd -s 2 2 1 -clamp on plain.png\n"
    write(tmp_path / "skin.mtl", mtl)
    quad = "f 1/1/1 2/2/1 3/3/1 4/4/1"
    obj = _OBJ.replace(f"usemtl skin\n{quad}", f"usemtl a\n{quad}\nusemtl b")
    mesh = load_mesh(write(tmp_path / "skin.obj", obj))
    assert [(m.texture, m.texture_file) for m in mesh.materials] == [
        ("my skin.png", spaced),
        ("plain.png", tmp_path / "plain.png"),
    ]


def test_obj_map_kd_relative_to_the_mtl(tmp_path: Path) -> None:
    image = png(tmp_path / "materials" / "skin.png")
    write(tmp_path / "materials" / "skin.mtl", "newmtl skin\nKd 1 1 1\nmap_Kd skin.png\n")
    obj = write(tmp_path / "skin.obj", _OBJ.replace("mtllib skin.mtl", "mtllib materials/skin.mtl"))
    mesh = load_mesh(obj)
    assert mesh.materials == (Material("skin", (1.0, 1.0, 1.0, 1.0), "skin.png", image),)


# ----------------------------------------------------------------------------- the value


def test_coordinates_survive_new_meshes() -> None:
    uvs = np.array([[[0, 0], [1, 0], [0, 1]], [[0.5, 0.5], [1, 1], [0, 1]]])
    mesh = TriangleMesh(
        [[0, 0, 0], [1, 0, 0], [0, 1, 0], [9, 9, 9], [1, 1, 0]], [[0, 1, 2], [4, 2, 1]], uvs=uvs
    )
    compact = mesh.compacted()
    assert compact.vertex_count == 4 and compact.uvs is not None and np.array_equal(compact.uvs, uvs)
    mirrored = mesh.transformed(np.diag([-1.0, 1.0, 1.0, 1.0]))
    assert mirrored.uvs is not None and np.array_equal(mirrored.uvs, uvs[:, ::-1])  # with the winding
    assert np.array_equal(mirrored.faces, mesh.faces[:, ::-1])
    scaled = mesh.scaled((2.0, -1.0, 1.0))
    assert scaled.uvs is not None and np.array_equal(scaled.uvs, uvs[:, ::-1])
    with pytest.raises(ValueError, match=r"uvs must have shape \(2, 3, 2\)"):
        TriangleMesh(mesh.vertices, mesh.faces, uvs=uvs[:1])
    with pytest.raises(ValueError, match="face 1 has a non-finite texture coordinate"):
        TriangleMesh(mesh.vertices, mesh.faces, uvs=np.where(uvs == 0.5, np.nan, uvs))


# ----------------------------------------------------------------------------- a real file


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")  # pycollada's numpy.matrix
def test_icub_dae_coordinates_match_pycollada() -> None:
    """Every textured iCub COLLADA file: the same triangles with the same (s, t) per corner as
    pycollada's reader gives (its own triangulation and binding), unit scale applied."""
    collada = pytest.importorskip("collada")
    icub_models = pytest.importorskip("icub_models")
    folder = Path(icub_models.get_model_file("iCubGazeboV2_5")).parents[2] / "meshes" / "dae"
    files = sorted(f for f in folder.glob("*.dae") if b"TEXCOORD" in f.read_bytes())
    assert files, f"no textured COLLADA file under {folder}"
    for file in files:
        doc = collada.Collada(str(file))
        rows = []
        for geometry in doc.scene.objects("geometry"):
            for prim in geometry.primitives():
                triangles = isinstance(prim, collada.triangleset.BoundTriangleSet)
                tri = prim if triangles else prim.triangleset()
                pos = tri.vertex[tri.vertex_index] * (doc.assetInfo.unitmeter or 1.0)
                has_uv = len(tri.texcoordset) > 0
                uv = tri.texcoordset[0][tri.texcoord_indexset[0]] if has_uv else np.zeros((len(pos), 3, 2))
                rows.append(np.hstack([pos.reshape(-1, 9), uv.reshape(-1, 6)]))
        theirs = np.concatenate(rows)
        mesh = load_mesh(file)
        assert mesh.uvs is not None
        ours = np.hstack([mesh.vertices[mesh.faces].reshape(-1, 9), mesh.uvs.reshape(-1, 6)])
        assert ours.shape == theirs.shape, file.name
        scale = np.abs(ours).max()  # pycollada holds floats in float32
        key = np.lexsort(np.round(ours / scale, 4).T[::-1])
        key_theirs = np.lexsort(np.round(theirs / scale, 4).T[::-1])
        close = np.isclose(ours[key], theirs[key_theirs], atol=1e-6 * scale).all(axis=1)
        assert close.mean() > 0.99, file.name  # rounding may reorder a few near-equal rows
        far = ours[key][~close]
        for row in far:  # those few must still have a partner
            assert np.isclose(theirs, row, atol=1e-6 * scale).all(axis=1).any(), file.name
