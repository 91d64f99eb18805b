"""The feeds over HTTP (DESIGN §4.5): what each feed holds, signatures and reset, filters,
ETag/304 and Last-Modified, SEQUENCE, the calendar page and ``partnercrm feed-url``."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine
from icalendar import Calendar
from werkzeug.http import parse_date

from partnercrm.accounts.rules import Role
from partnercrm.activities.models import ParentMeeting
from partnercrm.activities.rules import ActivityKind, ActivityStatus
from partnercrm.audit.models import AuditAction, AuditEntry
from partnercrm.directory.rules import OrganizationKind
from partnercrm.extensions import db
from partnercrm.feeds import views
from partnercrm.feeds.events import private_feed_url
from partnercrm.feeds.models import FeedChange
from partnercrm.jobs.rules import JobStatus
from partnercrm.localtime import REGION_TZ, to_utc
from partnercrm.offers import speaker_requests as offer_requests
from partnercrm.offers.rules import BookingStatus, OfferStatus, SpeakerRequestStatus
from tests.activity_factories import ActivityFactory, sign_in
from tests.conftest import csrf_token, request_scoped_client
from tests.factories import MunicipalityFactory, OrganizationFactory, UserFactory
from tests.feed_factories import agreement_between
from tests.job_factories import HolidayJobFactory
from tests.offer_factories import (
    BookingFactory,
    OfferFactory,
    SlotFactory,
    SpeakerOfferFactory,
    SpeakerRequestFactory,
)

# Monday 2 March 2026, 11:00 in Kaliningrad.
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def planned(host, organizer, when=datetime(2026, 3, 10, 10, 0), schools=(), **values):
    """A planned activity at ``when`` (local time) for two hours."""
    return ActivityFactory(
        host=host,
        organizer=organizer,
        status=ActivityStatus.PLANNED,
        starts_at=to_utc(when),
        ends_at=to_utc(when + timedelta(hours=2)),
        starts_on=when.date(),
        schools=list(schools),
        **values,
    )


def feed(client, url, **headers):
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.status_code
    return response


def events(response) -> dict:
    calendar = Calendar.from_ical(response.data)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def uid(kind: str, record) -> str:
    return f"{kind}-{record.id}@partnercrm"


@pytest.fixture
def school_user():
    return UserFactory(role=Role.SCHOOL)


# --- what a private feed holds ---


def test_private_feed_holds_what_the_organization_hosts_organizes_or_visits(client, school_user):
    school = school_user.organization
    employer = OrganizationFactory(kind=OrganizationKind.EMPLOYER)
    other_school = OrganizationFactory()
    hosted = planned(school, other_school, kind=ActivityKind.PARENT_MEETING)
    organized = planned(employer, school)
    visited = planned(employer, other_school, schools=[school])
    others_private = planned(employer, other_school, schools=[other_school])
    others_public = planned(employer, other_school, public=True)
    db.session.commit()

    found = events(feed(client, private_feed_url(school_user)))

    assert set(found) == {uid("activity", a) for a in (hosted, organized, visited)}
    assert uid("activity", others_private) not in found
    # Public activities of others are the public feed's.
    assert uid("activity", others_public) not in found


def test_a_feed_never_holds_another_organizations_private_events(client):
    first, second = UserFactory(role=Role.SCHOOL), UserFactory(role=Role.SCHOOL)
    employer = OrganizationFactory(kind=OrganizationKind.EMPLOYER)
    records = {}
    for user in (first, second):
        school = user.organization
        slot = SlotFactory(offer=OfferFactory(organization=employer))
        records[user.id] = {
            uid("activity", planned(employer, school)),
            uid("activity", planned(school, school, kind=ActivityKind.PARENT_MEETING)),
            uid(
                "booking", BookingFactory(slot=slot, school=school, status=BookingStatus.REQUESTED)
            ),
            uid("agreement", agreement_between(school, employer)),
        }
    db.session.commit()

    for user, other in ((first, second), (second, first)):
        found = set(events(feed(client, private_feed_url(user))))
        assert found == records[user.id]
        assert not found & records[other.id]


def test_coordinator_feed_covers_the_municipality(client):
    coordinator = UserFactory(role=Role.COORDINATOR)
    local = OrganizationFactory(municipality=coordinator.municipality)
    elsewhere = OrganizationFactory()
    employer = OrganizationFactory(kind=OrganizationKind.EMPLOYER)
    visited = planned(employer, employer, schools=[local])
    away = planned(employer, elsewhere, schools=[elsewhere])
    db.session.commit()

    found = events(feed(client, private_feed_url(coordinator)))

    assert uid("activity", visited) in found
    assert uid("activity", away) not in found


def test_agreement_expiry_is_an_all_day_transparent_event(client, school_user):
    employer = OrganizationFactory(kind=OrganizationKind.EMPLOYER)
    agreement = agreement_between(school_user.organization, employer, number="7/2026")
    unsigned = agreement_between(school_user.organization, employer, signed_on=None)
    indefinite = agreement_between(school_user.organization, employer, valid_to=None)
    db.session.commit()

    found = events(feed(client, private_feed_url(school_user)))

    event = found[uid("agreement", agreement)]
    assert event["DTSTART"].dt == date(2026, 6, 30)
    assert event["DTEND"].dt == date(2026, 7, 1)
    assert event["DTSTART"].params["VALUE"] == "DATE"
    assert event["TRANSP"] == "TRANSPARENT"
    assert "7/2026" in str(event["SUMMARY"])
    assert str(event["DESCRIPTION"]).endswith(f"/agreements/{agreement.id}")
    assert uid("agreement", unsigned) not in found
    assert uid("agreement", indefinite) not in found


def test_terminated_agreement_shows_as_cancelled(client, school_user):
    employer = OrganizationFactory(kind=OrganizationKind.EMPLOYER)
    agreement = agreement_between(school_user.organization, employer)
    db.session.commit()
    agreement.terminated_on = date(2026, 3, 1)
    db.session.commit()

    event = events(feed(client, private_feed_url(school_user)))[uid("agreement", agreement)]

    assert event["STATUS"] == "CANCELLED"
    assert str(event["SUMMARY"]).startswith("ОТМЕНЕНО: ")
    assert event["SEQUENCE"] == 1


def test_a_booking_is_one_event_before_and_after_confirmation(client, school_user):
    employer_user = UserFactory(role=Role.EMPLOYER)
    employer = employer_user.organization
    slot = SlotFactory(offer=OfferFactory(organization=employer))
    booking = BookingFactory(slot=slot, school=school_user.organization)
    booking.status = BookingStatus.REQUESTED
    db.session.commit()

    for user in (school_user, employer_user):
        event = events(feed(client, private_feed_url(user)))[uid("booking", booking)]
        assert event["STATUS"] == "TENTATIVE"
        assert event["DTSTART"].dt == slot.starts_at.astimezone(REGION_TZ)
        assert event["URL"] == f"http://partnercrm.test/offers/bookings/{booking.id}"

    # Confirmation creates the excursion; the feed shows the excursion only.
    excursion = planned(employer, employer, schools=[school_user.organization])
    booking.status, booking.activity = BookingStatus.CONFIRMED, excursion
    db.session.commit()
    for user in (school_user, employer_user):
        found = events(feed(client, private_feed_url(user)))
        assert set(found) == {uid("activity", excursion)}


def test_a_declined_booking_shows_as_cancelled(client, school_user):
    booking = BookingFactory(school=school_user.organization, status=BookingStatus.DECLINED)
    db.session.commit()

    event = events(feed(client, private_feed_url(school_user)))[uid("booking", booking)]

    assert event["STATUS"] == "CANCELLED"
    assert event["SEQUENCE"] == 1


@pytest.fixture
def speaker_request(school_user):
    """A request of the school to an employer's speaker, not answered yet, and the employer's
    user."""
    employer_user = UserFactory(role=Role.EMPLOYER)
    offer = SpeakerOfferFactory(organization=employer_user.organization)
    request = SpeakerRequestFactory(
        offer=offer,
        school=school_user.organization,
        topic="Профессии порта",
        starts_at=to_utc(datetime(2026, 3, 12, 18, 0)),
        ends_at=to_utc(datetime(2026, 3, 12, 19, 0)),
        location="Актовый зал",
    )
    db.session.commit()
    return request, employer_user


def test_a_speaker_request_is_tentative_for_both_sides_only(client, school_user, speaker_request):
    request, employer_user = speaker_request
    third = UserFactory(role=Role.EMPLOYER)

    for user in (school_user, employer_user):
        response = feed(client, private_feed_url(user) + "?kind=speaker_request")
        event = events(response)[uid("speaker_request", request)]
        assert event["STATUS"] == "TENTATIVE"
        school = request.school.short_name or request.school.name
        assert str(event["SUMMARY"]).endswith(f": Профессии порта ({school})")
        assert event["DTSTART"].dt == datetime(2026, 3, 12, 18, 0, tzinfo=REGION_TZ)
        assert event["DTEND"].dt == datetime(2026, 3, 12, 19, 0, tzinfo=REGION_TZ)
        assert event["LOCATION"] == "Актовый зал"
        assert event["URL"] == f"http://partnercrm.test/offers/speaker-requests/{request.id}"
    assert uid("speaker_request", request) not in events(feed(client, private_feed_url(third)))
    public = events(feed(client, "/calendar/public.ics"))
    assert uid("speaker_request", request) not in public


def test_an_accepted_speaker_request_is_its_parent_meeting_only(
    client, seeded, school_user, speaker_request, frozen_time
):
    """Acceptance creates the parent meeting (with the roadmap's plan items: ``seeded``)."""
    request, employer_user = speaker_request

    def accept():
        offer_requests.accept_speaker_request(request, employer_user, NOW)

    after = assert_changed(client, private_feed_url(school_user), frozen_time, accept)
    assert set(events(after)) == {uid("activity", request.activity)}
    found = events(feed(client, private_feed_url(employer_user)))
    assert set(found) == {uid("activity", request.activity)}
    assert found[uid("activity", request.activity)]["STATUS"] == "CONFIRMED"


@pytest.mark.parametrize("answer", ["declined", "cancelled"])
def test_an_answered_speaker_request_leaves_the_feeds(
    client, school_user, speaker_request, answer, frozen_time
):
    request, employer_user = speaker_request

    def answer_it():
        if answer == "declined":
            offer_requests.decline_speaker_request(request, "Нет свободных дат", employer_user)
        else:
            offer_requests.cancel_speaker_request(request, NOW)

    url = private_feed_url(employer_user)
    after = assert_changed(client, url, frozen_time, answer_it)
    assert request.status is SpeakerRequestStatus(answer)
    assert uid("speaker_request", request) not in events(after)
    assert versions(after)[1] == LATER
    assert not events(feed(client, private_feed_url(school_user)))


def test_holiday_jobs_in_the_feeds_of_the_employer_and_the_center(client, school_user):
    job = HolidayJobFactory()
    draft = HolidayJobFactory(employer=job.employer, status=JobStatus.DRAFT)
    employer_user = UserFactory(role=Role.EMPLOYER, organization=job.employer)
    center_user = UserFactory(role=Role.EMPLOYMENT_CENTER, organization=job.center)
    db.session.commit()

    for user in (employer_user, center_user):
        found = events(feed(client, private_feed_url(user)))
        event = found[uid("holiday-job", job)]
        assert (event["DTSTART"].dt, event["DTEND"].dt) == (date(2026, 7, 1), date(2026, 7, 15))
        assert event["TRANSP"] == "TRANSPARENT"
        assert event["STATUS"] == "CONFIRMED"
        assert event["URL"] == f"http://partnercrm.test/jobs/{job.id}"
        assert found[uid("holiday-job", draft)]["STATUS"] == "TENTATIVE"
    assert not events(feed(client, private_feed_url(school_user)))

    public = events(feed(client, "/calendar/public.ics"))
    # The public feed links to the public job board.
    assert public[uid("holiday-job", job)]["URL"] == f"http://partnercrm.test/jobs/board/{job.id}"
    assert uid("holiday-job", draft) not in public


def test_multi_day_camp_shift_is_all_day_with_an_exclusive_end(client, school_user):
    camp = OrganizationFactory(kind=OrganizationKind.CAMP)
    shift = ActivityFactory(
        host=camp, organizer=school_user.organization, kind=ActivityKind.CAMP_SHIFT
    )
    shift.set_days(date(2026, 6, 15), date(2026, 6, 28))
    db.session.commit()

    event = events(feed(client, private_feed_url(school_user)))[uid("activity", shift)]

    assert event["DTSTART"].params["VALUE"] == "DATE"
    assert (event["DTSTART"].dt, event["DTEND"].dt) == (date(2026, 6, 15), date(2026, 6, 29))


def test_activities_stay_for_a_year_after_their_last_day(client, school_user):
    employer = OrganizationFactory(kind=OrganizationKind.EMPLOYER)
    recent = planned(employer, school_user.organization, when=datetime(2025, 3, 3, 10, 0))
    old = planned(employer, school_user.organization, when=datetime(2025, 3, 1, 10, 0))
    db.session.commit()

    found = events(feed(client, private_feed_url(school_user)))

    assert uid("activity", recent) in found
    assert uid("activity", old) not in found


# --- the public feed ---


def test_public_feed_holds_public_activities_and_published_offers_only(client):
    employer = OrganizationFactory(kind=OrganizationKind.EMPLOYER)
    school = OrganizationFactory()
    public = planned(employer, employer, public=True, kind=ActivityKind.OPEN_DAY)
    private = planned(employer, school, schools=[school])
    slot = SlotFactory(offer=OfferFactory(organization=employer))
    past_slot = SlotFactory(offer=slot.offer, starts_at=NOW - timedelta(days=2))
    draft_slot = SlotFactory(offer=OfferFactory(organization=employer, status=OfferStatus.DRAFT))
    booking = BookingFactory(slot=slot, school=school, status=BookingStatus.REQUESTED)
    agreement = agreement_between(school, employer)
    db.session.commit()

    response = feed(client, "/calendar/public.ics")
    found = events(response)

    assert set(found) == {uid("activity", public), uid("offer-slot", slot)}
    assert found[uid("offer-slot", slot)]["URL"] == f"http://partnercrm.test/offers/{slot.offer.id}"
    assert uid("activity", private) not in found
    assert uid("offer-slot", past_slot) not in found and uid("offer-slot", draft_slot) not in found
    assert uid("booking", booking) not in found and uid("agreement", agreement) not in found
    assert school.name not in response.get_data(as_text=True)


def test_public_feed_filters_by_municipality_and_kind(client):
    here, there = MunicipalityFactory(), MunicipalityFactory()
    host_here = OrganizationFactory(kind=OrganizationKind.COLLEGE, municipality=here)
    host_there = OrganizationFactory(kind=OrganizationKind.COLLEGE, municipality=there)
    open_day = planned(host_here, host_here, public=True, kind=ActivityKind.OPEN_DAY)
    career = planned(host_here, host_here, public=True, kind=ActivityKind.CAREER_EVENT)
    away = planned(host_there, host_there, public=True, kind=ActivityKind.OPEN_DAY)
    db.session.commit()

    def found(**args):
        return set(events(feed(client, f"/calendar/public.ics?{args_query(args)}")))

    assert found(municipality=here.id) == {uid("activity", open_day), uid("activity", career)}
    assert found(kind="open_day") == {uid("activity", open_day), uid("activity", away)}
    assert found(municipality=here.id, kind=["open_day", "career_event"]) == {
        uid("activity", open_day),
        uid("activity", career),
    }


def args_query(args: dict) -> str:
    pairs = []
    for key, value in args.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append(f"{key}={item}")
    return "&".join(pairs)


def test_private_feed_kind_filter(client, school_user):
    employer = OrganizationFactory(kind=OrganizationKind.EMPLOYER)
    excursion = planned(employer, school_user.organization)
    agreement = agreement_between(school_user.organization, employer)
    db.session.commit()
    url = private_feed_url(school_user)

    assert set(events(feed(client, url + "?kind=agreement"))) == {uid("agreement", agreement)}
    assert set(events(feed(client, url + "?kind=excursion"))) == {uid("activity", excursion)}


@pytest.mark.parametrize(
    "query",
    ["kind=nonsense", "kind=agreement", "kind=booking", "municipality=999", "municipality=x"],
)
def test_unknown_public_filters_are_not_found(client, query):
    assert client.get(f"/calendar/public.ics?{query}").status_code == 404


def test_private_feed_has_no_offer_kind(client, school_user):
    db.session.commit()
    assert client.get(private_feed_url(school_user) + "?kind=offer").status_code == 404


# --- signatures and reset ---


def test_wrong_signature_unknown_and_inactive_users_are_not_found(client, school_user):
    other = UserFactory(role=Role.SCHOOL)
    db.session.commit()
    url = private_feed_url(school_user)
    signature = url.rsplit("/", 1)[1].removesuffix(".ics")

    assert client.get(url).status_code == 200
    wrong = signature[:-1] + ("B" if signature.endswith("A") else "A")
    assert client.get(url.replace(signature, wrong)).status_code == 404
    assert client.get(f"/calendar/{other.id}/{signature}.ics").status_code == 404
    assert client.get(f"/calendar/99999/{signature}.ics").status_code == 404
    school_user.active = False
    db.session.commit()
    assert client.get(url).status_code == 404


def test_a_bytes_secret_key_signs_as_its_text_does(app, client, school_user, monkeypatch):
    # Flask takes SECRET_KEY as str or bytes; an instance config may give bytes.
    db.session.commit()
    url = private_feed_url(school_user)
    monkeypatch.setitem(app.config, "SECRET_KEY", app.config["SECRET_KEY"].encode())

    assert private_feed_url(school_user) == url
    assert client.get(url).status_code == 200


def test_reset_revokes_the_old_url(app, school_user):
    db.session.commit()
    old_url = private_feed_url(school_user)
    browser = request_scoped_client(app)
    sign_in(browser, school_user)
    page = browser.get("/calendar/").get_data(as_text=True)
    assert old_url in page

    response = browser.post(
        "/calendar/reset", data={"csrf_token": csrf_token(browser, "/calendar/")}
    )

    assert response.status_code == 302
    db.session.expire_all()
    new_url = private_feed_url(school_user)
    assert new_url != old_url
    assert browser.get(old_url).status_code == 404
    assert browser.get(new_url).status_code == 200
    assert new_url in browser.get("/calendar/").get_data(as_text=True)
    entry = db.session.scalars(
        sa.select(AuditEntry).where(
            AuditEntry.object_type == "user",
            AuditEntry.object_id == school_user.id,
            AuditEntry.action == AuditAction.UPDATE,
        )
    ).one()
    assert entry.details == {"feed_secret": "***"}


def test_reset_needs_a_post_with_csrf(app, school_user):
    db.session.commit()
    old_url = private_feed_url(school_user)
    browser = request_scoped_client(app)
    sign_in(browser, school_user)

    assert browser.get("/calendar/reset").status_code == 405
    assert browser.post("/calendar/reset").status_code == 400
    assert browser.get(old_url).status_code == 200


# --- HTTP: headers, 304, Last-Modified ---


def test_headers(client, school_user):
    db.session.commit()
    response = feed(client, private_feed_url(school_user))

    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert re.fullmatch(r'"[0-9a-f]+"', response.headers["ETag"])  # strong: no W/
    assert parse_date(response.headers["Last-Modified"]) == NOW
    assert "no-cache" in response.headers["Cache-Control"]


def test_two_renders_of_unchanged_data_are_byte_identical(client, school_user):
    planned(OrganizationFactory(kind=OrganizationKind.EMPLOYER), school_user.organization)
    db.session.commit()
    url = private_feed_url(school_user)

    first, second = feed(client, url), feed(client, url)

    assert first.data == second.data
    assert first.headers["ETag"] == second.headers["ETag"]
    assert first.headers["Last-Modified"] == second.headers["Last-Modified"]


@pytest.mark.parametrize("header", ["exact", "weak", "list", "star"])
def test_if_none_match_answers_304_without_rendering(client, school_user, monkeypatch, header):
    planned(OrganizationFactory(kind=OrganizationKind.EMPLOYER), school_user.organization)
    db.session.commit()
    url = private_feed_url(school_user)
    etag = feed(client, url).headers["ETag"]

    def no_rendering(*args, **kwargs):
        raise AssertionError("rendered on the 304 path")

    monkeypatch.setattr(views, "render", no_rendering)
    monkeypatch.setattr(views, "feed_events", no_rendering)
    value = {"exact": etag, "weak": f"W/{etag}", "list": f'"other", {etag}', "star": "*"}[header]
    response = client.get(url, headers={"If-None-Match": value})

    assert response.status_code == 304
    assert response.data == b""
    assert response.headers["ETag"] == etag


def test_if_modified_since(client, school_user):
    db.session.commit()
    url = private_feed_url(school_user)
    last_modified = feed(client, url).headers["Last-Modified"]

    assert client.get(url, headers={"If-Modified-Since": last_modified}).status_code == 304
    earlier = "Sun, 01 Mar 2026 00:00:00 GMT"
    assert client.get(url, headers={"If-Modified-Since": earlier}).status_code == 200
    # If-None-Match wins over If-Modified-Since.
    stale = {"If-None-Match": '"old"', "If-Modified-Since": last_modified}
    assert client.get(url, headers=stale).status_code == 200


def test_an_edit_moves_the_event(client, school_user, frozen_time):
    activity = planned(
        OrganizationFactory(kind=OrganizationKind.EMPLOYER), school_user.organization
    )
    db.session.commit()
    url = private_feed_url(school_user)
    before = feed(client, url)

    frozen_time.move_to(NOW + timedelta(hours=3))
    activity.set_time(to_utc(datetime(2026, 3, 11, 14, 0)))
    db.session.commit()
    after = feed(client, url, **{"If-None-Match": before.headers["ETag"]})

    (event,) = events(after).values()
    assert event["UID"] == uid("activity", activity)
    assert event["SEQUENCE"] == 1
    assert event["DTSTART"].dt == datetime(2026, 3, 11, 14, 0, tzinfo=REGION_TZ)
    assert event["LAST-MODIFIED"].dt == NOW + timedelta(hours=3)
    assert after.headers["ETag"] != before.headers["ETag"]
    assert parse_date(after.headers["Last-Modified"]) == NOW + timedelta(hours=3)


def test_an_organization_renamed_changes_the_etag(client, school_user, frozen_time):
    host = OrganizationFactory(kind=OrganizationKind.EMPLOYER)
    planned(host, school_user.organization)
    db.session.commit()
    url = private_feed_url(school_user)
    before = feed(client, url)

    frozen_time.move_to(NOW + timedelta(minutes=1))
    host.name = "АО «Новое имя»"
    db.session.commit()
    after = feed(client, url)

    assert after.headers["ETag"] != before.headers["ETag"]
    assert "Новое имя" in after.get_data(as_text=True)


# --- Last-Modified: computed at request time, never going backwards, no write on GET ---

LATER = NOW + timedelta(hours=2)


def versions(response) -> tuple[str, datetime]:
    return response.headers["ETag"], parse_date(response.headers["Last-Modified"])


def assert_changed(client, url, frozen_time, change, at=LATER):
    """``change`` at ``at`` gives the feed a new ETag and a strictly newer Last-Modified, and
    a client that saw the old version is told it changed; returns the new answer."""
    before = feed(client, url)
    frozen_time.move_to(at)
    change()
    db.session.commit()
    after = feed(client, url)
    (old_etag, old_modified), (new_etag, new_modified) = versions(before), versions(after)
    assert new_etag != old_etag
    assert new_modified > old_modified
    stale = {"If-Modified-Since": before.headers["Last-Modified"]}
    assert client.get(url, headers=stale).status_code == 200
    return after


@pytest.fixture
def employer():
    return OrganizationFactory(kind=OrganizationKind.EMPLOYER)


def test_an_edit_is_last_modified_when_it_was_made(client, school_user, employer, frozen_time):
    activity = planned(employer, school_user.organization)
    db.session.commit()

    def rename():
        activity.title = "Экскурсия в новый цех"

    after = assert_changed(client, private_feed_url(school_user), frozen_time, rename)
    assert versions(after)[1] == LATER


def test_a_deletion_moves_last_modified_on(client, school_user, employer, frozen_time):
    kept = planned(employer, school_user.organization)
    db.session.commit()
    frozen_time.move_to(NOW + timedelta(hours=1))
    deleted = planned(employer, school_user.organization)
    db.session.commit()
    url = private_feed_url(school_user)
    assert versions(feed(client, url))[1] == NOW + timedelta(hours=1)

    after = assert_changed(client, url, frozen_time, lambda: db.session.delete(deleted))

    assert set(events(after)) == {uid("activity", kept)}
    assert versions(after)[1] == LATER
    # Later requests answer the same version: nothing was stored by the feed itself.
    frozen_time.move_to(LATER + timedelta(hours=3))
    assert versions(feed(client, url)) == versions(after)


@pytest.mark.parametrize("record", ["booking", "slot removed from its offer"])
def test_deleted_bookings_and_slots_move_last_modified_on(client, school_user, record, frozen_time):
    slot = SlotFactory()
    booking = BookingFactory(slot=slot, school=school_user.organization)
    booking.status = BookingStatus.REQUESTED
    db.session.commit()
    if record == "booking":
        url, gone = private_feed_url(school_user), uid("booking", booking)

        def change():
            db.session.delete(booking)
    else:
        # A public slot without bookings, removed as the offer form does (an orphan).
        slot = SlotFactory(offer=slot.offer, starts_at=slot.starts_at + timedelta(days=1))
        db.session.commit()
        url, gone = "/calendar/public.ics", uid("offer-slot", slot)

        def change():
            slot.offer.slots.remove(slot)

    assert gone in events(feed(client, url))
    after = assert_changed(client, url, frozen_time, change)
    assert gone not in events(after)
    assert versions(after)[1] == LATER


def test_scope_changes_move_last_modified_on(client, school_user, employer, frozen_time):
    """Records leave a feed by changes of links kept outside their rows: a visiting school
    removed, a parent meeting's presenter removed, an agreement's party removed, the user
    moved to another organization."""
    school = school_user.organization
    other = OrganizationFactory()
    visit = planned(employer, other, schools=[school, other])
    meeting = planned(other, other, kind=ActivityKind.PARENT_MEETING)
    meeting.parent_meeting = ParentMeeting(presenters=[school])
    agreement = agreement_between(school, employer, other)
    db.session.commit()
    url = private_feed_url(school_user)
    assert {uid("activity", visit), uid("activity", meeting), uid("agreement", agreement)} <= set(
        events(feed(client, url))
    )
    party = next(party for party in agreement.parties if party.organization_id == school.id)
    changes = [
        lambda: visit.schools.remove(school),
        lambda: meeting.parent_meeting.presenters.clear(),
        lambda: agreement.parties.remove(party),
    ]
    for step, change in enumerate(changes, start=1):
        after = assert_changed(client, url, frozen_time, change, at=NOW + timedelta(hours=step))
        assert versions(after)[1] == NOW + timedelta(hours=step)
    assert not events(after)

    # Moved to a school with an activity of its own, older than anything seen so far.
    frozen_time.move_to(NOW - timedelta(days=1))
    elsewhere = planned(employer, OrganizationFactory())
    db.session.commit()
    moved_at = NOW + timedelta(hours=5)

    def move():
        school_user.organization = elsewhere.organizer

    after = assert_changed(client, url, frozen_time, move, at=moved_at)
    assert set(events(after)) == {uid("activity", elsewhere)}
    assert versions(after)[1] == moved_at


@pytest.mark.parametrize("change", ["offer unpublished", "job closed", "activity made private"])
def test_leaving_the_public_feed_moves_last_modified_on(client, employer, change, frozen_time):
    slot = SlotFactory(offer=OfferFactory(organization=employer))
    job = HolidayJobFactory(employer=employer)
    activity = planned(employer, employer, public=True, kind=ActivityKind.OPEN_DAY)
    db.session.commit()
    record, name, value, gone = {
        "offer unpublished": (slot.offer, "status", OfferStatus.CLOSED, uid("offer-slot", slot)),
        "job closed": (job, "status", JobStatus.CLOSED, uid("holiday-job", job)),
        "activity made private": (activity, "public", False, uid("activity", activity)),
    }[change]

    after = assert_changed(
        client, "/calendar/public.ics", frozen_time, lambda: setattr(record, name, value)
    )

    assert gone not in events(after)
    assert versions(after)[1] == LATER


def test_a_municipality_renamed_moves_last_modified_on(client, employer, frozen_time):
    planned(employer, employer, public=True, kind=ActivityKind.OPEN_DAY)
    db.session.commit()
    municipality = employer.municipality

    def rename():
        municipality.name = "Новый округ"

    after = assert_changed(
        client, f"/calendar/public.ics?municipality={municipality.id}", frozen_time, rename
    )
    assert str(Calendar.from_ical(after.data)["X-WR-CALNAME"]).endswith("(Новый округ)")


def local(day: date, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=REGION_TZ)


def test_cancelled_activity_stays_until_its_date_has_passed(client, school_user, frozen_time):
    activity = planned(
        OrganizationFactory(kind=OrganizationKind.EMPLOYER), school_user.organization
    )
    db.session.commit()
    activity.status = ActivityStatus.CANCELLED
    db.session.commit()
    url = private_feed_url(school_user)

    frozen_time.move_to(local(date(2026, 3, 10), 23))
    on_the_day = feed(client, url)
    event = events(on_the_day)[uid("activity", activity)]
    assert event["STATUS"] == "CANCELLED"
    assert str(event["SUMMARY"]).startswith("ОТМЕНЕНО: ")
    assert event["SEQUENCE"] == 1
    assert versions(on_the_day)[1] == NOW

    frozen_time.move_to(local(date(2026, 3, 11), 0, 30))
    next_day = feed(client, url)
    assert not events(next_day)
    assert versions(next_day)[0] != versions(on_the_day)[0]
    # The moment it left: the start of the local day after it.
    assert versions(next_day)[1] == local(date(2026, 3, 11))


def record_of_a_year_ago(kind: str, school_user, employer):
    """A record whose last day is 2 March 2025 — in the feed until 2 March 2026 inclusive
    (FEED_HISTORY_DAYS = 365), gone from the start of 3 March —, its UID and a reader."""
    last_day, school = date(2025, 3, 2), school_user.organization
    if kind == "activity":
        activity = planned(employer, school, when=datetime(2025, 3, 2, 10, 0))
        return uid("activity", activity), school_user
    if kind == "camp shift":
        shift = ActivityFactory(host=employer, organizer=school, kind=ActivityKind.CAMP_SHIFT)
        shift.set_days(date(2025, 2, 20), last_day)
        return uid("activity", shift), school_user
    if kind == "agreement":
        since = date(2024, 9, 1)
        agreement = agreement_between(
            school, employer, signed_on=since, valid_from=since, valid_to=last_day
        )
        return uid("agreement", agreement), school_user
    if kind == "speaker request":
        # Half past midnight in Kaliningrad: the evening before in UTC.
        request = SpeakerRequestFactory(
            offer=SpeakerOfferFactory(organization=employer),
            school=school,
            starts_at=to_utc(local(last_day, 0, 30)),
        )
        return uid("speaker_request", request), school_user
    job = HolidayJobFactory(employer=employer, first_day=date(2025, 2, 20), last_day=last_day)
    return uid("holiday-job", job), UserFactory(role=Role.EMPLOYER, organization=employer)


@pytest.mark.parametrize(
    "kind", ["activity", "camp shift", "agreement", "speaker request", "holiday job"]
)
def test_records_leave_a_year_after_their_last_day(
    client, school_user, employer, kind, frozen_time
):
    record, reader = record_of_a_year_ago(kind, school_user, employer)
    db.session.commit()
    url = private_feed_url(reader)

    frozen_time.move_to(local(date(2026, 3, 2), 23, 59))
    last_day = feed(client, url)
    assert record in events(last_day)
    assert versions(last_day)[1] == NOW

    frozen_time.move_to(local(date(2026, 3, 3), 8))
    gone = feed(client, url)
    assert record not in events(gone)
    assert versions(gone)[0] != versions(last_day)[0]
    assert versions(gone)[1] == local(date(2026, 3, 3))


@pytest.mark.parametrize("record", ["offer slot", "declined booking", "terminated agreement"])
def test_records_leave_once_their_day_has_passed(
    client, school_user, employer, record, frozen_time
):
    day = date(2026, 3, 5)
    slot = SlotFactory(offer=OfferFactory(organization=employer), starts_at=to_utc(local(day, 10)))
    if record == "offer slot":
        url, gone = "/calendar/public.ics", uid("offer-slot", slot)
    elif record == "declined booking":
        booking = BookingFactory(
            slot=slot, school=school_user.organization, status=BookingStatus.DECLINED
        )
        url, gone = private_feed_url(school_user), uid("booking", booking)
    else:
        agreement = agreement_between(
            school_user.organization, employer, valid_to=day, terminated_on=date(2026, 3, 1)
        )
        url, gone = private_feed_url(school_user), uid("agreement", agreement)
    db.session.commit()

    frozen_time.move_to(local(day, 23))
    on_the_day = feed(client, url)
    assert gone in events(on_the_day)
    assert versions(on_the_day)[1] == NOW

    frozen_time.move_to(local(day + timedelta(days=2), 12))
    after = feed(client, url)
    assert gone not in events(after)
    assert versions(after)[0] != versions(on_the_day)[0]
    assert versions(after)[1] == local(day + timedelta(days=1))


def test_days_passing_with_nothing_leaving_keep_last_modified(
    client, school_user, employer, frozen_time
):
    """Held activities stay for a year: their day passing changes nothing."""
    planned(employer, school_user.organization, when=datetime(2026, 3, 5, 10, 0))
    SlotFactory(
        offer=OfferFactory(organization=employer), starts_at=to_utc(local(date(2026, 3, 5), 10))
    )
    db.session.commit()
    url = private_feed_url(school_user)
    before = versions(feed(client, url))

    frozen_time.move_to(local(date(2026, 3, 7), 12))

    assert versions(feed(client, url)) == before == (before[0], NOW)


def test_changes_elsewhere_move_last_modified_but_not_the_etag(
    client, school_user, employer, frozen_time
):
    """Last-Modified reads whole tables, the ETag only the feed's records: a client with the
    ETag still gets 304."""
    planned(employer, school_user.organization)
    edited, deleted = planned(employer, OrganizationFactory()), planned(employer, employer)
    db.session.commit()
    url = private_feed_url(school_user)
    before = feed(client, url)

    frozen_time.move_to(LATER)
    edited.title = "Другое мероприятие"
    db.session.delete(deleted)
    db.session.commit()
    after = client.get(url, headers={"If-None-Match": before.headers["ETag"]})

    assert after.status_code == 304
    assert after.headers["ETag"] == before.headers["ETag"]
    assert versions(feed(client, url)) == (before.headers["ETag"], LATER)


WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|MERGE|CREATE|ALTER|DROP)\b", re.I)


