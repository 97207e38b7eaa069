"""One way to validate a config section, for every component.

Each component owns the schema of its section as a :class:`SectionOptions` subclass (``extra="forbid"``,
every value from YAML). :meth:`SectionOptions.from_config` is the single place a section is validated,
so a typo or a bad value anywhere is the same kind of error - a :class:`~detectors.errors.ConfigError`
(or the subclass a layer names in ``error``) with one line that names the key - and never a traceback.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, ValidationError

from .errors import ConfigError


def validation_summary(e: ValidationError, limit: int | None = 3, prefix: str = "") -> str:
    """``loc: msg; ...`` of a pydantic error (the first ``limit`` errors) on one line."""
    parts = []
    errors = e.errors()
    for err in errors[:limit]:
        loc = ".".join(str(x) for x in (prefix, *err["loc"]) if x != "")
        parts.append(f"{loc}: {err['msg']}" if loc else str(err["msg"]))
    more = len(errors) - len(parts)
    return "; ".join(parts) + (f" (+{more} more)" if more > 0 else "")


class SectionOptions(BaseModel):
    """Base of a config section's options: strict, and validated only through :meth:`from_config`.

    ``section`` names the section in messages; ``error`` is the error class a bad section raises
    (the rules layer uses its :class:`~rules.errors.RulePackError`, a ConfigError).
    """

    model_config = ConfigDict(extra="forbid")

    section: ClassVar[str] = ""
    error: ClassVar[type[ConfigError]] = ConfigError

    @classmethod
    def from_config(cls, data: Mapping[str, Any] | Self) -> Self:
        """Validate the section dict (an instance passes through); a bad one raises ``cls.error``."""
        if isinstance(data, cls):
            return data
        name = cls.section or cls.__name__
        if not isinstance(data, Mapping):
            raise cls.error(f"config section {name!r} must be a mapping, not {type(data).__name__}")
        try:
            return cls.model_validate(dict(data))
        except ValidationError as e:
            raise cls.error(f"invalid {name} config: {validation_summary(e, prefix=name)}") from e
