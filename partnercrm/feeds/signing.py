"""The signature in a private feed URL (no Flask).

An HMAC-SHA256 of the user id, keyed by a key derived from the app's SECRET_KEY and the user's
own feed secret: a new feed secret (the reset button) revokes the old URL, and a new SECRET_KEY
revokes every URL.
"""

from __future__ import annotations

import base64
import hashlib
import hmac


def feed_signature(secret_key: str | bytes | None, feed_secret: str, user_id: int) -> str:
    """``secret_key`` as Flask holds it: str or bytes (an instance config may give either)."""
    if not secret_key:
        raise RuntimeError("SECRET_KEY is not set: private feed URLs cannot be signed")
    if isinstance(secret_key, str):
        secret_key = secret_key.encode()
    key = hmac.new(
        secret_key, b"partnercrm-calendar-feed:" + feed_secret.encode(), hashlib.sha256
    ).digest()
    digest = hmac.new(key, str(user_id).encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def signature_matches(
    secret_key: str | bytes | None, feed_secret: str, user_id: int, signature: str
) -> bool:
    expected = feed_signature(secret_key, feed_secret, user_id)
    return hmac.compare_digest(expected.encode(), signature.encode())