def test_feed_requests_write_nothing(app, client, school_user, employer, frozen_time):
    """No GET changes the database (DESIGN §5): not even on a new ETag or a passing day."""
    activity = planned(employer, school_user.organization, public=True)
    db.session.commit()
    urls = (private_feed_url(school_user), "/calendar/public.ics")
    etags = {url: feed(client, url).headers["ETag"] for url in urls}
    activity.status = ActivityStatus.CANCELLED
    db.session.commit()
    statements = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", remember)
    try:
        for moment in (NOW, local(date(2026, 3, 11), 1)):
            frozen_time.move_to(moment)
            for url in urls:
                client.get(url)
                client.get(url, headers={"If-None-Match": etags[url]})
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", remember)

    assert statements
    assert [statement for statement in statements if WRITE.match(statement)] == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FeedChange)) == 0


def test_changes_are_recorded_only_when_no_updated_at_shows_them(school_user, employer):
    activity = planned(employer, school_user.organization, schools=[school_user.organization])
    slot = SlotFactory()
    db.session.commit()

    activity.title = "Новое название"
    slot.offer.topic = "Новая тема"
    school_user.full_name = "Другое Имя"
    db.session.commit()
    assert recorded() == []

    activity.schools = []
    school_user.role = Role.COORDINATOR
    db.session.delete(slot)
    db.session.commit()
    assert recorded() == sorted(
        [("activity", activity.id), ("offer_slot", slot.id), ("user", school_user.id)]
    )


