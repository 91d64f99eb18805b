"""Where the security matrix puts huge numbers (issue #14, item 5): every integer the app reads
from a URL, a query string or a form.

- URL arguments: every ``<int:…>`` converter of ``app.url_map``.
- Query arguments: the names the code reads from ``request.args`` (found in the source with
  :mod:`ast`, by the module of the view), the fields of the page's own GET forms, the query keys
  of the links any page points at it with, and the pagination arguments every list has.
- Form fields: number inputs, hidden and text inputs holding a number, check boxes and radio
  buttons with a number as their value, and selects whose options are numbers (organization,
  municipality, student pickers…).

The values are just past what the databases hold: 2^31 (PostgreSQL's ``integer``), 2^63
(SQLite's and PostgreSQL's ``bigint``), 10^20, and −2^63−1.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from werkzeug.routing import IntegerConverter

import partnercrm

HUGE = ("2147483648", "9223372036854775808", "99999999999999999999", "-9223372036854775809")
# Past both databases' ranges: the value of the requests that try one name at a time (every
# value of HUGE tries all names at once).
HUGE_ONE_AT_A_TIME = (HUGE[2],)
# Every list reads these (partnercrm/web/pagination.py; Flask-Admin's lists too).
PAGINATION = frozenset({"page", "per_page"})
# What Flask-Admin's views read from the query string (besides a list's filters, flt0_<n>).
ADMIN_ARGUMENTS = {
    "index_view": frozenset({"page", "page_size", "sort", "desc", "search"}),
    "details_view": frozenset({"id"}),
    "edit_view": frozenset({"id"}),
    "delete_view": frozenset({"id"}),
    "ajax_lookup": frozenset({"offset", "limit"}),
}

_NUMBER = re.compile(r"-?\d+")
_READERS = {"args", "request.args", "request.values"}


def int_url_arguments(rule) -> list[str]:
    """The rule's arguments with an integer converter."""
    return [
        name
        for name, converter in rule._converters.items()
        if isinstance(converter, IntegerConverter)
    ]


@cache
def source_query_names() -> dict[str, frozenset[str]]:
    """Module name → the names its code reads from the query string
    (``args.get("x")``, ``request.args.getlist("x")``, ``request.args["x"]``)."""
    root = Path(partnercrm.__file__).parent
    found: dict[str, frozenset[str]] = {}
    for path in sorted(root.rglob("*.py")):
        names = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = _read_name(node)
            if name is not None:
                names.add(name)
        if names:
            module = ".".join(path.relative_to(root.parent).with_suffix("").parts)
            found[module] = frozenset(names)
    return found


def _read_name(node) -> str | None:
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("get", "getlist")
        and ast.unparse(node.func.value) in _READERS
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ):
        return node.args[0].value
    if (
        isinstance(node, ast.Subscript)
        and ast.unparse(node.value) in _READERS
        and isinstance(node.slice, ast.Constant)
        and isinstance(node.slice.value, str)
    ):
        return node.slice.value
    return None


def query_names_in_source(app, endpoint: str, *, domain: bool = False) -> set[str]:
    """What the module of the endpoint's view reads from the query string; with ``domain``,
    what any module of its package does (list filters often live in a helper beside the
    view: ``jobs.api.board_filters`` for ``jobs.board``)."""
    view = app.view_functions.get(endpoint)
    module = getattr(view, "__module__", "") or ""
    package = ".".join(module.split(".")[:2]) + "."
    names: set[str] = set()
    for name, read in source_query_names().items():
        if name == module or (domain and name.startswith(package)):
            names |= read
    return names


def every_query_name_in_source() -> set[str]:
    return set().union(*source_query_names().values())


def admin_query_names(view, endpoint: str) -> set[str]:
    """What the Flask-Admin view behind ``endpoint`` reads: its list's filters are
    ``flt0_<index>``."""
    page = endpoint.rsplit(".", 1)[-1]
    names = set(ADMIN_ARGUMENTS.get(page, ()))
    if page == "index_view":
        names |= {f"flt0_{index}" for index, _ in enumerate(getattr(view, "_filters", None) or ())}
    return names


class _Links(HTMLParser):
    """The query keys of links and GET forms, by the path they lead to."""

    def __init__(self, page_path: str):
        super().__init__()
        self.page_path = page_path
        self.found: dict[str, set[str]] = {}
        self._get_form: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        if tag == "a" and "?" in attrs.get("href", ""):
            parts = urlsplit(attrs["href"])
            path = parts.path or self.page_path
            keys = {key for key, _ in parse_qsl(parts.query, keep_blank_values=True)}
            self.found.setdefault(path, set()).update(keys)
        elif tag == "form":
            method = (attrs.get("method") or "get").lower()
            action = urlsplit(attrs.get("action") or self.page_path).path or self.page_path
            self._get_form = action if method == "get" else None
        elif tag in ("input", "select", "textarea") and self._get_form and attrs.get("name"):
            self.found.setdefault(self._get_form, set()).add(attrs["name"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._get_form = None


def query_names_on_page(page: str, page_path: str) -> dict[str, set[str]]:
    """Path → the query keys the page's links and GET forms send to it."""
    parser = _Links(page_path)
    parser.feed(page)
    return parser.found


def is_number(value: str) -> bool:
    return _NUMBER.fullmatch(value or "") is not None
