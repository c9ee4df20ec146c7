"""The mail outbox and its sender: nothing lost while SMTP is down, nothing sent twice, nothing kept after sending."""

from __future__ import annotations

import email
import email.policy
import re
import threading
from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from core.database import db, utcnow
from core.mail.models import MailStatus, OutboxMessage
from core.mail.services import (
    CLAIM_TIMEOUT,
    MAX_ATTEMPTS,
    SMTPTransport,
    deliver_pending,
    queue_mail,
)
from tests.conftest import BASE_URL, PortalClient, free_port, html_body, link_in, make_app, text_body
from tests.helpers import sign_up


def queue(app, addresses: list[str]) -> list[int]:
    """Queue one mail per address, committed, the way the app queues them; returns the row ids."""
    with app.app_context():
        rows = [queue_mail(address, "sign_up_existing", "en", login_url=f"{BASE_URL}/login",
                           reset_url=f"{BASE_URL}/forgot-password") for address in addresses]
        db.session.commit()
        ids = [row.id for row in rows]
        db.session.remove()
    return ids


def outbox(app) -> list[OutboxMessage]:
    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        db.session.expunge_all()
        db.session.remove()
    return rows


def row(app, row_id: int) -> OutboxMessage:
    return next(message for message in outbox(app) if message.id == row_id)


def run_sender(app, port: int):
    with app.app_context():
        report = deliver_pending(SMTPTransport("127.0.0.1", port, starttls=False, timeout=5))
        db.session.remove()
    return report


# MAIL-01: SMTP down --------------------------------------------------------------------------


@pytest.mark.req("MAIL-01")
def test_sign_up_succeeds_while_smtp_is_down_and_the_mail_is_sent_once_after_the_backoff(
        app, client, smtp, smtp_server):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())

    response = sign_up(client, "offline@example.com")

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/sign-up/check-email")
    (queued,) = outbox(app)
    assert (queued.to_address, queued.status, queued.attempts) == ("offline@example.com", MailStatus.PENDING, 0)

    with app.app_context():
        report = deliver_pending()  # the transport configured: the closed port
        db.session.remove()
    assert (report.sent, report.retrying, report.failed) == (0, 1, 0)
    (waiting,) = outbox(app)
    assert waiting.status == MailStatus.PENDING
    assert waiting.attempts == 1
    assert waiting.last_error
    assert waiting.next_attempt_at > utcnow()
    assert smtp.messages == []

    # SMTP is back, but the backoff has not passed yet: nothing is tried.
    app.config.update(SMTP_PORT=smtp_server.port)
    with app.app_context():
        assert deliver_pending().sent == 0
        db.session.remove()
    assert smtp.messages == []

    with time_machine.travel(waiting.next_attempt_at + timedelta(seconds=1), tick=True), app.app_context():
        first = deliver_pending()
        again = deliver_pending()
        db.session.remove()

    assert (first.sent, again.sent) == (1, 0)
    assert len(smtp.to("offline@example.com")) == 1
    assert len(smtp.messages) == 1
    (sent,) = outbox(app)
    assert (sent.status, sent.attempts, sent.last_error) == (MailStatus.SENT, 2, None)
    assert sent.sent_at is not None


# MAIL-02: parallel senders, takeover, permanent failures -------------------------------------


@pytest.mark.req("MAIL-02")
def test_two_senders_at_once_deliver_each_message_exactly_once(app, smtp, smtp_server):
    ids = queue(app, [f"bulk{number}@example.com" for number in range(40)])
    start = threading.Barrier(2)
    reports, errors = [], []

    def sender():
        try:
            with app.app_context():
                transport = SMTPTransport("127.0.0.1", smtp_server.port, starttls=False, timeout=5)
                start.wait(timeout=10)
                reports.append(deliver_pending(transport))
                db.session.remove()
        except Exception as error:  # re-raised below, in the test's own thread
            errors.append(error)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(reports) == 2
    received = Counter(str(message["Message-ID"]) for message in smtp.messages)
    rows = outbox(app)
    assert set(received) == {message.message_id for message in rows}
    assert len(received) == len(ids) == 40
    assert set(received.values()) == {1}
    assert sum(report.sent for report in reports) == 40
    assert {message.status for message in rows} == {MailStatus.SENT}
    assert {message.attempts for message in rows} == {1}


@pytest.mark.req("MAIL-02")
def test_a_claim_older_than_the_claim_timeout_is_taken_over_and_a_fresh_one_is_left_alone(
        app, smtp, smtp_server):
    stuck_id, busy_id = queue(app, ["stuck@example.com", "busy@example.com"])
    with app.app_context():
        stuck, busy = db.session.get(OutboxMessage, stuck_id), db.session.get(OutboxMessage, busy_id)
        stuck.status = busy.status = MailStatus.SENDING
        stuck.claimed_at = utcnow() - CLAIM_TIMEOUT - timedelta(seconds=5)
        busy.claimed_at = utcnow() - CLAIM_TIMEOUT + timedelta(seconds=60)
        db.session.commit()
        db.session.remove()

    report = run_sender(app, smtp_server.port)

    assert report.sent == 1
    assert len(smtp.to("stuck@example.com")) == 1
    assert smtp.to("busy@example.com") == []
    assert row(app, stuck_id).status == MailStatus.SENT
    assert row(app, busy_id).status == MailStatus.SENDING


