"""Security headers, CSRF on every form, error pages without internals, safe production config, cookie flags."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select, text
from werkzeug.routing import AnyConverter, IntegerConverter

from core.database import db
from installer_portal.accounts.models import User
from installer_portal.app import create_app
from installer_portal.config import UnsafeConfiguration, check_production, load
from tests.conftest import csrf_token, make_app
from tests.factories import PASSWORD, UserFactory
from tests.helpers import STRONG, log_in

# Helpers ---------------------------------------------------------------------------------------


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.inline: list[str] = []
        self._open: str | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._open = tag

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        if self._open in ("script", "style") and data.strip():
            self.inline.append(data)

    def handle_endtag(self, tag):
        self._open = None


def parse(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return parser


def make_user(app, **kwargs) -> str:
    with app.app_context():
        email = UserFactory(**kwargs).email
        db.session.remove()
    return email


def logged_in(app, client, **kwargs) -> str:
    email = make_user(app, **kwargs)
    response = log_in(client, email)
    assert response.status_code == 302, "the login did not succeed"
    return email


def snapshot(app) -> dict[str, list[tuple]]:
    """Every row of every table."""
    with app.app_context():
        rows = {table.name: sorted(map(tuple, db.session.execute(select(table)).all()), key=repr)
                for table in db.metadata.sorted_tables}
        db.session.remove()
    return rows


def set_cookies(response) -> dict[str, dict[str, str]]:
    """Set-Cookie headers by cookie name: {"value": ..., "httponly": "", "samesite": "Lax", ...}."""
    cookies = {}
    for header in response.headers.getlist("Set-Cookie"):
        first, *attributes = [part.strip() for part in header.split(";")]
        name, _, value = first.partition("=")
        parsed = {"value": value}
        for attribute in attributes:
            key, _, attribute_value = attribute.partition("=")
            parsed[key.lower()] = attribute_value
        cookies[name] = parsed
    return cookies


def assert_security_headers(response, where: str) -> None:
    headers = response.headers
    policy = headers.get("Content-Security-Policy", "")
    directives = {part.strip() for part in policy.split(";")}
    assert "default-src 'self'" in directives, where
    assert "script-src 'self'" in directives, where
    assert "frame-ancestors 'none'" in directives, where
    assert "object-src 'none'" in directives, where
    assert "base-uri 'none'" in directives, where
    assert "'unsafe-inline'" not in policy, where
    assert "'unsafe-eval'" not in policy, where
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Referrer-Policy") == "same-origin", where


# HDR-01 ----------------------------------------------------------------------------------------


@pytest.mark.req("HDR-01")
def test_public_pages_and_error_pages_carry_the_security_headers(client):
    for url, status in [("/", 200), ("/sign-up", 200), ("/login", 200), ("/help/eu/faq", 200),
                        ("/no-such-page", 404), ("/logout", 405)]:
        response = client.get(url)
        assert response.status_code == status, url
        assert_security_headers(response, url)


@pytest.mark.req("HDR-01")
def test_pages_seen_while_logged_in_carry_the_headers_and_are_not_stored(app, client):
    logged_in(app, client)
    for url in ["/account/", "/account/profile", "/account/password", "/help/eu/faq", "/no-such-page"]:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert_security_headers(response, url)
        assert "no-store" in response.headers.get("Cache-Control", ""), url


@pytest.mark.req("HDR-01")
def test_pages_use_no_inline_script_or_style_that_the_policy_would_block(app, client, other_client):
    logged_in(app, other_client)
    pages = [client.get(url) for url in ["/", "/sign-up", "/login", "/help/eu/faq", "/terms"]]
    pages += [other_client.get(url) for url in ["/account/", "/account/profile"]]
    for page in pages:
        parsed = parse(page.get_data(as_text=True))
        assert parsed.inline == [], page.request.path
        for tag, attributes in parsed.tags:
            assert "style" not in attributes, (page.request.path, tag)
            assert not any(name.startswith("on") for name in attributes), (page.request.path, tag)


# CSRF-01 / CSRF-04 -----------------------------------------------------------------------------


def _post_rules(app):
    adapter = app.url_map.bind("localhost")
    rules = [rule for rule in app.url_map.iter_rules() if "POST" in rule.methods]
    def sample(rule, argument):
        converter = rule._converters[argument]
        if isinstance(converter, AnyConverter):
            return sorted(converter.items)[0]
        return 1 if isinstance(converter, IntegerConverter) else "x"

    return [(rule, adapter.build(rule.endpoint, {a: sample(rule, a) for a in rule.arguments}, method="POST"))
            for rule in rules]


@pytest.mark.req("CSRF-01")
@pytest.mark.parametrize("who", ["confirmed user", "anonymous"])
def test_every_post_route_without_a_csrf_token_is_refused_and_changes_nothing(app, client, who):
    email = make_user(app, with_profile=True)
    make_user(app, unconfirmed=True, email="waiting@example.com")
    if who == "confirmed user":
        assert log_in(client, email).status_code == 302
    # What a forged form would send: enough for every form to act if the token were not checked.
    payload = {"email": email, "password": PASSWORD, "confirm_password": PASSWORD, "current_password": PASSWORD,
               "region": "eu", "terms": "y", "remember": "y", "language": "nb", "next": "/help",
               "first_name": "Forged", "last_name": "Name", "phone": "+4740612399", "country": "NO",
               "locale": "nl", "company_name": "Forgery AS"}
    rules = _post_rules(app)
    assert {"/sign-up", "/login", "/logout", "/language", "/account/profile", "/account/password"} <= {
        url for _rule, url in rules}

    for rule, url in rules:
        before = snapshot(app)
        response = client.post(url, data=payload)
        after = snapshot(app)

        assert after == before, url
        if response.status_code == 303:
            # The recovery: back to the same form, to send it again with a fresh token.
            assert urlsplit(response.headers["Location"]).path == url, url
            assert "GET" in rule.methods, url
        else:
            assert response.status_code == 400, url
            assert 'data-status="400"' in response.get_data(as_text=True), url


@pytest.mark.req("CSRF-04")
def test_a_rejected_form_token_brings_the_form_back_with_what_was_typed_but_never_the_password(app, client):
    client.get("/sign-up")
    typed = {"region": "na", "email": "typed.by.hand@example.com", "password": STRONG, "confirm_password": STRONG,
             "terms": "y"}

    response = client.post("/sign-up", data={**typed, "csrf_token": "a token from a session that expired"})

    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == "/sign-up"
    with app.app_context():
        assert db.session.scalars(select(User)).all() == []
        cookie = client.raw.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
        stored = str(app.session_interface.get_signing_serializer(app).loads(cookie))
    assert "typed.by.hand@example.com" in stored
    assert STRONG not in stored

    page = client.get("/sign-up")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    tags = parse(html).tags
    inputs = {attributes.get("name"): attributes for tag, attributes in tags
              if tag == "input" and attributes.get("type") != "radio"}
    assert inputs["email"].get("value") == "typed.by.hand@example.com"
    assert not inputs["password"].get("value")
    assert not inputs["confirm_password"].get("value")
    checked = [attributes["value"] for tag, attributes in tags
               if tag == "input" and attributes.get("name") == "region" and "checked" in attributes]
    assert checked == ["na"]
    assert any("flash-error" in (attributes.get("class") or "") for _tag, attributes in tags)
    assert STRONG not in html

    # With the page's fresh token the same input goes through.
    retry = client.submit("/sign-up", {"password": STRONG, "confirm_password": STRONG,
                                       **{k: v for k, v in typed.items() if "password" not in k}})
    assert retry.status_code == 302
    assert retry.headers["Location"].endswith("/sign-up/check-email")
    with app.app_context():
        (user,) = db.session.scalars(select(User)).all()
        assert (user.email, user.region) == ("typed.by.hand@example.com", "na")


def test_the_refilled_form_is_shown_once_only(client):
    client.get("/sign-up")
    client.post("/sign-up", data={"email": "once@example.com", "csrf_token": "stale"})
    assert "once@example.com" in client.get("/sign-up").get_data(as_text=True)
    assert "once@example.com" not in client.get("/sign-up").get_data(as_text=True)


# Pages reference only this site; the page language --------------------------------------------

PUBLIC_PAGES = ["/", "/sign-up", "/login", "/forgot-password", "/confirm/resend", "/help", "/help/eu/faq",
                "/help/na/faq", "/help/eu/support", "/help/na/support", "/terms", "/sign-up/check-email",
                "/no-such-page"]
OWN_HOSTS = {"", "localhost", "portal.test"}


def _foreign_references(html: str) -> list[str]:
    foreign = []
    for _tag, attributes in parse(html).tags:
        for name in ("src", "href", "action", "srcset", "poster", "formaction", "data"):
            value = attributes.get(name)
            if not value:
                continue
            for url in ([part.strip().split(" ")[0] for part in value.split(",")] if name == "srcset" else [value]):
                parts = urlsplit(url.strip())
                if parts.scheme in ("mailto", "tel"):
                    continue
                if parts.scheme not in ("", "http", "https") or parts.netloc not in OWN_HOSTS:
                    foreign.append(url)
    return foreign


@pytest.mark.parametrize("language", ["en", "nb", "nl"])
def test_public_pages_reference_only_this_site_and_declare_their_language(client, language):
    for url in PUBLIC_PAGES:
        response = client.get(url, headers={"Accept-Language": language})
        assert response.status_code in (200, 404), url
        html = response.get_data(as_text=True)
        assert _foreign_references(html) == [], (url, language)
        (lang,) = [attributes.get("lang") for tag, attributes in parse(html).tags if tag == "html"]
        # A region's help pages write English the region's way ("en-GB", "en-US").
        assert lang.partition("-")[0] == language, url


def test_pages_of_a_logged_in_person_reference_only_this_site_and_use_their_language(app, client):
    logged_in(app, client, with_profile=True, locale="nl")
    for url in ["/account/", "/account/profile", "/account/password", "/help/eu/faq"]:
        response = client.get(url, headers={"Accept-Language": "nb"})
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert _foreign_references(html) == [], url
        (lang,) = [attributes.get("lang") for tag, attributes in parse(html).tags if tag == "html"]
        assert lang == "nl", url


# HDR-02 ----------------------------------------------------------------------------------------


@pytest.mark.req("HDR-02")
def test_an_unexpected_error_gives_a_generic_500_page_without_internals(database_url, tmp_path):
    broken = make_app(database_url, tmp_path, PROPAGATE_EXCEPTIONS=False)

    @broken.route("/explode")
    def explode():
        raise RuntimeError("internal detail /srv/portal/secret_module.py line 42")

    @broken.route("/bad-sql")
    def bad_sql():
        db.session.execute(text("SELECT secret_column FROM no_such_table_here"))
        return "unreachable"

    try:
        client = broken.test_client()
        for url in ["/explode", "/bad-sql"]:
            response = client.get(url)
            assert response.status_code == 500, url
            assert response.mimetype == "text/html", url
            body = response.get_data(as_text=True)
            assert 'data-status="500"' in body, url
            for leak in ["Traceback", "RuntimeError", "internal detail", "/srv/", ".py", "site-packages",
                         "no_such_table_here", "secret_column", "SELECT", "sqlalchemy", "psycopg", "sqlite3"]:
                assert leak not in body, (url, leak)
            assert_security_headers(response, url)
        # The app is still fine afterwards (the failed transaction was rolled back).
        assert client.get("/healthz").status_code == 200
    finally:
        with broken.app_context():
            db.session.remove()
            db.engine.dispose()


# Production configuration ----------------------------------------------------------------------

SAFE_PRODUCTION_ENV = {
    "PORTAL_ENV": "production",
    "SECRET_KEY": "k" * 48,
    "DATABASE_URL": "postgresql://portal@db.internal/portal",
    "PUBLIC_BASE_URL": "https://portal.example.com",
    "SMTP_HOST": "smtp.example.com",
    "MAIL_FROM": "Installer Portal <no-reply@portal.example.com>",
    "REDIS_URL": "redis://cache.internal:6379/0",
}


def test_a_safe_production_configuration_passes_the_check(tmp_path):
    config = load(tmp_path, environ=SAFE_PRODUCTION_ENV)

    assert config["SECRET_KEY_FROM_ENV"] is True
    assert config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")
    assert check_production(config) == []
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize(("change", "named"), [
    ({"SECRET_KEY": None}, "SECRET_KEY"),
    ({"SECRET_KEY": "too-short-secret"}, "SECRET_KEY"),
    ({"DATABASE_URL": None}, "DATABASE_URL"),
    ({"PUBLIC_BASE_URL": "http://portal.example.com"}, "PUBLIC_BASE_URL"),
    ({"SMTP_HOST": None}, "SMTP_HOST"),
    ({"MAIL_FROM": None}, "MAIL_FROM"),
    ({"REDIS_URL": None}, "REDIS_URL"),
])
def test_each_unsafe_production_setting_is_named(tmp_path, change, named):
    environ = {key: value for key, value in {**SAFE_PRODUCTION_ENV, **change}.items() if value is not None}

    problems = check_production(load(tmp_path, environ=environ))

    assert len(problems) == 1
    assert named in problems[0]


def test_debug_mode_is_refused_in_production(tmp_path):
    config = {**load(tmp_path, environ=SAFE_PRODUCTION_ENV), "DEBUG": True}
    assert len(check_production(config)) == 1


def test_the_app_refuses_to_start_in_production_with_unsafe_settings():
    with pytest.raises(UnsafeConfiguration) as refused:
        create_app({"PORTAL_ENV": "production"})
    for name in ["DATABASE_URL", "PUBLIC_BASE_URL", "SMTP_HOST", "MAIL_FROM", "REDIS_URL"]:
        assert name in str(refused.value)


# Cookies (SES-01) ------------------------------------------------------------------------------


@pytest.mark.req("SES-01")
def test_login_cookies_are_http_only_and_same_site_lax(app, client):
    email = make_user(app)
    response = log_in(client, email, remember=True)

    assert response.status_code == 302
    cookies = set_cookies(response)
    for name in ("session", "remember"):
        assert name in cookies, name
        assert "httponly" in cookies[name], name
        assert cookies[name].get("samesite", "").lower() == "lax", name


@pytest.mark.req("SES-01")
def test_with_an_https_address_the_cookies_are_secure_host_prefixed(app, database_url, tmp_path):
    config = load(tmp_path, environ={"PUBLIC_BASE_URL": "https://portal.test", "SECRET_KEY": "s" * 48})
    assert (config["SESSION_COOKIE_NAME"], config["REMEMBER_COOKIE_NAME"]) == ("__Host-session", "__Host-remember")
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["REMEMBER_COOKIE_SECURE"] is True

    cookie_settings = {key: value for key, value in config.items()
                       if key.startswith(("SESSION_COOKIE_", "REMEMBER_COOKIE_"))}
    secure_app = make_app(database_url, tmp_path, PUBLIC_BASE_URL="https://portal.test", **cookie_settings)
    try:
        email = make_user(app)
        client = secure_app.test_client()
        page = client.get("/login", base_url="https://portal.test")
        token = csrf_token(page.get_data(as_text=True))
        response = client.post("/login", base_url="https://portal.test",
                               data={"email": email, "password": PASSWORD, "remember": "y", "csrf_token": token},
                               headers={"Referer": "https://portal.test/login"})  # strict CSRF over https

        assert response.status_code == 302
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")
        cookies = set_cookies(response)
        for name in ("__Host-session", "__Host-remember"):
            assert name in cookies, name
            assert "secure" in cookies[name], name
            assert "httponly" in cookies[name], name
            assert cookies[name].get("path") == "/", name
            assert "domain" not in cookies[name], name
    finally:
        with secure_app.app_context():
            db.session.remove()
            db.engine.dispose()


# Request size (UPL-01) -------------------------------------------------------------------------


def _multipart(total: int) -> tuple[bytes, str]:
    """A multipart body of exactly `total` bytes holding one file."""
    boundary = "portal-test-boundary"
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="big.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    return head + b"\xff" * (total - len(head) - len(tail)) + tail, f"multipart/form-data; boundary={boundary}"


@pytest.mark.req("UPL-01")
def test_a_request_over_the_size_limit_gets_the_friendly_413_page(app, client):
    limit = app.config["MAX_CONTENT_LENGTH"]
    assert limit == 10 * 1024 * 1024
    client.get("/sign-up")

    body, content_type = _multipart(limit + 1)
    response = client.post("/sign-up", data=body, content_type=content_type)

    assert response.status_code == 413
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert 'data-status="413"' in html
    assert "Traceback" not in html
    assert_security_headers(response, "413")

    # Exactly at the limit the request is read (and then refused only for its missing token).
    body, content_type = _multipart(limit)
    assert client.post("/sign-up", data=body, content_type=content_type).status_code != 413
