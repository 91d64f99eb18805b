"""The interface is Russian by default, English on request, and every string is translated."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.conftest import csrf_token, request_scoped_client

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "partnercrm" / "translations" / "ru" / "LC_MESSAGES" / "messages.po"


def keywords() -> dict:
    """gettext's own keywords plus the project's, from the Makefile's BABEL_KEYWORDS line."""
    line = next(
        line
        for line in (ROOT / "Makefile").read_text().splitlines()
        if line.startswith("BABEL_KEYWORDS")
    )
    extra = line.split(":=", 1)[1].split()
    return {"_": None, "gettext": None, "ngettext": (1, 2), **{name: None for name in extra}}


def extracted_msgids() -> set[str]:
    msgids = set()
    for folder, pattern, method in (
        ("partnercrm", "**.py", "python"),
        ("templates", "**.html", "jinja2"),
    ):
        for _filename, _lineno, message, _comments, _context in extract_from_dir(
            str(ROOT / folder), method_map=[(pattern, method)], keywords=keywords()
        ):
            msgids.add(message[0] if isinstance(message, tuple) else message)
    return msgids


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\(\w+\)[sd]|\{\w*\}", text))


def test_every_interface_string_has_a_russian_translation():
    with CATALOG.open("rb") as f:
        catalog = read_po(f)
    translated = {}
    for message in catalog:
        if not message.id:
            continue
        msgid = message.id[0] if isinstance(message.id, tuple) else message.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if all(strings) and "fuzzy" not in message.flags:
            translated[msgid] = strings
    missing = sorted(extracted_msgids() - translated.keys())
    assert not missing, f"run `make messages` and translate: {missing[:20]}"
    broken = [
        msgid
        for msgid, strings in translated.items()
        if any(placeholders(s) != placeholders(msgid) for s in strings)
    ]
    assert not broken, f"placeholders differ in the translation of: {broken[:10]}"


def test_pages_are_russian_by_default_and_english_on_request(app):
    # Each request its own context, so Flask-Babel's per-context locale is chosen afresh.
    client = request_scoped_client(app)
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="ru">' in page
    assert "Войти" in page and "Пароль" in page
    client.post("/language", data={"lang": "en", "csrf_token": csrf_token(client)})
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Log in" in page and "Войти" not in page