@pytest.mark.req("MAIL-02")
def test_a_recipient_refused_with_550_fails_for_good_and_is_not_retried(app, smtp, smtp_server):
    smtp.refuse.add("gone@example.com")
    gone_id, fine_id = queue(app, ["gone@example.com", "fine@example.com"])

    report = run_sender(app, smtp_server.port)

    assert (report.sent, report.retrying, report.failed) == (1, 0, 1)
    gone = row(app, gone_id)
    assert gone.status == MailStatus.FAILED
    assert gone.attempts == 1
    assert gone.last_error.startswith("550")
    assert "5.1.1" in gone.last_error
    assert len(smtp.to("fine@example.com")) == 1
    assert row(app, fine_id).status == MailStatus.SENT

    # Long after any backoff, and with the server now willing: a failed message stays failed.
    smtp.refuse.clear()
    with time_machine.travel(utcnow() + timedelta(days=2), tick=True):
        later = run_sender(app, smtp_server.port)
    assert later.sent == 0
    assert smtp.to("gone@example.com") == []
    assert row(app, gone_id).attempts == 1


@pytest.mark.req("MAIL-02")
def test_the_last_allowed_attempt_marks_a_message_failed(app):
    last_id, earlier_id = queue(app, ["last@example.com", "earlier@example.com"])
    with app.app_context():
        db.session.get(OutboxMessage, last_id).attempts = MAX_ATTEMPTS - 1
        db.session.get(OutboxMessage, earlier_id).attempts = MAX_ATTEMPTS - 2
        db.session.commit()
        db.session.remove()

    report = run_sender(app, free_port())  # nothing listens there

    assert (report.sent, report.retrying, report.failed) == (0, 1, 1)
    last, earlier = row(app, last_id), row(app, earlier_id)
    assert (last.status, last.attempts) == (MailStatus.FAILED, MAX_ATTEMPTS)
    assert last.last_error
    assert (earlier.status, earlier.attempts) == (MailStatus.PENDING, MAX_ATTEMPTS - 1)
    assert earlier.next_attempt_at > utcnow()


# MAIL-03: nothing kept after sending; the mail itself ----------------------------------------


@pytest.mark.req("MAIL-03")
def test_a_sent_message_keeps_no_body_and_no_link_at_rest(app, client, mail):
    sign_up(client, "scrubbed@example.com")
    (before,) = outbox(app)
    assert before.body_text
    assert before.body_html

    (message,) = mail().to("scrubbed@example.com")

    token = link_in(message, "/confirm/").rsplit("/", 1)[1]
    assert len(token) >= 20
    with app.app_context():
        (stored,) = db.session.execute(select(OutboxMessage.__table__)).all()
        db.session.remove()
    values = stored._asdict()
    assert values["status"] == MailStatus.SENT
    assert values["body_text"] is None
    assert values["body_html"] is None
    assert not any(token in str(value) for value in values.values())


@pytest.mark.req("MAIL-03")
def test_mail_has_a_text_and_an_html_part_a_message_id_and_the_configured_sender(app, client, mail):
    sign_up(client, "parts@example.com", headers={"Accept-Language": "nl"})
    (queued,) = outbox(app)

    (message,) = mail().to("parts@example.com")

    assert message.get_content_type() == "multipart/alternative"
    assert "/confirm/" in text_body(message)
    assert "/confirm/" in html_body(message)
    assert "<html" in html_body(message)
    assert str(message["Message-ID"]) == queued.message_id
    assert re.fullmatch(r"<[^<>@\s]+@portal\.test>", queued.message_id)
    assert str(message["From"]) == app.config["MAIL_FROM"]
    assert str(message["To"]) == "parts@example.com"
    assert str(message["Subject"]) == queued.subject
    assert message["Date"] is not None
    assert message["Content-Language"] == "nl"


@pytest.fixture
def outbox_dir(app, tmp_path):
    """An empty folder for the .eml files the sender writes when no SMTP host is set."""
    directory = tmp_path / "outbox"
    app.config["MAIL_OUTBOX_DIR"] = str(directory)
    return directory


@pytest.mark.config(SMTP_HOST="")
def test_without_smtp_host_each_message_is_written_as_an_eml_file_and_its_links_are_echoed(
        app, client, other_client, outbox_dir, capsys):
    directory = outbox_dir
    sign_up(client, "first@example.com")
    sign_up(other_client, "second@example.com")
    queued = outbox(app)
    capsys.readouterr()

    with app.app_context():
        report = deliver_pending()
        db.session.remove()

    assert report.sent == 2
    files = sorted(directory.glob("*.eml"))
    assert len(files) == 2
    written = [email.message_from_bytes(path.read_bytes(), policy=email.policy.default) for path in files]
    assert {str(message["Message-ID"]) for message in written} == {row.message_id for row in queued}
    assert {str(message["To"]) for message in written} == {"first@example.com", "second@example.com"}
    echoed = capsys.readouterr().out
    for message in written:
        assert BASE_URL + link_in(message, "/confirm/") in echoed
    assert {row.status for row in outbox(app)} == {MailStatus.SENT}


def test_the_development_outbox_page_does_not_exist_by_default(client):
    assert client.get("/dev/outbox").status_code == 404


def test_the_development_outbox_page_lists_subject_and_link_when_dev_pages_are_on(database_url, tmp_path):
    dev_app = make_app(database_url, tmp_path, DEV_PAGES=True)
    try:
        dev_client = PortalClient(dev_app.test_client())
        sign_up(dev_client, "newcomer@example.com")
        with dev_app.app_context():
            assert deliver_pending().sent == 1
            db.session.remove()
        (path,) = (tmp_path / "outbox").glob("*.eml")
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        link = BASE_URL + link_in(message, "/confirm/")

        page = dev_client.get("/dev/outbox")

        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert str(message["Subject"]) in html
        assert f'href="{link}"' in html
        assert "newcomer@example.com" in html
    finally:
        with dev_app.app_context():
            db.session.remove()
            db.engine.dispose()
