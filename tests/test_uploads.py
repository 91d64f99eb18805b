"""Uploads (DESIGN §5): a PDF is accepted by its content, limited to 10 MB, stored under a name
the server makes, and downloaded as an attachment by the roles allowed to — here through the
municipal plans of indicator 1, the first user of partnercrm.uploads."""

from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa
import time_machine
from pypdf import PdfWriter

from partnercrm import pdfs as pdfs_module
from partnercrm import uploads
from partnercrm.extensions import db
from partnercrm.indicators.models import MunicipalPlan
from partnercrm.monitoring.services import PLAN_DOCUMENTS
from tests import pdfs
from tests.test_monitoring import DECEMBER, PDF, fresh, people, post, upload_folder, web

__all__ = ["people", "upload_folder", "web"]  # fixtures shared with test_monitoring

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40 + b"IEND\xaeB`\x82"
TEXT = b"Just a letter, not a document.\n%%EOF\n"


# --- pure checks ---


def test_a_small_real_pdf_is_accepted():
    uploads.check_pdf(PDF)
    uploads.check_pdf(PDF + b"\r\n\x00\x00")  # bytes after the end-of-file marker
    uploads.check_pdf(pdfs.with_open_at_first_page())  # opens at page 1: no action


@pytest.mark.parametrize(
    "data",
    [
        PNG,
        TEXT,
        b"",
        b"%PDF-1.4\nno end marker\n",
        b"  %PDF-1.4\n%%EOF\n",  # not at the start
        b"%PDF-1.4\n%%EOF\n" + b"x" * 2000,  # the marker is not near the end
        b"<html><script>alert(1)</script></html>",
        b"%PDF-1.7\n" + b"x" * 5000 + b"\n%%EOF\r\n\x00\x00",  # the markers and nothing else
        pdfs.damaged(),
        pdfs.truncated(),
    ],
)
def test_anything_but_a_pdf_is_refused(data):
    with pytest.raises(uploads.UploadError):
        uploads.check_pdf(data)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (pdfs.with_open_action_javascript(), "scripts or actions"),
        (pdfs.with_javascript_in_the_name_tree(), "scripts or actions"),
        (pdfs.with_launch_link(), "scripts or actions"),
        (pdfs.with_additional_actions(), "scripts or actions"),
        (pdfs.with_open_action_uri(), "scripts or actions"),
        (pdfs.with_embedded_file(), "embedded files"),
        (pdfs.damaged(), "damaged"),
        (pdfs.truncated(), "damaged"),
        (pdfs.with_password("secret"), "protected by a password"),
    ],
)
def test_a_pdf_is_parsed_and_refused_with_what_it_carries(data, problem):
    with pytest.raises(uploads.UploadError, match=problem) as refused:
        uploads.check_pdf(data, field="document")
    assert refused.value.field == "document"


def test_a_pdf_without_a_user_password_is_accepted():
    uploads.check_pdf(pdfs.with_password(""))  # permissions only: anyone opens it


def test_the_walk_is_bounded(monkeypatch):
    """Every reachable object is walked once (the page tree refers back to its parent), and
    no more than the bounds."""
    assert pdfs_module.problem_of(PDF) is None
    monkeypatch.setattr(pdfs_module, "MAX_OBJECTS", 2)
    with pytest.raises(uploads.UploadError, match="too many parts") as refused:
        uploads.check_pdf(PDF)
    assert refused.value.params == {"objects": 2}
    monkeypatch.setattr(pdfs_module, "MAX_OBJECTS", 1000)
    monkeypatch.setattr(pdfs_module, "MAX_NODES", 3)
    assert pdfs_module.problem_of(PDF) is pdfs_module.Problem.TOO_COMPLEX


def test_a_pdf_without_a_page_is_damaged():
    empty = io.BytesIO()
    PdfWriter().write(empty)
    with pytest.raises(uploads.UploadError, match="damaged"):
        uploads.check_pdf(empty.getvalue())


def test_size_limit_of_the_file_itself():
    with pytest.raises(uploads.UploadError, match="too large"):
        uploads.check_pdf(PDF, max_bytes=len(PDF) - 1)
    uploads.check_pdf(PDF, max_bytes=len(PDF))
    assert uploads.MAX_PDF_BYTES == 10 * 1024 * 1024


