"""The Kit extension entry point: a panel that imports a URDF through the core and opens the asset."""

from __future__ import annotations

from pathlib import Path

import carb
import carb.settings
import omni.ext
import omni.ui as ui
import omni.usd

from ..errors import TwinError
from ..model import ImportOptions

_SETTINGS = "/exts/humanoid_twin"


class HumanoidTwinExtension(omni.ext.IExt):  # type: ignore[misc]
    """Adds the "Humanoid Twin" window: URDF path, output path, fix-base, Import."""

    def on_startup(self, ext_id: str) -> None:
        self._ext_id = ext_id
        settings = carb.settings.get_settings()
        self._package_paths = list(settings.get(f"{_SETTINGS}/default_package_paths") or [])
        self._window = ui.Window("Humanoid Twin", width=420, height=200)
        with self._window.frame, ui.VStack(spacing=4):
            ui.Label("URDF file")
            self._urdf = ui.StringField()
            ui.Label("Output USD (.usda)")
            self._out = ui.StringField()
            with ui.HStack(height=0):
                ui.Label("Fix base", width=80)
                self._fix_base = ui.CheckBox()
            ui.Button("Import", clicked_fn=self._on_import)
            self._status = ui.Label("")

    def _on_import(self) -> None:
        from ..urdf import read_urdf
        from ..usd import write_usd

        urdf = Path(self._urdf.model.get_value_as_string())
        stem = urdf.name.split(".")[0] or urdf.stem  # robot.urdf.xacro → robot.usda
        out = Path(self._out.model.get_value_as_string() or urdf.with_name(f"{stem}.usda"))
        options = ImportOptions(fix_base=self._fix_base.model.get_value_as_bool())
        try:
            model = read_urdf(urdf, package_paths=self._package_paths)
            asset = write_usd(model, out, options)
        except TwinError as err:
            self._status.text = str(err)
            carb.log_error(str(err))
            return
        omni.usd.get_context().open_stage(str(asset.files[0]))
        self._status.text = f"imported {model.name}: {len(model.joints)} joints → {out}"

    def on_shutdown(self) -> None:
        if getattr(self, "_window", None) is not None:
            self._window.destroy()
            self._window = None
