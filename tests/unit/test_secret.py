"""The embedded default's signing key (issue 13, finding 4): random, made once, never a fixed one."""
import os
import stat
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from hotline.secret import FILE_NAME, instance_secret

ROOT = Path(__file__).resolve().parents[2]


def test_first_run_makes_a_private_random_key_and_later_runs_reuse_it(tmp_path):
    key = instance_secret(tmp_path)
    path = tmp_path / FILE_NAME
    assert len(key) >= 48 and path.read_text() == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert instance_secret(tmp_path) == key
    assert not [p for p in tmp_path.iterdir() if p.name != FILE_NAME]  # no temporary file left


def test_two_instance_folders_get_different_keys(tmp_path):
    assert instance_secret(tmp_path / "a") != instance_secret(tmp_path / "b")


def test_processes_starting_together_agree_on_one_key(tmp_path):
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: instance_secret(tmp_path), range(32)))
    assert len(keys) == 1


def test_a_damaged_key_file_is_refused_with_a_clear_message(tmp_path):
    (tmp_path / FILE_NAME).write_text("short")
    with pytest.raises(RuntimeError, match="delete it"):
        instance_secret(tmp_path)


def _config_value(env_name, *extra_env):
    """SECRET_KEY as a fresh interpreter's configuration class sees it, SECRET_KEY unset."""
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"} | dict(extra_env)
    code = f"import config; print(repr(config.CONFIGS[{env_name!r}].SECRET_KEY))"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, check=True).stdout.strip()


def test_no_configuration_carries_a_fixed_key():
    assert _config_value("development") == "None"
    assert _config_value("production") == "None"
    # The tests' key is new in every run.
    assert _config_value("testing") != _config_value("testing")


def test_production_without_secret_key_refuses_to_start():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"} | {"HOTLINE_ENV": "production"}
    done = subprocess.run([sys.executable, "-c", "from hotline.app import create_app; create_app()"],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode != 0 and "SECRET_KEY must be set" in done.stderr
