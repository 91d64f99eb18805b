"""Pure check for ``next`` targets: only relative paths of this site (no Flask import)."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None.

    Rejects scheme-relative (``//host``), backslash tricks (``/\\host``, which browsers read as
    ``//host``), absolute URLs, ``javascript:`` and control characters.
    """
    if not target or not target.startswith("/"):
        return None
    if any(ord(ch) < 32 or ch == "\\" for ch in target):
        return None
    if target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
