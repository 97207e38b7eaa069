"""Scratch directories: a process killed with SIGKILL leaves its directory, and the next sweep
removes it, while a live process's directory (another API process, another actor) is kept."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from pipeline.scratch import claim_scratch, sweep_scratch

ROOT = Path(__file__).resolve().parents[2]
HOLD = (
    "import sys, time; from pipeline.scratch import claim_scratch; "
    "d = claim_scratch(sys.argv[1], 'api'); (d.path / 'upload-x').write_bytes(b'x' * 100); "
    "print(d.path, flush=True); time.sleep(600)"
)


def _holder(base: Path) -> tuple[subprocess.Popen[str], Path]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(base)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    return proc, Path(proc.stdout.readline().strip())


def test_sweep_removes_only_dead_processes_dirs(tmp_path: Path) -> None:
    alive, alive_dir = _holder(tmp_path)
    dead, dead_dir = _holder(tmp_path)
    try:
        dead.send_signal(signal.SIGKILL)
        dead.wait(timeout=30)
        mine = claim_scratch(tmp_path, "api")
        other = tmp_path / "api-unrelated.txt"
        other.write_text("not a scratch directory")
        assert sweep_scratch(tmp_path, "api") == 1
        assert not dead_dir.exists()
        assert (alive_dir / "upload-x").exists() and mine.path.exists() and other.exists()
        mine.release()
        assert not mine.path.exists() and mine.released
    finally:
        alive.kill()
        alive.wait(timeout=30)
    time.sleep(0.1)
    assert sweep_scratch(tmp_path, "api") == 1 and not alive_dir.exists()
