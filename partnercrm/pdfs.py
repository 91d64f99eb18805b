"""What an uploaded PDF holds: parsed with pypdf, every object reachable from the trailer walked.

A document kept in the CRM (a scanned agreement, a municipal plan) is read by people who open it
in whatever viewer they have. So a file is accepted only if it parses as a PDF with a page tree,
and carries nothing that acts by itself or hides another file:

- scripts: ``/JS`` or ``/JavaScript`` anywhere (actions, the document's name tree), XFA forms
  (``/XFA``, scripted XML) and rich media;
- actions that run or fetch something: ``/S /JavaScript``, ``/Launch``, ``/GoToE``,
  ``/ImportData`` wherever an action sits (links, outlines, form fields, chained ``/Next``);
- automatic actions: ``/AA`` (additional actions: on opening a page, on focus…) and an
  ``/OpenAction`` other than a destination (opening at a page — an array, or a ``/GoTo``
  action — is what many PDF writers put there and is harmless);
- embedded files: ``/EmbeddedFiles`` (the name tree), ``/EF`` (a file specification's file)
  and streams of ``/Type /EmbeddedFile`` (file attachment annotations included).

The walk follows references from the trailer (not one dictionary the file says is the catalog),
each object once (a visited set of object numbers), with a bound on the objects walked: a file
with more is refused as too complex to check.
Unreachable objects are not looked at: no viewer reaches them either. Standard library and pypdf
only; nothing of the app.
"""

from __future__ import annotations

import io
import logging
from enum import Enum

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

log = logging.getLogger(__name__)

# A scanned document of a hundred pages has a few hundred objects; a long text document with
# fonts and annotations a few thousand. pypdf reads some 10,000 objects a second: past this
# bound the file is refused as too complex to check (a worker is not held for long).
MAX_OBJECTS = 50_000
# Dictionaries and arrays walked, the ones written inside other objects included.
MAX_NODES = 1_000_000

SCRIPT_KEYS = frozenset({"/JS", "/JavaScript", "/XFA", "/RichMedia"})
AUTOMATIC_KEYS = frozenset({"/AA"})
EMBEDDED_KEYS = frozenset({"/EmbeddedFiles", "/EF"})
ACTIVE_ACTIONS = frozenset({"/JavaScript", "/Launch", "/GoToE", "/ImportData"})


class Problem(Enum):
    DAMAGED = "damaged"  # does not parse, or has no page
    TOO_COMPLEX = "too complex"  # more objects than we check
    PROTECTED = "protected"  # needs a password to open
    ACTIVE = "active"  # scripts or actions that run by themselves
    EMBEDDED = "embedded"  # files inside the file


def problem_of(data: bytes) -> Problem | None:
    """None if ``data`` is a PDF we keep; else what is wrong with it."""
    # pypdf repairs what readers repair (an offset a few bytes off…) and says so on its own
    # logger; what it cannot read is refused.
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not _opens_without_password(reader):
            return Problem.PROTECTED
        root = reader.trailer["/Root"].get_object()
        if not isinstance(root, DictionaryObject) or "/Pages" not in root:
            return Problem.DAMAGED
        return _walk(reader.trailer)
    except Exception as error:  # noqa: BLE001 — any failure to parse is a damaged file
        # The type only: pypdf's messages quote the file, which may hold personal data.
        log.info("PDF refused as damaged: %s", type(error).__name__)
        return Problem.DAMAGED


def _opens_without_password(reader: PdfReader) -> bool:
    """Encrypted with an empty user password (permissions only), as some scanners do."""
    try:
        return bool(reader.decrypt(""))
    except Exception:  # noqa: BLE001 — an unknown scheme: nobody could open it
        return False


def _walk(trailer: DictionaryObject) -> Problem | None:
    """The first problem of the objects reachable from ``trailer``; a document without a
    reachable page is damaged. (Counting pages by the walk, not ``reader.pages``: pypdf's page
    list takes seconds on a tree of thousands of pages.)"""
    visited: set[tuple[int, int]] = set()
    stack: list[object] = [trailer]
    walked = pages = 0
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            key = (node.idnum, node.generation)
            if key in visited:
                continue
            visited.add(key)
            if len(visited) > MAX_OBJECTS:
                return Problem.TOO_COMPLEX
            node = node.get_object()
        if isinstance(node, DictionaryObject):  # stream objects included
            walked += 1
            problem = _dictionary_problem(node)
            if problem is not None:
                return problem
            pages += node.get("/Type") == "/Page"
            stack.extend(dict.values(node))  # references unresolved: each resolved once above
        elif isinstance(node, ArrayObject):
            walked += 1
            stack.extend(list.__iter__(node))
        if walked > MAX_NODES:
            return Problem.TOO_COMPLEX
    return None if pages else Problem.DAMAGED


def _dictionary_problem(node: DictionaryObject) -> Problem | None:
    keys = set(node.keys())
    if keys & EMBEDDED_KEYS or node.get("/Type") == "/EmbeddedFile":
        return Problem.EMBEDDED
    if keys & SCRIPT_KEYS or keys & AUTOMATIC_KEYS:
        return Problem.ACTIVE
    if node.get("/S") in ACTIVE_ACTIONS:
        return Problem.ACTIVE
    if "/OpenAction" in keys and not _is_destination(node["/OpenAction"]):
        return Problem.ACTIVE
    return None


def _is_destination(action: object) -> bool:
    """Opening at a page: a destination array, or a ``/GoTo`` action (whatever it chains with
    ``/Next`` is walked like any other object)."""
    if isinstance(action, ArrayObject):
        return True
    return isinstance(action, DictionaryObject) and action.get("/S") == "/GoTo"
