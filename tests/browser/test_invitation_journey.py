"""From a passed quiz to an installer account, and a support reissue, on a phone in English, Dutch and Norwegian.

1. A learner passes the certification quiz in the browser; the invitation arrives over SMTP in their language;
   its link sets up the installer account.
2. A second learner's invitation is reissued by a support staff member from the console on a phone;
   the old link then fails and the new one works.
"""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from playwright.sync_api import expect

from core.database import utcnow
from tests.browser.conftest import ARTIFACTS, translated
from tests.conftest import PortalClient, deliver, text_body
from tests.factories import PASSWORD
from tests.helpers import log_in, make_user
from tests.learning import (
    SLUG,
    TEXT_LESSONS,
    VIDEO_LESSON,
    VIDEO_SECONDS,
    answers,
    finish_lessons,
    import_test_course,
    lesson_titles,
    start_attempt,
    submit,
)

pytestmark = pytest.mark.browser



def log_in_page(page, live_url, email, next_path=""):
    page.goto(live_url + "/login" + (f"?next={next_path}" if next_path else ""))
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()


def invitation_link(app, smtp_server, smtp, email, language: str) -> str:
    deliver(app, smtp_server)
    messages = [m for m in smtp.to(email) if "/invitation/" in text_body(m)]
    assert messages, f"no invitation mail for {email}"
    message = messages[-1]
    assert message["Content-Language"] == language
    assert message["Subject"] == translated(app, "Set up your installer account", language)
    return re.search(r"https?://\S+/invitation/\S+", text_body(message)).group(0)


def set_up_installer_account(app, page, link, shots, name, language: str):
    t = lambda text: translated(app, text, language)  # noqa: E731
    page.goto(link)
    expect(page).to_have_url(re.compile(r"/invitation/setup$"))  # the token left the address bar
    expect(page.locator("h1")).to_have_text(t("Set up your installer account"))
    expect(page.locator("[data-msg=setup_certificate]")).to_be_visible()
    page.get_by_label(t("Trading name or employer")).fill("Visser Installatietechniek")
    page.get_by_label(t("I accept the installer terms.")).check()
    page.screenshot(path=shots / f"{name}-setup.png", full_page=True)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/installer/$"))
    expect(page.locator("[data-msg=installer_home]")).to_be_visible()
    page.screenshot(path=shots / f"{name}-installer-home.png", full_page=True)


