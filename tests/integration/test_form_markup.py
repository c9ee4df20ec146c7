"""Every field is labelled, and its help and errors are tied to it for screen readers."""

from __future__ import annotations

import re

from tests.helpers import HOME, log_in, make_user

PUBLIC_FORMS = ["/sign-up", "/login", "/forgot-password", "/confirm/resend"]


def fields(html: str) -> list[str]:
    return re.findall(r"<(?:input|select|textarea)\b[^>]*>", html)


def assert_accessible(html: str) -> None:
    for tag in fields(html):
        assert '"None"' not in tag, tag
        if 'type="hidden"' in tag or 'type="submit"' in tag:
            continue
        field_id = re.search(r'\sid="([^"]+)"', tag).group(1)
        assert f'for="{field_id}"' in html, f"no label for {field_id}"
        described = re.search(r'aria-describedby="([^"]+)"', tag)
        for target in (described.group(1).split() if described else []):
            assert f'id="{target}"' in html, f"{field_id} points at missing {target}"


def test_public_forms_label_every_field_and_describe_only_what_exists(client):
    for url in PUBLIC_FORMS:
        assert_accessible(client.get(url).get_data(as_text=True))


def test_a_refused_form_marks_the_invalid_fields_and_ties_the_errors_to_them(client):
    response = client.submit("/sign-up", {"email": "not-an-email"})
    html = response.get_data(as_text=True)
    assert_accessible(html)
    email = next(tag for tag in fields(html) if 'id="email"' in tag)
    assert 'aria-invalid="true"' in email
    assert "email-error" in email


def test_account_forms_label_every_field(app, client):
    log_in(client, make_user(app))
    for url in (f"{HOME}profile", f"{HOME}password"):
        assert_accessible(client.get(url).get_data(as_text=True))
