"""The vendored front-end files match hotline/static/vendor/manifest.json; offline, no app."""
import importlib.util
import json
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "hotline" / "static" / "vendor"


def _load_script():
    # scripts/ is not a package; load the file itself so the test runs what the command runs.
    path = ROOT / "scripts" / "vendor_assets.py"
    spec = importlib.util.spec_from_file_location("vendor_assets", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


vendor_assets = _load_script()


@pytest.fixture
def copy(tmp_path):
    target = tmp_path / "vendor"
    shutil.copytree(VENDOR, target)
    return target


def test_real_vendor_dir_passes():
    assert vendor_assets.check(VENDOR) == []


def test_command_exits_0_on_real_dir(capsys):
    assert vendor_assets.main(["--check"]) == 0
    assert "files match" in capsys.readouterr().out


def test_every_package_is_pinned_and_licensed():
    manifest = json.loads((VENDOR / "manifest.json").read_text(encoding="utf-8"))
    for package in manifest["packages"]:
        assert package["version"][0].isdigit() and package["integrity"].startswith("sha512-")
        assert any(Path(f["dest"]).name == "LICENSE" for f in package["files"]), package["name"]


def test_one_changed_byte_is_reported(copy, capsys):
    target = copy / "htmx" / "htmx.min.js"
    data = bytearray(target.read_bytes())
    data[100] ^= 1
    target.write_bytes(bytes(data))
    problems = vendor_assets.check(copy)
    assert len(problems) == 1 and "sha256 mismatch: htmx/htmx.min.js" in problems[0]
    assert vendor_assets.main(["--check", "--vendor-dir", str(copy)]) == 1
    assert "htmx/htmx.min.js" in capsys.readouterr().err


def test_missing_and_unlisted_files_are_reported(copy):
    (copy / "echarts" / "NOTICE").unlink()
    (copy / "tabler" / "extra.js").write_text("alert(1)")
    assert vendor_assets.check(copy) == [
        "missing: echarts/NOTICE",
        "not in manifest: tabler/extra.js",
    ]


def test_unreadable_manifest_is_reported(copy):
    (copy / "manifest.json").write_text("{", encoding="utf-8")
    [problem] = vendor_assets.check(copy)
    assert problem.startswith("manifest: cannot read")


def test_path_out_of_the_vendor_dir_is_refused(copy):
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    manifest["packages"][0]["files"][0]["dest"] = "../escape.js"
    (copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert "manifest: bad destination path '../escape.js'" in vendor_assets.check(copy)
