"""The exact pins of requirements*.txt agree with the hashed lock files `make` installs from."""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9_.\[\]-]+)==([^\s;#\\]+)", re.MULTILINE)


def pins(path):
    return {re.sub(r"\[.*\]", "", name).lower().replace("_", "-"): version
            for name, version in PIN.findall(path.read_text(encoding="utf-8"))}


@pytest.mark.parametrize("name", ["requirements", "requirements-dev"])
def test_every_direct_pin_is_locked_at_the_same_version(name):
    direct = pins(ROOT / f"{name}.txt")
    if name == "requirements-dev":
        direct |= pins(ROOT / "requirements.txt")
    locked = pins(ROOT / f"{name}.lock")
    assert direct and {n: locked.get(n) for n in direct} == direct


@pytest.mark.parametrize("name", ["requirements", "requirements-dev"])
def test_every_locked_package_carries_a_hash(name):
    text = (ROOT / f"{name}.lock").read_text(encoding="utf-8")
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 7)[-1])
    packages = [b for b in blocks if PIN.match(b)]
    assert packages and all("--hash=sha256:" in b for b in packages)
