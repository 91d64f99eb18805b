"""Real PDFs for the tests, written with pypdf: a clean one-page document, and documents with
what an upload must not carry (scripts, actions, embedded files) or that do not parse."""

from __future__ import annotations

import io
from functools import cache

from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)


def _document(text: str = "") -> PdfWriter:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    if text:
        writer.add_metadata({"/Title": text})
    return writer


def _bytes(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@cache
def pdf(text: str = "") -> bytes:
    """A clean one-page PDF; ``text`` (its title) makes two documents differ."""
    return _bytes(_document(text))


def _action(kind: str, **entries) -> DictionaryObject:
    action = DictionaryObject({NameObject("/S"): NameObject(kind)})
    action.update({NameObject(f"/{key}"): value for key, value in entries.items()})
    return action


def with_open_action_javascript() -> bytes:
    """Runs a script when opened: ``/OpenAction << /S /JavaScript /JS (…) >>``."""
    writer = _document()
    writer.root_object[NameObject("/OpenAction")] = _action(
        "/JavaScript", JS=TextStringObject("app.alert('hello');")
    )
    return _bytes(writer)


def with_javascript_in_the_name_tree() -> bytes:
    """A document-level script: ``/Names << /JavaScript << /Names [(name) action] >> >>``."""
    writer = _document()
    script = _action("/JavaScript", JS=TextStringObject("app.alert('hello');"))
    tree = DictionaryObject(
        {NameObject("/Names"): ArrayObject([TextStringObject("greeting"), script])}
    )
    writer.root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): tree})
    return _bytes(writer)


def with_launch_link() -> bytes:
    """A link annotation that launches a program, deep in the page's annotations."""
    writer = _document()
    link = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject([NumberObject(0)] * 4),
            NameObject("/A"): _action("/Launch", F=TextStringObject("calc.exe")),
        }
    )
    writer.pages[0][NameObject("/Annots")] = ArrayObject([link])
    return _bytes(writer)


def with_additional_actions() -> bytes:
    """``/AA`` on the page: an action when the page is opened."""
    writer = _document()
    writer.pages[0][NameObject("/AA")] = DictionaryObject(
        {NameObject("/O"): _action("/URI", URI=TextStringObject("https://example.org"))}
    )
    return _bytes(writer)


def with_open_at_first_page() -> bytes:
    """``/OpenAction [page /Fit]``: a destination, as many PDF writers set it (accepted)."""
    writer = _document()
    writer.root_object[NameObject("/OpenAction")] = ArrayObject(
        [writer.pages[0].indirect_reference, NameObject("/Fit")]
    )
    return _bytes(writer)


def with_open_action_uri() -> bytes:
    """Opens a web address when opened: an ``/OpenAction`` that is no destination."""
    writer = _document()
    writer.root_object[NameObject("/OpenAction")] = _action(
        "/URI", URI=TextStringObject("https://example.org/track")
    )
    return _bytes(writer)


def with_password(user_password: str) -> bytes:
    """Encrypted (RC4): with an empty user password anyone opens it, else a password is
    needed."""
    writer = _document()
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    return _bytes(writer)


def with_embedded_file() -> bytes:
    """A file attached to the document (``/Names /EmbeddedFiles``)."""
    writer = _document()
    writer.add_attachment("payload.exe", b"MZ\x90\x00 not really a program")
    return _bytes(writer)


def damaged() -> bytes:
    """A PDF header, then garbage, then the end-of-file marker: passes the byte check, does
    not parse."""
    return b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"garbage " * 500 + b"\nstartxref\n9\n%%EOF\n"


def truncated() -> bytes:
    """A real PDF cut before its cross-reference table, an end-of-file marker put back."""
    whole = pdf("truncated")
    return whole[: whole.index(b"xref")] + b"startxref\n300\n%%EOF\n"