def recorded() -> list[tuple[str, int]]:
    rows = db.session.execute(
        sa.select(FeedChange.kind, FeedChange.record_id).order_by(
            FeedChange.kind, FeedChange.record_id
        )
    )
    return [tuple(row) for row in rows]


# --- SEQUENCE ---


def test_sequence_grows_with_time_place_and_status_of_activities(school_user):
    activity = planned(
        OrganizationFactory(kind=OrganizationKind.EMPLOYER), school_user.organization
    )
    db.session.commit()

    activity.title = "Новое название"
    activity.description = "Новое описание"
    db.session.commit()
    assert activity.sequence == 0

    activity.set_time(to_utc(datetime(2026, 3, 12, 9, 0)))
    activity.location = "Цех № 2"
    db.session.commit()
    assert activity.sequence == 1  # once per save

    activity.status = ActivityStatus.HELD
    db.session.commit()
    activity.host = OrganizationFactory(kind=OrganizationKind.EMPLOYER)
    db.session.commit()
    assert activity.sequence == 3


def test_sequence_of_agreements_slots_offers_and_jobs(school_user):
    agreement = agreement_between(school_user.organization, OrganizationFactory())
    slot = SlotFactory()
    job = HolidayJobFactory()
    db.session.commit()

    agreement.subject = "Другое"
    job.title = "Другая работа"
    db.session.commit()
    assert (agreement.sequence, job.sequence) == (0, 0)

    agreement.valid_to = date(2026, 12, 31)
    slot.starts_at = slot.starts_at + timedelta(hours=1)
    job.last_day = date(2026, 7, 20)
    db.session.commit()
    assert (agreement.sequence, slot.sequence, job.sequence) == (1, 1, 1)

    slot.offer.address = "Другой адрес"
    agreement.terminated_on = date(2026, 4, 1)
    job.status = JobStatus.CLOSED
    db.session.commit()
    assert (agreement.sequence, slot.sequence, job.sequence) == (2, 2, 2)


