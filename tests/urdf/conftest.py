"""Shared fixtures of the URDF reader tests: the corpus, the icub-models share folder, model comparison."""

from __future__ import annotations

import dataclasses
import math
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from humanoid_twin.model import Pose, RobotModel
from humanoid_twin.model.transforms import rotation_angle_between


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail the test if anything tries to open a network connection."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    yield


def _close(a: Any, b: Any, path: str, tol: float) -> None:
    if isinstance(a, Pose) and isinstance(b, Pose):
        for x, y in zip(a.position, b.position, strict=True):
            assert math.isclose(x, y, rel_tol=tol, abs_tol=tol), (
                f"{path}.position: {a.position} != {b.position}"
            )
        assert rotation_angle_between(a.quat, b.quat) < 1e-7, f"{path}.quat: {a.quat} != {b.quat}"
    elif dataclasses.is_dataclass(a) and not isinstance(a, type):
        assert type(a) is type(b), f"{path}: {type(a).__name__} != {type(b).__name__}"
        for f in dataclasses.fields(a):
            if not f.compare:  # notes of the read (source, warnings, repairs), not the robot
                continue
            _close(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}", tol)
    elif isinstance(a, tuple | list):
        assert isinstance(b, tuple | list) and len(a) == len(b), f"{path}: length {len(a)} != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _close(x, y, f"{path}[{i}]", tol)
    elif isinstance(a, float) and isinstance(b, float):
        assert math.isclose(a, b, rel_tol=tol, abs_tol=tol), f"{path}: {a!r} != {b!r}"
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


@pytest.fixture
def assert_models_close() -> Callable[[RobotModel, RobotModel], None]:
    """Field-by-field equality of two models, floats to 1e-9 and rotations to 1e-7 rad."""

    def check(a: RobotModel, b: RobotModel) -> None:
        _close(a, b, a.name, 1e-9)

    return check


@pytest.fixture(scope="session")
def icub_share() -> Path:
    """The folder that is the ``iCub`` package: ``package://iCub/meshes/...`` resolves inside it."""
    icub_models = pytest.importorskip("icub_models")
    share = Path(icub_models.get_models_path()).parent
    assert share.name == "iCub" and (share / "meshes").is_dir()
    return share


EVERYTHING = """<?xml version="1.0"?>
<robot name="every feature">
  <material name="red"><color rgba="1 0 0 1"/></material>
  <material name="skin"><texture filename="meshes/skin.png"/></material>
  <link name="world"/>
  <link name="base">
    <inertial>
      <origin xyz="0.01 0.02 0.03" rpy="0.1 0.2 0.3"/>
      <mass value="2.5"/>
      <inertia ixx="0.3" ixy="0.01" ixz="-0.02" iyy="0.4" iyz="0.03" izz="0.5"/>
    </inertial>
    <visual name="body">
      <origin xyz="1 2 3" rpy="0 0 1.5707963267948966"/>
      <geometry><box size="0.1 0.2 0.3"/></geometry>
      <material name="red"/>
    </visual>
    <visual>
      <geometry><cylinder radius="0.05" length="0.4"/></geometry>
      <material name="blue"><color rgba="0 0 1 0.5"/></material>
    </visual>
    <visual>
      <geometry><mesh filename="meshes/tet.stl" scale="0.001 0.002 0.003"/></geometry>
      <material name="skin"/>
    </visual>
    <collision name="hull">
      <origin xyz="0 0 0.1"/>
      <geometry><sphere radius="0.25"/></geometry>
    </collision>
    <collision>
      <geometry><capsule radius="0.02" length="0.3"/></geometry>
    </collision>
    <collision>
      <geometry><mesh filename="package://corpus_pkg/meshes/tet.dae"/></geometry>
    </collision>
  </link>
  <link name="l1">
    <inertial><mass value="1"/><inertia ixx="1" ixy="0" ixz="0" iyy="1" iyz="0" izz="1"/></inertial>
  </link>
  <link name="l2"/>
  <link name="l3"/>
  <link name="l4"/>
  <link name="l5"/>
  <link name="l6"/>
  <joint name="anchor" type="fixed" dont_collapse="true">
    <parent link="world"/><child link="base"/>
  </joint>
  <joint name="rev" type="revolute">
    <origin xyz="0 0 0.5" rpy="0.5 -0.25 1"/>
    <parent link="base"/><child link="l1"/>
    <axis xyz="0 0 2"/>
    <limit lower="-1.5" upper="1.25" effort="30" velocity="4"/>
    <dynamics damping="0.7" friction="0.2"/>
    <safety_controller soft_lower_limit="-1.4" soft_upper_limit="1.2" k_position="15" k_velocity="10"/>
    <calibration rising="0.1" falling="-0.1"/>
  </joint>
  <joint name="cont" type="continuous">
    <parent link="l1"/><child link="l2"/>
    <axis xyz="1 0 0"/>
    <limit effort="5" velocity="9"/>
  </joint>
  <joint name="slide" type="prismatic">
    <parent link="l2"/><child link="l3"/>
    <axis xyz="0 1 0"/>
    <limit lower="0" upper="0.2" effort="100" velocity="0.5"/>
    <mimic joint="rev" multiplier="-0.5" offset="0.01"/>
  </joint>
  <joint name="free" type="floating"><parent link="l3"/><child link="l4"/></joint>
  <joint name="plane" type="planar"><parent link="l4"/><child link="l5"/><axis xyz="0 0 1"/></joint>
  <joint name="tip" type="fixed"><origin xyz="0 0 -0.1"/><parent link="l5"/><child link="l6"/></joint>
  <gazebo reference="base"><mu1>0.5</mu1></gazebo>
</robot>
"""


@pytest.fixture
def everything_urdf() -> str:
    """A URDF using every URDF feature; meshes resolve with base_dir=CORPUS and packages=CORPUS/packages."""
    return EVERYTHING
