"""Build glue that pyproject.toml cannot express (all metadata stays in pyproject.toml).

The repository keeps ``configs/`` and ``samples/`` at the top level, where operators and the README
point; the wheel ships them as package data under ``vigil_data.configs`` / ``vigil_data.samples`` so an
installed Vigil runs from any folder (``detectors.resources`` finds them in either place). The package
list is discovered, not written out, so a new subpackage cannot be left out of the wheel.
"""

from pathlib import Path

from setuptools import find_namespace_packages, setup

ROOT = Path(__file__).resolve().parent
CODE = find_namespace_packages(
    include=["pipeline*", "detectors*", "rules*", "api*", "evaluation*"], exclude=["*__pycache__"]
)
# every folder under configs/ and samples/ becomes a data package with the same layout
DATA = {
    ".".join(("vigil_data", *d.relative_to(ROOT).parts)): d.relative_to(ROOT).as_posix()
    for top in ("configs", "samples")
    for d in [ROOT / top, *sorted(p for p in (ROOT / top).rglob("*") if p.is_dir())]
    if "__pycache__" not in d.parts
}

setup(
    packages=[*CODE, *DATA],
    package_dir=DATA,
    package_data={
        # code packages: typing marker, configs, templates and static assets beside the code
        "": ["py.typed", "*.yaml", "*.ini", "*.mako", "templates/*", "static/*", "static/vendor/*"],
        **{name: ["*.yaml", "*.json", "*.md", "*.jsonl", "*.npz"] for name in DATA},
    },
)
