"""The journey a new installer walks on a phone: sign-up → email link → log in → profile.

Headless Debian Chromium driven by Playwright, 360x740, against the app served on loopback,
with mail read from the real test SMTP server.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, translated
from tests.conftest import deliver, text_body
from tests.helpers import STRONG

pytestmark = pytest.mark.browser

@pytest.mark.parametrize(("language", "country", "phone"), [
    ("en", "GB", "07400 123456"),
    ("nl", "NL", "06 12345678"),
    ("nb", "NO", "406 12 345"),
])
def test_sign_up_confirm_and_complete_profile_on_a_phone(app, smtp_server, smtp, live_url, phone_context,
                                                          language, country, phone):
    # A long address, as company mailboxes are: it must wrap inside its box, not stick out of the page.
    address = f"firstname.lastname.installer.{language}@installatiebedrijf-voorbeeld.example.com"
    context = phone_context(language)
    requested_hosts = set()
    page = context.new_page()
    page.on("request", lambda request: requested_hosts.add(urlsplit(request.url).netloc))
    shots = ARTIFACTS / f"journey-{language}"
    shots.mkdir(parents=True, exist_ok=True)

    # The start page, in the browser's language.
    page.goto(live_url + "/")
    expect(page.locator("html")).to_have_attribute("lang", re.compile(rf"^{language}(-[A-Z]{{2}})?$"))
    expect(page.locator("h1")).to_have_text(translated(app, "Become a certified EV-charger installer", language))
    page.screenshot(path=shots / "1-start.png", full_page=True)

    # Sign up.
    page.locator("main a[href='/sign-up']").click()
    expect(page.locator("h1")).to_have_text(translated(app, "Sign up", language))
    page.get_by_label(translated(app, "Europe & UK", language)).check()
    page.get_by_label(translated(app, "Email address", language)).fill(address)
    page.get_by_label(translated(app, "Password", language), exact=True).fill(STRONG)
    page.get_by_label(translated(app, "Confirm password", language)).fill(STRONG)
    page.get_by_label(translated(app, "I accept the terms and conditions.", language)).check()
    page.screenshot(path=shots / "2-sign-up.png", full_page=True)
    page.locator("main form button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/sign-up/check-email$"))
    expect(page.locator("[data-msg=confirm_sent]")).to_contain_text(address)
    page.screenshot(path=shots / "3-check-email.png", full_page=True)

    # The confirmation mail arrives over SMTP, in the chosen language.
    deliver(app, smtp_server)
    (message,) = smtp.to(address)
    assert message["Content-Language"] == language
    assert message["Subject"] == translated(app, "Confirm your account", language)
    link = re.search(r"https?://\S+/confirm/\S+", text_body(message)).group(0)
    assert link.startswith(live_url)

    page.goto(link)
    expect(page.locator("[data-msg=email_confirmed]")).to_be_visible()
    assert page.url.endswith("/confirm/done")  # the token is no longer in the address bar
    page.screenshot(path=shots / "4-confirmed.png", full_page=True)

    # Log in; the login page sends us on to the profile.
    page.locator("main a.button").click()
    page.get_by_label(translated(app, "Email address", language)).fill(address)
    page.get_by_label(translated(app, "Password", language), exact=True).fill(STRONG)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/account/profile$"))
    expect(page.locator("h1")).to_have_text(translated(app, "Complete your profile", language))

    # Complete the profile.
    page.get_by_label(translated(app, "First name", language)).fill("Sam")
    page.get_by_label(translated(app, "Last name", language)).fill("Visser")
    page.get_by_label(translated(app, "Country", language)).select_option(country)
    page.get_by_label(translated(app, "Mobile phone", language)).fill(phone)
    page.get_by_label(translated(app, "Preferred language", language)).select_option(language)
    page.screenshot(path=shots / "5-profile.png", full_page=True)
    page.locator("main form button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/account/$"))
    expect(page.locator(".flash")).to_have_text(translated(app, "Your profile is complete.", language))
    expect(page.locator("[data-msg=complete_profile]")).to_have_count(0)
    expect(page.locator("html")).to_have_attribute("lang", re.compile(rf"^{language}(-[A-Z]{{2}})?$"))
    page.screenshot(path=shots / "6-home.png", full_page=True)

    # Every request went to the app itself: no CDN, no third-party host.
    assert requested_hosts == {urlsplit(live_url).netloc}
    context.close()
