"""Inside Kit: the extension is enabled, and an import through its panel's code path writes an asset
that opens as a stage with one articulation root."""

from __future__ import annotations

import tempfile
from pathlib import Path

import omni.kit.test
import omni.usd

from ...robots import humanoid
from ...usd import write_usd


class TestExtension(omni.kit.test.AsyncTestCase):  # type: ignore[misc]
    async def test_extension_window_exists(self) -> None:
        from .. import HumanoidTwinExtension

        ext = HumanoidTwinExtension()
        ext.on_startup("humanoid_twin")
        try:
            self.assertIsNotNone(ext._window)
        finally:
            ext.on_shutdown()

    async def test_bundled_humanoid_opens_as_a_stage(self) -> None:
        from pxr import UsdPhysics

        with tempfile.TemporaryDirectory() as tmp:
            asset = write_usd(humanoid.load_humanoid(), Path(tmp) / "humanoid.usda")
            context = omni.usd.get_context()
            await context.open_stage_async(str(asset.files[0]))
            stage = context.get_stage()
            roots = [p for p in stage.Traverse() if p.HasAPI(UsdPhysics.ArticulationRootAPI)]
            self.assertEqual(len(roots), 1)
            await context.close_stage_async()
