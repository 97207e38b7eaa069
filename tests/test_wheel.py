"""The built wheel is a whole product: installed into a fresh virtual environment it runs
``vigil analyze`` from a folder outside the checkout, finding its configs, rule packs and lexicons as
package data (nothing resolved relative to a source tree).

The fresh environment gets the wheel (``--no-deps``) and sees the project environment's site-packages
only as a plain path entry, for the heavy dependencies (torch, faster-whisper...): the checkout's
editable install is not activated there, so the code that runs is the wheel's.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from evaluation.synthesis import synthesize_scenario, write_wav

ROOT = Path(__file__).resolve().parents[1]

TURNS = [
    {"speaker": "S1", "role": "officer", "text": "您好，这里是派出所，请问有什么可以帮您？"},
    {"speaker": "S2", "role": "party", "text": "我想问一下我的案子现在怎么样了。"},
]


def _run(args: list[str], cwd: Path, env: dict[str, str], timeout: float = 900) -> str:
    r = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, f"{' '.join(args)}\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return r.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel built from this checkout; returns its ``bin`` folder."""
    work = tmp_path_factory.mktemp("wheel")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(work), str(ROOT)],
        work,
        env,
    )
    wheels = sorted(work.glob("vigil-*.whl"))
    assert len(wheels) == 1
    names = set(zipfile.ZipFile(wheels[0]).namelist())
    # every file of the product ships: code, templates, static assets, migrations, configs, samples
    for top in ("pipeline", "detectors", "rules", "api", "evaluation", "configs", "samples"):
        for f in (ROOT / top).rglob("*"):
            if f.is_dir() or "__pycache__" in f.parts or f.suffix == ".pyc":
                continue
            rel = f.relative_to(ROOT).as_posix()
            shipped = f"vigil_data/{rel}" if top in ("configs", "samples") else rel
            assert shipped in names, f"{rel} is not in the wheel"
    assert any(n.endswith("licenses/LICENSE") for n in names)

    venv = work / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], work, env)
    bindir = venv / "bin"
    site = Path(
        _run(
            [
                str(bindir / "python"),
                "-c",
                "import sysconfig; print(sysconfig.get_path('purelib'))",
            ],
            work,
            env,
        ).strip()
    )
    # the project's dependencies, as a plain path: its .pth files (the editable install) stay inert
    (site / "vigil-deps.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    _run(
        [sys.executable, "-m", "pip", "--python", str(bindir / "python"), "install", "--no-deps",
         "-q", str(wheels[0])],
        work,
        env,
    )  # fmt: skip
    return bindir


@pytest.mark.slow
def test_installed_wheel_analyzes_from_any_folder(installed: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update({"HF_HUB_OFFLINE": "1", "PYANNOTE_METRICS_ENABLED": "0"})
    where = _run(
        [
            str(installed / "python"),
            "-c",
            "import pipeline, detectors.resources as r; "
            "print(pipeline.__file__); print(r.resource_dir('configs'))",
        ],
        outside,
        env,
    ).split()
    assert all(Path(p).is_relative_to(installed.parent) for p in where), where
    assert not any(Path(p).is_relative_to(ROOT) for p in where), where

    rec = synthesize_scenario(TURNS, "phone", seed=5)
    clip = write_wav(outside / "call.wav", rec.audio, rec.sample_rate)
    out = _run(
        [str(installed / "vigil"), "analyze", clip.name, "--source", "phone", "--store", "store",
         "--json", "doc.json", "--no-progress"],
        outside,
        env,
    )  # fmt: skip
    assert "officer" in out
    assert (outside / "doc.json").is_file()
    assert any((outside / "store" / "documents").glob("rec-*.json"))