def test_stored_names_are_server_made_and_safe():
    names = {uploads.new_stored_name() for _ in range(100)}
    assert len(names) == 100
    assert all(uploads.is_stored_name(name) for name in names)
    for bad in ("../../etc/passwd", "a.pdf", "plan.pdf", "/abs/x.pdf", "0" * 32 + ".pdf/..", None):
        assert not uploads.is_stored_name(bad)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("План профориентации Калининград 2021", "План профориентации Калининград 2021.pdf"),
        ("../../etc/passwd", "etc_passwd.pdf"),
        ('a"b;\r\nContent-Type: text/html', "a_b_Content-Type_ text_html.pdf"),
        ("", "document.pdf"),
        ("report.PDF", "report.pdf"),
        ("x" * 300, "x" * 96 + ".pdf"),
    ],
)
def test_download_filename(text, expected):
    assert uploads.download_filename(text) == expected


def test_store_discard_and_stored_path(app, upload_folder):
    name = uploads.store_bytes(PDF, "tests")
    path = upload_folder / "tests" / name
    assert path.read_bytes() == PDF
    assert uploads.stored_path("tests", name) == path
    assert uploads.stored_path("tests", "../" + name) is None
    with pytest.raises(ValueError):
        uploads.stored_path("../etc", name)
    uploads.discard("tests", name)
    assert not path.exists()
    uploads.discard("tests", name)  # gone already: ignored
    uploads.discard("tests", "../../important.txt")  # not a stored name: ignored


# --- through the municipal plans ---


def stored_files(folder):
    area = folder / PLAN_DOCUMENTS
    return sorted(p.name for p in area.iterdir()) if area.exists() else []


def plan_form(people, **changes):
    data = {
        "municipality_id": str(people["kgd"].id),
        "year": "2021",
        "approved_on": "2021-02-01",
        "title": "Постановление № 7",
    }
    data.update(changes)
    return data


def upload(client, url, data, content: bytes, filename="plan.pdf", **kwargs):
    return post(
        client,
        url,
        {**data, "document": (io.BytesIO(content), filename, "application/pdf")},
        content_type="multipart/form-data",
        **kwargs,
    )


@time_machine.travel(DECEMBER, tick=False)
def test_upload_accepted_stored_under_a_server_name(web, people, upload_folder):
    client = web(people["coord_a"])
    response = upload(
        client, "/monitoring/plans/new", plan_form(people), PDF, filename="../../evil name.pdf"
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    plan = fresh(MunicipalPlan)[0]
    assert uploads.is_stored_name(plan.document)
    assert "evil" not in plan.document
    assert stored_files(upload_folder) == [plan.document]
    assert (upload_folder / PLAN_DOCUMENTS / plan.document).read_bytes() == PDF


@pytest.mark.parametrize(
    ("content", "filename"), [(PNG, "scan.pdf"), (TEXT, "plan.pdf"), (b"", "plan.pdf")]
)
@time_machine.travel(DECEMBER, tick=False)
def test_upload_refused_by_content(web, people, upload_folder, content, filename):
    client = web(people["coord_a"])
    response = upload(client, "/monitoring/plans/new", plan_form(people), content, filename)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "not a PDF document" in page or "The file is empty" in page
    assert fresh(MunicipalPlan) == []  # the whole form is refused: nothing half-saved
    assert stored_files(upload_folder) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (pdfs.with_open_action_javascript(), "contains scripts or actions"),
        (pdfs.with_embedded_file(), "contains embedded files"),
        (pdfs.damaged(), "is damaged"),
    ],
)
@time_machine.travel(DECEMBER, tick=False)
def test_a_plan_document_that_acts_or_does_not_parse_is_refused(
    web, people, upload_folder, content, message
):
    client = web(people["coord_a"])
    response = upload(client, "/monitoring/plans/new", plan_form(people), content)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert fresh(MunicipalPlan) == []
    assert stored_files(upload_folder) == []


@time_machine.travel(DECEMBER, tick=False)
def test_request_above_10_mb_is_413(web, people, upload_folder):
    client = web(people["coord_a"])
    big = b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024) + b"\n%%EOF\n"
    response = upload(client, "/monitoring/plans/new", plan_form(people), big)
    assert response.status_code == 413
    assert fresh(MunicipalPlan) == []
    assert stored_files(upload_folder) == []


@time_machine.travel(DECEMBER, tick=False)
def test_the_file_itself_is_checked_against_the_limit(web, people, upload_folder, monkeypatch):
    # The request fits MAX_CONTENT_LENGTH, the file exceeds the file limit.
    monkeypatch.setattr(uploads, "MAX_PDF_BYTES", len(PDF) - 1)
    client = web(people["coord_a"])
    response = upload(client, "/monitoring/plans/new", plan_form(people), PDF)
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)
    assert fresh(MunicipalPlan) == []
    assert stored_files(upload_folder) == []


