"""Writing audit entries.

Changes to models that set ``__audited__ = True`` are recorded automatically at flush time, so
every path — views, services, the CLI, Flask-Admin — leaves the same trail. Events that are not
row changes (logins, exports) are recorded with :func:`record`.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy.orm import Session

from partnercrm.audit.models import AuditAction, AuditEntry
from partnercrm.database import utcnow
from partnercrm.extensions import db

# Columns whose values never go into the trail; a change is noted as "***". Models add their
# personal-data columns with ``__audit_hidden__``.
SECRET_COLUMNS = {"password_hash", "session_token", "feed_secret"}
_HIDDEN = "***"


def record(
    action: AuditAction,
    object_type: str,
    object_id: int | None = None,
    details: dict | None = None,
    user_id: int | None = None,
) -> AuditEntry:
    """Add an audit entry for an event; the caller's transaction commits it."""
    entry = AuditEntry(
        action=action,
        object_type=object_type,
        object_id=object_id,
        details=details or {},
        user_id=user_id if user_id is not None else _actor_id(),
        ip=_client_ip(),
    )
    db.session.add(entry)
    return entry


def _actor_id() -> int | None:
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.id
    return None


def _client_ip() -> str | None:
    return request.remote_addr if has_request_context() else None


def _jsonable(value):
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _column_changes(obj, only_changed: bool) -> dict:
    changes: dict[str, Any] = {}
    state = sa.inspect(obj)
    ignored: frozenset[str] = getattr(obj, "__audit_ignore__", frozenset())
    hidden = SECRET_COLUMNS | getattr(obj, "__audit_hidden__", frozenset())
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in ignored:
            continue
        hist = state.attrs[key].history
        if only_changed and not hist.has_changes():
            continue
        new = hist.added[0] if hist.added else getattr(obj, key)
        old = hist.deleted[0] if hist.deleted else None
        if key in hidden:
            changes[key] = _HIDDEN
        elif only_changed:
            changes[key] = [_jsonable(old), _jsonable(new)]
        elif new is not None:
            changes[key] = _jsonable(new)
    changes.update(_link_changes(state, only_changed))
    return changes


def _link_changes(state, only_changed: bool) -> dict:
    """Many-to-many links (e.g. an activity's plan items) as ids added and removed."""
    changes: dict[str, Any] = {}
    for rel in state.mapper.relationships:
        if rel.secondary is None:
            continue
        hist = state.attrs[rel.key].history
        if only_changed:
            if hist.has_changes():
                changes[rel.key] = {
                    "added": [_object_key(o) for o in hist.added],
                    "removed": [_object_key(o) for o in hist.deleted],
                }
        else:
            linked = [_object_key(o) for o in (*hist.added, *hist.unchanged)]
            if linked:
                changes[rel.key] = linked
    return changes


def _object_key(obj):
    key = _primary_key(obj)
    return key if key is not None else str(obj)


def _primary_key(obj) -> int | None:
    """The id of a single-column primary key; set by now even for rows just inserted, whose
    identity key the session assigns only after the flush."""
    values = sa.inspect(obj).mapper.primary_key_from_instance(obj)
    return values[0] if len(values) == 1 else None


def register_change_tracking() -> None:
    """Listen once per process; history is read before the flush, ids after it."""
    if sa.event.contains(Session, "before_flush", _capture):
        return
    sa.event.listen(Session, "before_flush", _capture)
    sa.event.listen(Session, "after_flush", _write)


def _capture(session: Session, flush_context, instances) -> None:
    pending = []
    for action, objects in (
        (AuditAction.CREATE, list(session.new)),
        (AuditAction.UPDATE, list(session.dirty)),
        (AuditAction.DELETE, list(session.deleted)),
    ):
        for obj in objects:
            if not getattr(obj, "__audited__", False):
                continue
            if action is AuditAction.UPDATE:
                if not session.is_modified(obj):
                    continue
                details = _column_changes(obj, only_changed=True)
                if not details:
                    continue
            elif action is AuditAction.DELETE:
                details = {"deleted": str(obj)}
            else:
                details = {}  # filled after the flush, when defaults are known
            pending.append((action, obj, details))
    # This flush's changes only: a flush that failed (its savepoint rolled back) leaves nothing
    # behind for the next one to record.
    session.info["audit_pending"] = pending


def _write(session: Session, flush_context) -> None:
    pending = session.info.pop("audit_pending", [])
    if not pending:
        return
    actor, ip, now = _actor_id(), _client_ip(), utcnow()
    rows = []
    for action, obj, details in pending:
        if action is AuditAction.CREATE:
            details = _column_changes(obj, only_changed=False)
        rows.append(
            {
                "at": now,
                "user_id": actor,
                "action": action,
                "object_type": obj.__tablename__,
                "object_id": _primary_key(obj),
                "details": details,
                "ip": ip,
            }
        )
    session.connection().execute(sa.insert(AuditEntry), rows)
