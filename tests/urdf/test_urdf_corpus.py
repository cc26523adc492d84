"""The URDF corpus: tiny files named by their expected outcome, each stating its mistake and message.

``error_*.urdf`` must raise :class:`DescriptionError` containing the fragment from the file's
``<!-- expect: error "..." -->`` comment, at the line marked ``<!-- here -->``; ``warning_*.urdf``
must load with the fragment in ``model.warnings``; ``ok_*.urdf`` must load without warnings.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from humanoid_twin.errors import DescriptionError
from humanoid_twin.urdf import read_urdf

CORPUS = Path(__file__).resolve().parents[1] / "data" / "urdf_corpus"
CORPUS_PACKAGES = CORPUS / "packages"

# files that cannot carry a comment: their expectations live here
SPECIAL = {
    "error_empty_file.urdf": ("error", "the file is empty"),
    "error_binary_file.urdf": ("error", "the file is binary"),
}
EXPECT = re.compile(r'<!-- expect: (error|warning|ok)(?: "([^"]*)")?')
MARK = "<!-- here -->"
FILES = sorted(CORPUS.glob("*.urdf"))
SECRET = "root:x:0:0"  # a line of /etc/passwd that must never reach a message


def _expectation(path: Path) -> tuple[str, str | None, int | None]:
    if path.name in SPECIAL:
        kind, fragment = SPECIAL[path.name]
        return kind, fragment, None
    text = path.read_text(encoding="utf-8")
    m = EXPECT.search(text[:400])
    assert m, f"{path.name} has no '<!-- expect: ... -->' comment at the top"
    lines = [i for i, line in enumerate(text.splitlines(), 1) if MARK in line]
    return m.group(1), m.group(2), lines[0] if lines else None


def _read(path: Path):  # type: ignore[no-untyped-def]
    return read_urdf(path, package_paths=[CORPUS_PACKAGES], use_ros_package_path=False)


def test_corpus_is_large_and_named_by_outcome() -> None:
    assert len(FILES) >= 35
    for f in FILES:
        assert f.name.startswith(("error_", "warning_", "ok_")), f.name
        kind, _, _ = _expectation(f)
        assert f.name.startswith(kind + "_"), f"{f.name} says it expects {kind}"


@pytest.mark.parametrize(
    "name",
    [
        "error_xml_bomb",
        "error_external_entity",
        "error_truncated_xml",
        "error_malformed_xml",
        "error_empty_file",
        "error_binary_file",
        "error_wrong_root",
        "error_missing_link_reference",
        "error_cycle",
        "error_several_roots",
        "error_duplicate_link_name",
        "error_duplicate_joint_name",
        "error_nan_mass",
        "error_inf_origin",
        "error_negative_mass",
        "error_non_numeric_value",
        "error_unknown_joint_type",
        "error_zero_axis",
        "error_inverted_limits",
        "error_revolute_without_limit",
        "error_mimic_missing_joint",
        "error_mesh_missing_file",
        "error_mesh_unsupported_format",
        "error_http_mesh_uri",
        "error_package_uri_escapes",
        "error_relative_uri_escapes",
        "error_file_uri_outside_roots",
        "error_inertia_not_psd",
        "warning_gazebo_extension",
        "warning_transmission",
        "warning_missing_inertial",
        "warning_triangle_inequality",
        "warning_negligible_link_not_psd",
        "warning_zero_inertia_with_mass",
        "ok_link_named_world",
    ],
)
def test_corpus_covers(name: str) -> None:
    assert (CORPUS / f"{name}.urdf").is_file()


@pytest.mark.usefixtures("no_network")
@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_corpus_file(path: Path) -> None:
    kind, fragment, line = _expectation(path)
    start = time.perf_counter()
    if kind == "error":
        with pytest.raises(DescriptionError) as info:
            _read(path)
        err = info.value
        message = str(err)
        assert fragment is not None and fragment in message, message
        assert "\n" not in message, "messages are one line"
        assert SECRET not in message
        assert err.file is not None and Path(err.file).name == path.name
        if line is not None:
            assert err.line == line, f"reported line {err.line}, the mistake is on line {line}: {message}"
            assert message.startswith(f"{err.file}:{line}: ")
    else:
        model = _read(path)
        if kind == "warning":
            assert fragment is not None and any(fragment in w for w in model.warnings), model.warnings
            for w in model.warnings:
                assert "\n" not in w and w.endswith("."), f"a warning is one sentence: {w!r}"
        else:
            assert model.warnings == (), model.warnings
        assert model.source == str(path)
    assert time.perf_counter() - start < 2.0, "reading a tiny file must be quick (no expansion, no fetch)"


def test_external_entity_is_never_read(tmp_path: Path) -> None:
    # a secret file next to the URDF, referenced by a relative external entity
    (tmp_path / "secret.txt").write_text(SECRET + ":/root:/bin/bash\n")
    urdf = tmp_path / "r.urdf"
    urdf.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY s SYSTEM "secret.txt">]>\n'
        '<robot name="&s;"><link name="a"/></robot>\n'
    )
    with pytest.raises(DescriptionError, match="never expanded or read") as info:
        read_urdf(urdf, use_ros_package_path=False)
    assert SECRET not in str(info.value)
    assert info.value.line == 2


def test_binary_file_written_here_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "robot.urdf"
    path.write_bytes(b"<robot name='x'>\x00\x01\x02</robot>")
    with pytest.raises(DescriptionError, match="binary"):
        read_urdf(path, use_ros_package_path=False)
