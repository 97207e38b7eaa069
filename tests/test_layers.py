"""Imports run downward only: detectors <- rules <- pipeline <- api, with evaluation beside the API.

Every module of the product is parsed (``ast``, so function-level lazy imports count too) and each
import of a Vigil package is checked against the layer table. The CLI (``pipeline/cli.py``) is the one
composition root allowed to reach up, lazily, into the review API and the evaluation package.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("detectors", "rules", "pipeline", "api", "evaluation")

# package -> the Vigil packages its modules may import
ALLOWED: dict[str, frozenset[str]] = {
    "detectors": frozenset({"detectors"}),
    "rules": frozenset({"detectors", "rules"}),
    "pipeline": frozenset({"detectors", "rules", "pipeline"}),
    "api": frozenset({"detectors", "rules", "pipeline", "api"}),
    "evaluation": frozenset({"detectors", "rules", "pipeline", "evaluation"}),
}
# the composition root: `vigil serve` / `create-user` / `schema` and `vigil eval` / `demo`
EXCEPTIONS: dict[str, frozenset[str]] = {"pipeline.cli": frozenset({"api", "evaluation"})}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_packages(source: str, module: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, top-level package) of every import in ``source``, relative imports resolved."""
    out: list[tuple[int, str]] = []
    here = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - (node.level - 1)] if node.level > 1 else here
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            out.append((node.lineno, target.split(".")[0]))
    return out


def violations(source: str, module: str, is_package: bool = False) -> list[str]:
    """Upward imports in one module, as ``module:line imports package``."""
    package = module.split(".")[0]
    allowed = ALLOWED[package] | EXCEPTIONS.get(module, frozenset())
    return [
        f"{module}:{line} imports {target}"
        for line, target in imported_packages(source, module, is_package)
        if target in PACKAGES and target not in allowed
    ]


def product_modules() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def test_every_package_is_scanned() -> None:
    names = {module_name(p) for p in product_modules()}
    for pkg in PACKAGES:
        assert pkg in names, f"{pkg}/__init__.py not found"
    assert "detectors.diarization.base" in names and "pipeline.store.keys" in names


def test_no_upward_imports() -> None:
    found: list[str] = []
    for path in product_modules():
        found += violations(
            path.read_text(encoding="utf-8"), module_name(path), path.name == "__init__.py"
        )
    assert found == [], "imports must run downward only:\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("module", "is_package", "source", "bad"),
    [
        ("detectors.video.frames", False, "from pipeline.errors import MediaError", True),
        ("detectors.video.frames", False, "def f():\n    import rules.engine\n", True),
        ("detectors.diarization", True, "from ..errors import DetectorError", False),
        ("detectors.diarization.base", False, "from ...pipeline import config", True),
        ("rules.engine", False, "from detectors.types import Transcript", False),
        ("rules.engine", False, "from pipeline.config import load_config", True),
        ("pipeline.analyzer", False, "from evaluation.synthesis import write_wav", True),
        ("pipeline.cli", False, "from evaluation.harness import run_evaluation", False),
        ("pipeline.cli", False, "from api.main import run_server", False),
        ("api.worker", False, "from evaluation import harness", True),
        ("evaluation.harness", False, "from pipeline.analyzer import Pipeline", False),
    ],
)
def test_the_checker_sees_upward_imports(
    module: str, is_package: bool, source: str, bad: bool
) -> None:
    assert bool(violations(source, module, is_package)) is bad
