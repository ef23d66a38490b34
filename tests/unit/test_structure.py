"""The layering STYLE.md asks for, checked in fresh interpreters: what each layer may import."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def loaded_after(statement):
    """The module names a fresh interpreter holds after running `statement`."""
    code = f"import sys\n{statement}\nprint('\\n'.join(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                            check=True)
    return set(result.stdout.split())


@pytest.mark.parametrize("module", ["classifier", "hotline.tickets.workflow", "hotline.tickets.deadlines",
                                    "hotline.labels", "hotline.errors"])
def test_pure_core_loads_no_web_or_database_library(module):
    loaded = loaded_after(f"import {module}")
    assert module in loaded
    assert not {m for m in loaded if m.split(".")[0] in ("flask", "sqlalchemy", "werkzeug")}
    assert "hotline.app" not in loaded


def test_the_workflow_service_does_not_know_the_reports():
    loaded = loaded_after("import hotline.tickets.service")
    assert "hotline.tickets.service" in loaded
    assert not {m for m in loaded if m.startswith("hotline.reports")}
