"""Where Vigil's shipped files are: ``configs/`` (YAML config, rule packs, lexicons, taxonomy) and
``samples/`` (the demo's scripts).

In a source checkout they are the repository's top-level folders; an installed wheel carries them as
package data of ``vigil_data`` (see setup.py). :func:`resource_dir` finds either, so ``vigil demo`` and
``vigil analyze`` work from any folder, and no module builds these paths from its own location.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path
from typing import Literal

Resource = Literal["configs", "samples"]

_CHECKOUT = Path(__file__).resolve().parents[1]


@cache
def resource_dir(name: Resource) -> Path:
    """The ``configs`` or ``samples`` folder of this installation."""
    checkout = _CHECKOUT / name
    if (_CHECKOUT / "pyproject.toml").is_file() and checkout.is_dir():
        return checkout  # a source checkout (also an editable install)
    try:
        spec = importlib.util.find_spec(f"vigil_data.{name}")
    except ModuleNotFoundError:
        spec = None
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            if Path(location).is_dir():
                return Path(location)
    raise FileNotFoundError(
        f"Vigil's {name}/ folder is missing: neither a source checkout ({checkout}) nor the "
        f"installed package data (vigil_data.{name}); reinstall Vigil"
    )
