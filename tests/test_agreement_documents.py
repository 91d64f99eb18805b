"""Scanned agreements: PDF only by content, at most 10 MB (413 above), stored under
instance/uploads/agreements/ with a server-made name, earlier versions kept, downloaded as an
attachment by the parties' staff, the coordinator of a party's municipality and admins only."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from partnercrm.agreements.models import AgreementDocument
from partnercrm.extensions import db
from tests import pdfs
from tests.test_agreement_support import (
    client_for,
    make_agreement,
    token,
    world_fixture,  # noqa: F401 (the world fixture)
)


def small_pdf(text: str = "Agreement") -> bytes:
    """A real one-page PDF (tests/pdfs.py); ``text`` makes versions differ."""
    return pdfs.pdf(text)


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02" + b"\0" * 64


@pytest.fixture
def instance(app, tmp_path, monkeypatch) -> Path:
    """A temporary instance folder, so uploads land in <instance>/uploads/agreements/."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    monkeypatch.delitem(app.config, "UPLOAD_FOLDER", raising=False)
    return tmp_path


def upload(client, agreement_id: int, data: bytes, name: str = "скан договора.pdf"):
    return client.post(
        f"/agreements/{agreement_id}/documents",
        data={
            "csrf_token": token(client, f"/agreements/{agreement_id}"),
            "document": (io.BytesIO(data), name, "application/pdf"),
        },
        content_type="multipart/form-data",
    )


def documents(agreement_id: int) -> list[AgreementDocument]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(AgreementDocument)
            .where(AgreementDocument.agreement_id == agreement_id)
            .order_by(AgreementDocument.id)
        )
    )


def test_a_real_pdf_is_stored_under_a_server_made_name(app, world, instance):
    agreement = make_agreement([world.school, world.employer])
    client = client_for(app, world.school_user)
    content = small_pdf()
    response = upload(client, agreement.id, content, name="../../etc/passwd.pdf")
    assert response.status_code == 302
    [document] = documents(agreement.id)
    assert re.fullmatch(r"[0-9a-f]{32}\.pdf", document.stored_name)
    stored = instance / "uploads" / "agreements" / document.stored_name
    assert stored.read_bytes() == content
    assert document.size == len(content)
    assert document.original_name == "../../etc/passwd.pdf"  # shown, never used as a path
    assert document.uploaded_by_id == world.school_user.id
    assert sorted(p.name for p in (instance / "uploads" / "agreements").iterdir()) == [
        document.stored_name
    ]


def test_replacing_keeps_the_earlier_documents(app, world, instance):
    agreement = make_agreement([world.school, world.employer])
    client = client_for(app, world.employer_user)
    assert upload(client, agreement.id, small_pdf("v1"), "v1.pdf").status_code == 302
    assert upload(client, agreement.id, small_pdf("v2"), "v2.pdf").status_code == 302
    first, second = documents(agreement.id)
    assert (instance / "uploads" / "agreements" / first.stored_name).is_file()
    page = client.get(f"/agreements/{agreement.id}").get_data(as_text=True)
    # newest first, both listed
    assert page.index("v2.pdf") < page.index("v1.pdf")
    for document in (first, second):
        assert f"/agreements/{agreement.id}/documents/{document.id}" in page


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (PNG, "scan.pdf"),  # a picture named .pdf
        (b"Just some text, not a PDF at all.\n", "agreement.pdf"),
        (b"%PDF-1.4\n" + b"truncated" * 10, "broken.pdf"),  # no end-of-file marker
        (b"", "empty.pdf"),
    ],
)
def test_anything_but_a_pdf_is_refused(app, world, instance, content, name):
    agreement = make_agreement([world.school, world.employer])
    client = client_for(app, world.school_user)
    response = upload(client, agreement.id, content, name)
    assert response.status_code == 400
    assert documents(agreement.id) == []
    folder = instance / "uploads" / "agreements"
    assert not folder.exists() or list(folder.iterdir()) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (pdfs.with_open_action_javascript(), "содержит сценарии или действия"),
        (pdfs.with_launch_link(), "содержит сценарии или действия"),
        (pdfs.with_embedded_file(), "содержит вложенные файлы"),
        (pdfs.damaged(), "повреждён"),
        (pdfs.truncated(), "повреждён"),
    ],
)
def test_a_pdf_that_acts_hides_files_or_does_not_parse_is_refused(
    app, world, instance, content, message
):
    agreement = make_agreement([world.school, world.employer])
    client = client_for(app, world.school_user)
    response = upload(client, agreement.id, content, "договор.pdf")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert documents(agreement.id) == []
    folder = instance / "uploads" / "agreements"
    assert not folder.exists() or list(folder.iterdir()) == []


def test_no_file_chosen(app, world, instance):
    agreement = make_agreement([world.school, world.employer])
    client = client_for(app, world.school_user)
    response = client.post(
        f"/agreements/{agreement.id}/documents",
        data={"csrf_token": token(client, f"/agreements/{agreement.id}")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert documents(agreement.id) == []


def test_more_than_10_mb_answers_413_with_a_clear_message(app, world, instance):
    agreement = make_agreement([world.school, world.employer])
    client = client_for(app, world.school_user, lang="en")
    big = small_pdf()[:-6] + b"0" * (10 * 1024 * 1024) + b"%%EOF\n"
    response = upload(client, agreement.id, big)
    assert response.status_code == 413
    assert "10 MB" in response.get_data(as_text=True)
    assert documents(agreement.id) == []


def test_only_editors_upload(app, world, instance):
    agreement = make_agreement([world.school, world.employer])
    outsider = client_for(app, world.other_school_user)
    response = outsider.post(
        f"/agreements/{agreement.id}/documents",
        data={
            "csrf_token": token(outsider, "/agreements/"),
            "document": (io.BytesIO(small_pdf()), "x.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 404
    assert documents(agreement.id) == []


DOWNLOADS = {
    "admin": 200,
    "coordinator": 200,
    "south_coordinator": 404,
    "school_user": 200,
    "employer_user": 200,
    "college_user": 404,
    "other_school_user": 404,
    "other_employer_user": 404,
}


@pytest.mark.parametrize(("who", "status"), list(DOWNLOADS.items()))
def test_download_is_an_attachment_for_allowed_users_only(app, world, instance, who, status):
    agreement = make_agreement([world.school, world.employer], number="12/А")
    content = small_pdf()
    assert upload(client_for(app, world.school_user), agreement.id, content).status_code == 302
    [document] = documents(agreement.id)
    response = client_for(app, getattr(world, who)).get(
        f"/agreements/{agreement.id}/documents/{document.id}"
    )
    assert response.status_code == status
    if status == 200:
        assert response.data == content
        assert response.mimetype == "application/pdf"
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert "no-store" in response.headers["Cache-Control"]
    else:
        assert response.data != content


def test_a_document_is_reached_only_through_its_own_agreement(app, world, instance):
    mine = make_agreement([world.school, world.employer], number="1")
    theirs = make_agreement([world.other_school, world.college], number="2")
    upload(client_for(app, world.other_school_user), theirs.id, small_pdf())
    [document] = documents(theirs.id)
    client = client_for(app, world.school_user)
    assert client.get(f"/agreements/{mine.id}/documents/{document.id}").status_code == 404
    assert client.get(f"/agreements/{theirs.id}/documents/{document.id}").status_code == 404
    assert client.get(f"/agreements/{mine.id}/documents/9999").status_code == 404