@pytest.mark.parametrize("language", ["en", "nl", "nb"])
def test_certification_invitation_and_support_reissue_on_a_phone(app, smtp_server, smtp, live_url, phone_context,
                                                                 language):
    import_test_course(app)
    first = make_user(app, with_profile=True, locale=language, email="sam.visser@example.com",
                      first_name="Sam", last_name="Visser")
    second = make_user(app, with_profile=True, locale=language, email="lotte.jansen@example.com",
                       first_name="Lotte", last_name="Jansen")
    staff = make_user(app, support=True, locale=language, email="desk@example.com")
    shots = ARTIFACTS / f"invitation-{language}"
    titles = lesson_titles(language)
    shots.mkdir(parents=True, exist_ok=True)
    t = lambda text: translated(app, text, language)  # noqa: E731
    hosts = set()

    # 1. The first learner finishes the lessons and passes the quiz in the browser.
    context = phone_context(language)
    context.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    page = context.new_page()
    log_in_page(page, live_url, first)
    page.goto(f"{live_url}/learn/{SLUG}/lessons/{TEXT_LESSONS[0]}")
    page.locator("[data-msg=continue]").click()
    expect(page.locator("#lesson-title")).to_have_text(titles["proving-dead"])
    page.goto(f"{live_url}/learn/{SLUG}/lessons/{VIDEO_LESSON}")
    token = page.locator("video").get_attribute("data-csrf")
    with time_machine.travel(utcnow() + timedelta(seconds=VIDEO_SECONDS + 1), tick=True):
        response = page.request.post(f"{live_url}/learn/{SLUG}/lessons/{VIDEO_LESSON}/watched",
                                     data={"ranges": [[0, VIDEO_SECONDS]]},
                                     headers={"X-CSRFToken": token, "Accept": "application/json"})
        assert response.json()["complete"] is True
    page.goto(f"{live_url}/learn/{SLUG}/lessons/{VIDEO_LESSON}")
    for title in (titles["rcd-test"], titles["further-reading"]):  # Continue swaps in the next lesson
        page.locator("[data-msg=continue]").click()
        expect(page.locator("#lesson-title")).to_have_text(title)
    page.locator("[data-msg=continue]").click()  # the last lesson leads to the quiz
    expect(page).to_have_url(re.compile(r"/quiz$"))
    page.locator("[data-msg=quiz_start]").click()
    for name, values in answers(app).items():
        for value in values:
            page.locator(f"#{name}-{value}").check()
    page.locator("[data-msg=quiz_submit]").click()
    expect(page.locator("[data-result]")).to_have_attribute("data-result", "passed")

    # The invitation arrives over SMTP, in their language, and its link sets up the installer account.
    link = invitation_link(app, smtp_server, smtp, first, language)
    set_up_installer_account(app, page, link, shots, "first", language)
    context.close()

    # 2. The second learner passed too (through the pages, without a browser); their first mail got lost.
    learner = PortalClient(app.test_client())
    log_in(learner, second)
    finish_lessons(learner)
    submit(learner, start_attempt(learner), answers(app))
    old_link = invitation_link(app, smtp_server, smtp, second, language)

    # A support staff member finds them on a phone and reissues the invitation, giving a reason.
    desk = phone_context(language)
    desk.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    page = desk.new_page()
    log_in_page(page, live_url, staff)
    page.locator("[data-msg=support_link]").click()
    page.get_by_label(t("Find a person by email, name or phone number")).fill("jansen")
    page.locator("main form button[type=submit]").click()
    page.get_by_role("link", name="Lotte Jansen").click()
    expect(page.locator("[data-msg=timeline]")).to_contain_text(t("Invitation sent"))
    page.screenshot(path=shots / "support-person.png", full_page=True)
    page.get_by_text(t("Reissue the invitation"), exact=True).first.click()
    page.locator("#reason-reissue_invitation").fill("De eerste e-mail is niet aangekomen.")
    page.locator("button[data-action=reissue_invitation]").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator("[data-msg=audit_records]")).to_contain_text("De eerste e-mail is niet aangekomen.")
    assert old_link.rsplit("/", 1)[1] not in page.content()  # staff never see the link
    page.screenshot(path=shots / "support-reissued.png", full_page=True)
    # The audit log filtered to this person (by email), and the console's other pages: each is measured
    # on the phone like every page of a journey (the phone_context fixture).
    page.get_by_role("link", name=t("Audit log")).click()
    expect(page.get_by_label(t("Person (email address)"))).to_have_value(second)
    expect(page.locator("main")).to_contain_text("De eerste e-mail is niet aangekomen.")
    page.locator("summary", has_text=t("Menu")).click()
    page.locator(".menu").get_by_role("link", name=t("Support console")).click()
    expect(page).to_have_url(re.compile(r"/support/$"))
    for path in ["/support/stations", "/support/stations/import", "/support/stations/check-photo",
                 "/support/outbox"]:
        page.goto(live_url + path)
        expect(page.locator("h1")).to_be_visible()
    desk.close()

    new_link = invitation_link(app, smtp_server, smtp, second, language)
    assert new_link != old_link

    # The old link now fails; the new one works.
    context = phone_context(language)
    context.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    page = context.new_page()
    log_in_page(page, live_url, second)
    page.goto(old_link)
    expect(page.locator("[data-msg=invitation_problem]")).to_have_attribute("data-problem", "superseded")
    page.screenshot(path=shots / "old-link.png", full_page=True)
    set_up_installer_account(app, page, new_link, shots, "second", language)
    context.close()
    assert hosts == {urlsplit(live_url).netloc}
