"""Robots bundled with humanoid_twin (descriptions live at the repository top, in ``urdf/``)."""
