"""Server keys: a strength check every configured key must pass, and keys generated on first start.

Why generate: a forgotten ``VIGIL_API_SECRET_KEY`` used to fall back to a placeholder that anyone could
read in the source and use to forge an admin token or a media URL. Now there is no placeholder at all:
a key that is not configured is created once with 384 random bits in the data directory (mode 0600)
and reused on every start, and a key that *is* configured must look random, in every environment.
"""

from __future__ import annotations

import logging
import math
import os
import re
import secrets
import stat
from collections import Counter
from pathlib import Path

logger = logging.getLogger("vigil.api")

MIN_KEY_CHARS = 32
MIN_KEY_BITS = 96.0
# Words that mark a key somebody typed from documentation or a template, at any position.
PLACEHOLDER_WORDS = (
    "changethis",
    "changeme",
    "placeholder",
    "password",
    "secret",
    "example",
    "insecure",
    "default",
)


class WeakKeyError(ValueError):
    """A configured key is missing, placeholder-derived, repetitive or of too little variety."""


def weak_key_reason(value: str) -> str | None:
    """Why ``value`` is not fit to sign tokens, or None when it passes.

    The entropy figure is an estimate from the key's own character frequencies (length times the
    empirical Shannon entropy); random keys of 32+ characters from ``secrets.token_urlsafe`` or
    ``token_hex`` score well above the bar, typed phrases and patterns below it.
    """
    if len(value) < MIN_KEY_CHARS:
        return f"shorter than {MIN_KEY_CHARS} characters"
    folded = re.sub(r"[^a-z0-9]", "", value.lower())
    for word in PLACEHOLDER_WORDS:
        if word in folded:
            return f"contains the placeholder word {word!r}"
    for period in range(1, len(value) // 2 + 1):
        unit = value[:period]
        if (unit * (len(value) // period + 1))[: len(value)] == value:
            return f"repeats a {period}-character pattern"
    steps = sum(abs(ord(a) - ord(b)) <= 1 for a, b in zip(value, value[1:], strict=False))
    if steps * 2 > len(value):
        return "is mostly runs of repeated or consecutive characters"
    counts = Counter(value)
    entropy = -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())
    bits = entropy * len(value)
    if bits < MIN_KEY_BITS:
        return f"has too little variety (about {bits:.0f} bits; need {MIN_KEY_BITS:.0f})"
    return None


def check_key(name: str, value: str) -> str:
    """``value`` if strong, else :class:`WeakKeyError` naming the setting and the reason."""
    reason = weak_key_reason(value)
    if reason is not None:
        raise WeakKeyError(
            f"{name} {reason}; set a random value (python -c 'import secrets; "
            f"print(secrets.token_urlsafe(48))') or leave it unset to generate one"
        )
    return value


def load_or_create_key(path: Path, *, name: str) -> str:
    """The key stored at ``path``, creating it (0600, random) when the file does not exist.

    A key file that others can read, or whose content is weak, is refused rather than used.
    Concurrent first starts agree on one key: the file is created with O_EXCL.
    """
    try:
        return _read_key(path, name=name)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return _read_key(path, name=name)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(value + "\n")
        f.flush()
        os.fsync(f.fileno())
    logger.warning("generated a new %s in %s (keep this file; back it up)", name, path)
    return value


def _read_key(path: Path, *, name: str) -> str:
    st = path.stat()
    if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise WeakKeyError(
            f"{name} file {path} is accessible to other users "
            f"(mode {stat.S_IMODE(st.st_mode):04o}); run chmod 600 {path}"
        )
    value = path.read_text(encoding="utf-8").strip()
    return check_key(f"{name} in {path}", value)