# --- the calendar page and the command line ---


@pytest.mark.parametrize("role", list(Role))
def test_calendar_page_for_every_role(app, role):
    user = UserFactory(role=role)
    db.session.commit()
    browser = request_scoped_client(app)
    sign_in(browser, user)

    response = browser.get("/calendar/")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    url = private_feed_url(user)
    assert url in page
    assert "webcal://" + url.split("://", 1)[1] in page
    assert "/calendar/public.ics" in page
    for client_name in ("Google Calendar", "Outlook", "Apple Calendar", "Thunderbird"):
        assert client_name in page
    assert 'action="/calendar/reset"' in page
    assert "calendar.js" in page
    assert 'href="/calendar/"' in browser.get("/dashboard").get_data(as_text=True)


def test_calendar_page_builds_the_public_url(app, school_user):
    municipality = MunicipalityFactory()
    db.session.commit()
    browser = request_scoped_client(app)
    sign_in(browser, school_user)

    page = browser.get(
        f"/calendar/?municipality={municipality.id}&kind=open_day&kind=offer"
    ).get_data(as_text=True)

    assert (
        f"/calendar/public.ics?kind=open_day&amp;kind=offer&amp;municipality={municipality.id}"
        in page
    )


def test_calendar_page_needs_a_login(client):
    assert client.get("/calendar/").status_code == 302


