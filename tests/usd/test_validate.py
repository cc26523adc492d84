"""validate_stage runs pxr's validators and reports their errors."""

from __future__ import annotations

from pathlib import Path

from conftest import make_biped
from pxr import Sdf, Usd, UsdGeom, UsdPhysics, UsdValidation

from humanoid_twin.usd import open_stage, validate_stage, write_usd


def test_runs_every_registered_validator() -> None:
    names = {v.GetMetadata().name for v in UsdValidation.ValidationRegistry().GetOrLoadAllValidators()}
    assert {"usdPhysicsValidators:RigidBodyChecker", "usdPhysicsValidators:PhysicsJointChecker"} <= names
    assert {"usdGeomValidators:StageMetadataChecker", "usdValidation:CompositionErrorTest"} <= names


def test_reports_errors(tmp_path: Path) -> None:
    stage = Usd.Stage.CreateInMemory()
    stage.SetDefaultPrim(UsdGeom.Xform.Define(stage, "/r").GetPrim())  # no upAxis, no metersPerUnit
    joint = UsdPhysics.RevoluteJoint.Define(stage, "/r/j")
    joint.CreateBody0Rel().SetTargets([Sdf.Path("/r/missing")])
    errors = validate_stage(stage)
    assert any(e.startswith("usdGeomValidators:StageMetadataChecker") for e in errors)
    assert any(e.startswith("usdPhysicsValidators:PhysicsJointChecker") for e in errors)


def test_accepts_path_and_stage(tmp_path: Path) -> None:
    asset = write_usd(make_biped(), tmp_path / "b.usda")
    assert validate_stage(asset.path) == []
    assert validate_stage(str(asset.path)) == []
    assert validate_stage(open_stage(asset.path)) == []