@time_machine.travel(DECEMBER, tick=False)
def test_replace_removes_the_old_file_and_a_refused_save_leaves_none(web, people, upload_folder):
    client = web(people["coord_a"])
    upload(client, "/monitoring/plans/new", plan_form(people), PDF)
    plan = fresh(MunicipalPlan)[0]
    first = plan.document
    second_pdf = pdfs.pdf("second version")
    response = upload(client, f"/monitoring/plans/{plan.id}/edit", plan_form(people), second_pdf)
    assert response.status_code == 302
    plan = fresh(MunicipalPlan)[0]
    assert plan.document != first
    assert stored_files(upload_folder) == [plan.document]
    # A refused edit (approval date in the future) keeps the old document and stores nothing.
    response = upload(
        client,
        f"/monitoring/plans/{plan.id}/edit",
        plan_form(people, approved_on="2022-01-01"),
        PDF,
    )
    assert response.status_code == 400
    assert fresh(MunicipalPlan)[0].document == plan.document
    assert stored_files(upload_folder) == [plan.document]
    # Deleting the plan deletes its file.
    post(client, f"/monitoring/plans/{plan.id}/delete")
    assert fresh(MunicipalPlan) == []
    assert stored_files(upload_folder) == []


@pytest.mark.parametrize(
    "failure",
    [
        sa.exc.OperationalError("UPDATE", {}, Exception("database is locked")),
        RuntimeError("a bug after the file was stored"),
    ],
)
@time_machine.travel(DECEMBER, tick=False)
def test_a_save_that_fails_after_storing_the_file_leaves_none(
    web, people, upload_folder, monkeypatch, failure
):
    """Whatever ends the request's transaction without a commit takes the new file with it;
    the old one stays with the plan that still refers to it."""
    client = web(people["coord_a"])
    upload(client, "/monitoring/plans/new", plan_form(people), PDF)
    plan = fresh(MunicipalPlan)[0]
    kept = plan.document

    def fail(plan, stored_name):
        raise failure

    monkeypatch.setattr("partnercrm.monitoring.services.set_plan_document", fail)
    client.application.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        response = upload(client, f"/monitoring/plans/{plan.id}/edit", plan_form(people), PDF)
    finally:
        client.application.config["PROPAGATE_EXCEPTIONS"] = None
    assert response.status_code in (500, 503)
    assert fresh(MunicipalPlan)[0].document == kept
    assert stored_files(upload_folder) == [kept]


@pytest.fixture
def plan_with_pdf(people, upload_folder):
    (upload_folder / PLAN_DOCUMENTS).mkdir(parents=True, exist_ok=True)
    name = uploads.new_stored_name()
    (upload_folder / PLAN_DOCUMENTS / name).write_bytes(PDF)
    plan = MunicipalPlan(
        municipality=people["kgd"], year=2021, approved_on=date(2021, 2, 1), document=name
    )
    db.session.add(plan)
    db.session.commit()
    return plan


@pytest.mark.parametrize("role", ["admin", "coord_a"])
@time_machine.travel(DECEMBER, tick=False)
def test_download_is_an_attachment_for_allowed_roles(web, people, plan_with_pdf, role):
    response = web(people[role]).get(f"/monitoring/plans/{plan_with_pdf.id}/document")
    assert response.status_code == 200
    assert response.data == PDF
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''" in disposition
    assert "%D0%9A%D0%B0%D0%BB%D0%B8%D0%BD%D0%B8%D0%BD%D0%B3%D1%80%D0%B0%D0%B4" in disposition
    assert plan_with_pdf.document not in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]


@pytest.mark.parametrize("role", ["coord_b", "school", "college", "employer", "employment_center"])
@time_machine.travel(DECEMBER, tick=False)
def test_download_refused_for_other_roles(web, people, plan_with_pdf, role):
    assert (
        web(people[role]).get(f"/monitoring/plans/{plan_with_pdf.id}/document").status_code == 403
    )


@time_machine.travel(DECEMBER, tick=False)
def test_download_anonymous_and_missing(web, people, plan_with_pdf, upload_folder):
    response = web().get(f"/monitoring/plans/{plan_with_pdf.id}/document")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    admin = web(people["admin"])
    assert admin.get("/monitoring/plans/999999/document").status_code == 404
    # A plan without a document, and a document whose file is gone: 404, not 500.
    (upload_folder / PLAN_DOCUMENTS / plan_with_pdf.document).unlink()
    assert admin.get(f"/monitoring/plans/{plan_with_pdf.id}/document").status_code == 404
    db.session.execute(sa.update(MunicipalPlan).values(document=None))
    db.session.commit()
    assert admin.get(f"/monitoring/plans/{plan_with_pdf.id}/document").status_code == 404
