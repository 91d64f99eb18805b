"""The calendar page and the iCalendar feeds (DESIGN §4.5, docs/feeds.md).

Feeds are read by calendar clients without a session: the private feed is found by its signed
URL (a wrong signature, an unknown or inactive user: 404), the public one is open. A request
first computes the feed's ETag and Last-Modified from aggregate queries, writing nothing; a
matching ``If-None-Match`` (or an ``If-Modified-Since`` not older than Last-Modified) answers
304 before anything is rendered.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.http import http_date

from partnercrm.access.feeds import can_use_private_feed
from partnercrm.accounts.models import User
from partnercrm.activities.labels import KIND_LABELS
from partnercrm.activities.rules import ActivityKind
from partnercrm.directory.models import Municipality
from partnercrm.directory.queries import all_municipalities
from partnercrm.extensions import db
from partnercrm.feeds import queries, services
from partnercrm.feeds.events import (
    Feed,
    feed_events,
    private_feed,
    private_feed_url,
    public_feed,
    webcal,
)
from partnercrm.feeds.ical import render
from partnercrm.feeds.labels import OTHER_KIND_LABELS
from partnercrm.feeds.queries import FeedKind
from partnercrm.feeds.signing import signature_matches
from partnercrm.web.integers import record_id

bp = Blueprint("feeds", __name__, url_prefix="/calendar")


def _kinds(allowed: frozenset[FeedKind]) -> frozenset[FeedKind]:
    """``?kind=`` (repeatable); none: every kind. An unknown kind is no such feed (404)."""
    values = request.args.getlist("kind")
    if not values:
        return allowed
    try:
        kinds = frozenset(FeedKind(value) for value in values)
    except ValueError:
        abort(404)
    if not kinds <= allowed:
        abort(404)
    return kinds


def _municipality() -> Municipality | None:
    value = request.args.get("municipality", "")
    if not value:
        return None
    number = request.args.get("municipality", type=record_id)
    municipality = db.session.get(Municipality, number) if number is not None else None
    if municipality is None:
        abort(404)
    return municipality


@bp.route("/<int:user_id>/<signature>.ics", endpoint="private_feed")
def private_feed_ics(user_id: int, signature: str):
    user = db.session.get(User, user_id)
    if (
        user is None
        or not can_use_private_feed(user)
        or not signature_matches(current_app.secret_key, user.feed_secret, user.id, signature)
    ):
        abort(404)
    return _answer(private_feed(user, _kinds(queries.PRIVATE_KINDS)), "private, no-cache")


@bp.route("/public.ics", endpoint="public_feed")
def public_feed_ics():
    feed = public_feed(_kinds(queries.PUBLIC_KINDS), _municipality())
    return _answer(feed, "public, no-cache")


def _answer(feed: Feed, cache_control: str) -> Response:
    sources = feed.sources()
    etag = feed.etag(queries.fingerprint(db.session, sources))
    headers = {"ETag": f'"{etag}"', "Cache-Control": cache_control}
    # RFC 9110 §13.2.2: If-None-Match (weak comparison, ``*`` too) wins over
    # If-Modified-Since. A 304 carries no Last-Modified (werkzeug drops it), so a matching
    # ETag answers before Last-Modified is looked up.
    if request.if_none_match:
        if request.if_none_match.contains_weak(etag):
            return Response(status=304, headers=headers)
        since = None
    else:
        since = request.if_modified_since
    last_modified = queries.last_modified(db.session, sources, feed.filter, feed.scope_kinds)
    if since is not None and last_modified <= since:
        return Response(status=304, headers=headers)
    headers["Last-Modified"] = http_date(last_modified)
    body = render(feed.name, feed_events(db.session, feed, sources))
    return Response(body, headers=headers, content_type="text/calendar; charset=utf-8")


@bp.route("/")
@login_required
def calendar():
    public_kinds = [kind for kind in FeedKind if kind in queries.PUBLIC_KINDS]
    selected_kinds = request.args.getlist("kind")
    municipality = request.args.get("municipality", type=record_id)
    public_args = {
        "kind": [kind.value for kind in public_kinds if kind.value in selected_kinds],
        "municipality": municipality,
    }
    public_url = url_for("feeds.public_feed", _external=True, **public_args)
    private_url = private_feed_url(current_user)
    return render_template(
        "feeds/calendar.html",
        private_url=private_url,
        private_webcal=webcal(private_url),
        public_url=public_url,
        public_webcal=webcal(public_url),
        public_kinds=[(kind.value, _kind_label(kind)) for kind in public_kinds],
        selected_kinds=selected_kinds,
        municipality=municipality,
        municipalities=all_municipalities(),
    )


def _kind_label(kind: FeedKind) -> str:
    if kind in queries.ACTIVITY_KINDS:
        return str(KIND_LABELS[ActivityKind(kind.value)])
    return str(OTHER_KIND_LABELS[kind])


@bp.route("/reset", methods=["POST"])
@login_required
def reset():
    services.reset_feed_secret(current_user)
    flash(_("Your calendar link has been replaced. Subscribe again with the new link."), "success")
    return redirect(url_for("feeds.calendar"))
