"""Password and API-key hashing (stdlib scrypt), JWT access tokens and HMAC-signed media URLs.

Nothing secret is ever stored in the clear: passwords and API keys are kept as salted scrypt hashes;
an API key is ``vk_<prefix>_<secret>`` so the row can be found by its prefix without scanning.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
API_KEY_PREFIX = "vk"


def hash_secret(secret: str) -> str:
    """``scrypt$n$r$p$salt$hash``: parameters travel with the hash so they can be raised later."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        secret.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32
    )
    return "$".join(
        [
            "scrypt",
            str(_SCRYPT_N),
            str(_SCRYPT_R),
            str(_SCRYPT_P),
            base64.b64encode(salt).decode(),
            base64.b64encode(digest).decode(),
        ]
    )


def verify_secret(secret: str, stored: str) -> bool:
    try:
        algo, n, r, p, salt_b64, digest_b64 = stored.split("$")
        if algo != "scrypt":
            return False
        digest = hashlib.scrypt(
            secret.encode(),
            salt=base64.b64decode(salt_b64),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=32,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest, base64.b64decode(digest_b64))


def new_api_key() -> tuple[str, str]:
    """A fresh key and its lookup prefix; the caller stores only the prefix and the hash."""
    prefix = secrets.token_hex(6)
    return f"{API_KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}", prefix


def api_key_prefix(key: str) -> str | None:
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != API_KEY_PREFIX or len(parts[1]) != 12:
        return None
    return parts[1]


def create_access_token(subject: str, *, secret: str, algorithm: str, expires_minutes: int) -> str:
    now = datetime.now(UTC)
    payload = {"sub": subject, "iat": now, "exp": now + timedelta(minutes=expires_minutes)}
    return jwt.encode(payload, secret, algorithm=algorithm)


def decode_access_token(token: str, *, secret: str, algorithm: str) -> dict[str, Any] | None:
    try:
        payload: dict[str, Any] = jwt.decode(
            token, secret, algorithms=[algorithm], options={"require": ["sub", "exp"]}
        )
    except jwt.PyJWTError:
        return None
    return payload


def sign_media(key: str, expires: int, *, secret: str, user: str) -> str:
    msg = f"media\n{key}\n{expires}\n{user}".encode("utf-8", "surrogateescape")
    mac = hmac.new(secret.encode(), msg, hashlib.sha256)
    return mac.hexdigest()


def media_signature_valid(
    key: str, expires: int, signature: str, *, secret: str, user: str, max_ttl: int
) -> bool:
    """A URL signed for ``user`` that has not expired and does not claim a longer life than this
    server ever grants (``max_ttl``), so even a leaked key cannot mint long-lived links."""
    now = int(time.time())
    if expires < now or expires > now + max_ttl:
        return False
    expected = sign_media(key, expires, secret=secret, user=user).encode()
    return hmac.compare_digest(expected, signature.encode("utf-8", "surrogateescape"))
