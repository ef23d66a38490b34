"""make run's scheduler is started again when it dies (issue 13, finding 7)."""
import os
import signal
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "keep-running.sh"


def _wait_for(predicate, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_a_command_that_dies_is_started_again_and_stops_with_the_script(tmp_path):
    starts = tmp_path / "starts"
    # Each start notes its pid; the first two die at once, the third keeps running.
    command = (f'echo $$ >> {starts}; [ $(wc -l < {starts}) -ge 3 ] && exec sleep 60; exit 3')
    keeper = subprocess.Popen(["bash", str(SCRIPT), "bash", "-c", command],
                              env=os.environ | {"KEEP_RUNNING_DELAY": "0.1"}, stderr=subprocess.PIPE, text=True)
    try:
        assert _wait_for(lambda: starts.exists() and len(starts.read_text().split()) >= 3)
        last = int(starts.read_text().split()[-1])
        keeper.send_signal(signal.SIGTERM)
        assert keeper.wait(10) == 0
    finally:
        if keeper.poll() is None:
            keeper.kill()
    assert "ended with status 3; starting it again" in keeper.stderr.read()
    assert _wait_for(lambda: not Path(f"/proc/{last}").exists(), 10)  # the running one was stopped too
