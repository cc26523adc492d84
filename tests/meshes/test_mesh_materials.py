"""The colours stored inside mesh files: COLLADA effects and OBJ ``.mtl`` materials, per face."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from humanoid_twin.errors import MeshError
from humanoid_twin.meshes import TriangleMesh, load_mesh
from humanoid_twin.model import Material

# A 2 × 1 rectangle (two triangles of 1 m²) and a fifth point at its centre for a smaller triangle.
_POSITIONS = "0 0 0  2 0 0  2 1 0  0 1 0  1 0.5 0"


def dae(primitives: str, effects: str, bindings: str) -> str:
    """A COLLADA file with one geometry placed once; ``primitives`` go into its ``<mesh>``."""
    return f"""<?xml version="1.0" encoding="utf-8"?>
<COLLADA xmlns="http://www.collada.org/2005/11/COLLADASchema" version="1.4.1">
  <asset><unit meter="1"/><up_axis>Z_UP</up_axis></asset>
  <library_effects>{effects}</library_effects>
  <library_materials>
    <material id="red-material" name="red"><instance_effect url="#red-effect"/></material>
    <material id="blue-material" name="blue"><instance_effect url="#blue-effect"/></material>
  </library_materials>
  <library_geometries>
    <geometry id="square">
      <mesh>
        <source id="square-pos">
          <float_array id="square-pos-array" count="15">{_POSITIONS}</float_array>
          <technique_common><accessor source="#square-pos-array" count="5" stride="3"/></technique_common>
        </source>
        <vertices id="square-vtx"><input semantic="POSITION" source="#square-pos"/></vertices>
        {primitives}
      </mesh>
    </geometry>
  </library_geometries>
  <library_visual_scenes>
    <visual_scene id="scene">
      <node id="n">
        <instance_geometry url="#square">
          <bind_material><technique_common>{bindings}</technique_common></bind_material>
        </instance_geometry>
      </node>
    </visual_scene>
  </library_visual_scenes>
  <scene><instance_visual_scene url="#scene"/></scene>