def test_feed_url_command(runner, client, school_user):
    db.session.commit()

    result = runner.invoke(args=["feed-url", school_user.email.upper()])

    assert result.exit_code == 0, result.output
    url = result.output.strip()
    assert url == private_feed_url(school_user)
    assert url.startswith("http://partnercrm.test/calendar/")
    assert client.get(url).status_code == 200


def test_feed_url_command_refusals(runner, make_app, school_user):
    school_user.active = False
    db.session.commit()

    unknown = runner.invoke(args=["feed-url", "nobody@example.org"])
    inactive = runner.invoke(args=["feed-url", school_user.email])
    school_user.active = True
    db.session.commit()
    # Without SERVER_NAME: production refuses; development prints the `make run` URL.
    runs = {}
    for env in ("production", "development"):
        other_app = make_app({"PARTNERCRM_ENV": env, "SECRET_KEY": "k" * 8 + "ey-for-" + env * 4})
        with other_app.app_context():
            runs[env] = other_app.test_cli_runner().invoke(args=["feed-url", school_user.email])
    without_server_name, development = runs["production"], runs["development"]

    assert unknown.exit_code != 0 and "no user" in unknown.output
    assert inactive.exit_code != 0 and "deactivated" in inactive.output
    assert without_server_name.exit_code != 0 and "SERVER_NAME" in without_server_name.output
    assert development.exit_code == 0
    assert development.stdout.startswith(f"http://127.0.0.1:5000/calendar/{school_user.id}/")