</COLLADA>
"""


EFFECTS = """
    <effect id="red-effect"><profile_COMMON><technique sid="common">
      <phong><diffuse><color>0.8 0.1 0.1 1</color></diffuse></phong>
    </technique></profile_COMMON></effect>
    <effect id="blue-effect"><profile_COMMON><technique sid="common">
      <lambert><diffuse><color>0.1 0.2 0.9 0.5</color></diffuse></lambert>
    </technique></profile_COMMON></effect>"""
BIND_BOTH = """
    <instance_material symbol="sym-red" target="#red-material"/>
    <instance_material symbol="sym-blue" target="#blue-material"/>"""
ONE_MATERIAL = (
    '<triangles count="2" material="sym-red"><input semantic="VERTEX" source="#square-vtx" offset="0"/>'
    "<p>0 1 2 0 2 3</p></triangles>"
)
TWO_MATERIALS = (
    '<triangles count="1" material="sym-blue"><input semantic="VERTEX" source="#square-vtx" offset="0"/>'
    "<p>0 4 3</p></triangles>"
    '<triangles count="2" material="sym-red"><input semantic="VERTEX" source="#square-vtx" offset="0"/>'
    "<p>0 1 2 0 2 3</p></triangles>"
)
RED = Material("red", (0.8, 0.1, 0.1, 1.0))
BLUE = Material("blue", (0.1, 0.2, 0.9, 0.5))


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_dae_one_material(tmp_path: Path) -> None:
    mesh = load_mesh(write(tmp_path / "one.dae", dae(ONE_MATERIAL, EFFECTS, BIND_BOTH)))
    assert mesh.materials == (RED,)
    assert mesh.face_materials is not None
    assert mesh.face_materials.tolist() == [0, 0]
    assert mesh.dominant_material() == RED


def test_dae_several_materials_per_face(tmp_path: Path) -> None:
    mesh = load_mesh(write(tmp_path / "two.dae", dae(TWO_MATERIALS, EFFECTS, BIND_BOTH)))
    assert mesh.materials == (BLUE, RED)
    assert mesh.face_materials is not None
    assert mesh.face_materials.tolist() == [0, 1, 1]  # faces in file order, blue first
    assert mesh.dominant_material() == RED  # red covers 2 m², blue 0.5 m²
    assert not mesh.face_materials.flags.writeable


def test_dae_symbol_without_binding_names_the_material(tmp_path: Path) -> None:
    prim = ONE_MATERIAL.replace("sym-red", "blue-material")
    mesh = load_mesh(write(tmp_path / "unbound.dae", dae(prim, EFFECTS, "")))
    assert mesh.materials == (BLUE,)


def test_dae_bad_colour_names_the_file(tmp_path: Path) -> None:
    effects = EFFECTS.replace("0.8 0.1 0.1 1", "red")
    with pytest.raises(MeshError, match=r"bad\.dae.*color"):
        load_mesh(write(tmp_path / "bad.dae", dae(ONE_MATERIAL, effects, BIND_BOTH)))


def test_dae_without_materials_has_no_palette(tmp_path: Path) -> None:
    prim = ONE_MATERIAL.replace(' material="sym-red"', "")
    mesh = load_mesh(write(tmp_path / "plain.dae", dae(prim, EFFECTS, "")))
    assert mesh.face_materials is None and mesh.materials == ()


MTL = """# two colours
newmtl paint
Kd 0.9 0.5 0.1
d 1
newmtl rubber
Ka 1 1 1
Kd 0.05 0.05 0.05
Tr 1.000000
map_Kd textures/rubber.png
"""
OBJ = """mtllib parts.mtl
v 0 0 0
v 2 0 0
v 2 1 0
v 0 1 0
f 1 2 3
usemtl paint
f 1 3 4
usemtl rubber
f 1 2 3 4
"""


def test_obj_materials_per_face(tmp_path: Path) -> None:
    write(tmp_path / "parts.mtl", MTL)
    mesh = load_mesh(write(tmp_path / "parts.obj", OBJ))
    paint = Material("paint", (0.9, 0.5, 0.1, 1.0))
    rubber = Material("rubber", (0.05, 0.05, 0.05, 1.0), "textures/rubber.png")  # Tr ignored
    assert mesh.materials == (paint, rubber)
    assert mesh.face_materials is not None
    assert mesh.face_materials.tolist() == [-1, 0, 1, 1]  # the first face precedes any usemtl
    assert mesh.dominant_material() == rubber


def test_obj_missing_mtl_is_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="humanoid_twin.meshes"):
        mesh = load_mesh(write(tmp_path / "alone.obj", OBJ))
    assert mesh.face_count == 4
    assert mesh.materials == ()
    assert any("parts.mtl" in r.getMessage() and "alone.obj" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("library", "why"),
    [
        ("../outside.mtl", "outside the OBJ file's folder"),
        ("/dev/zero", "outside"),
        ("sub", "not a regular file"),
    ],
)
def test_obj_mtl_is_read_only_from_the_obj_folder(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, library: str, why: str
) -> None:
    # a mesh file must not make the importer read (or hang on) a file elsewhere
    write(tmp_path / "outside.mtl", MTL)
    (tmp_path / "mesh" / "sub").mkdir(parents=True)
    obj = write(tmp_path / "mesh" / "parts.obj", OBJ.replace("mtllib parts.mtl", f"mtllib {library}"))
    with caplog.at_level(logging.WARNING, logger="humanoid_twin.meshes"):
        mesh = load_mesh(obj)
    assert mesh.materials == () and mesh.face_count == 4
    assert any(why in r.getMessage() for r in caplog.records)


def test_obj_bad_mtl_colour_names_the_file(tmp_path: Path) -> None:
    write(tmp_path / "parts.mtl", MTL.replace("Kd 0.9 0.5 0.1", "Kd orange"))
    with pytest.raises(MeshError, match=r"parts\.mtl:3: Kd record"):
        load_mesh(write(tmp_path / "parts.obj", OBJ))


def test_palette_survives_new_meshes() -> None:
    mesh = TriangleMesh(
        [[0, 0, 0], [1, 0, 0], [0, 1, 0], [9, 9, 9], [1, 1, 0]], [[0, 1, 2], [1, 4, 2]], [1, -1], (RED, BLUE)
    )
    for derived in (mesh.scaled(-2.0), mesh.transformed(np.eye(4)), mesh.compacted()):
        assert derived.materials == (RED, BLUE)
        assert derived.face_materials is not None
        assert derived.face_materials.tolist() == [1, -1]
    assert mesh.compacted().vertex_count == 4


def test_palette_is_validated() -> None:
    with pytest.raises(ValueError, match="face material indices"):
        TriangleMesh([[0, 0, 0], [1, 0, 0], [0, 1, 0]], [[0, 1, 2]], [2], (RED,))
    with pytest.raises(ValueError, match="1 entries for 2 faces"):
        TriangleMesh([[0, 0, 0], [1, 0, 0], [0, 1, 0]], [[0, 1, 2], [0, 2, 1]], [0], (RED,))


def test_dae_dangling_effect_loads_without_colour(tmp_path: Path) -> None:
    text = dae(ONE_MATERIAL, EFFECTS, BIND_BOTH).replace('url="#red-effect"', 'url="other.dae#red"')
    mesh = load_mesh(write(tmp_path / "dangling.dae", text))
    assert mesh.face_count == 2
    assert mesh.materials == (Material("red"),)
