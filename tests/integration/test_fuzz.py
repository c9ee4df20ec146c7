"""Hostile input on every page and form, as every kind of person: the answer is never a 500.

The walker logs in as a stranger, a learner, an installer and a support staff member, crawls the pages each can
reach, collects their forms and the app's routes, and hypothesis sends mutated submissions: control characters,
10,000-character strings, huge, negative and Unicode-digit numbers, HTML and SQL payloads, missing, duplicated and
wrongly typed fields, files where text is expected and text where files are. On PostgreSQL (CI runs the suite
there too) NUL bytes and out-of-range integers fail differently from SQLite, which is why the audit found its
500s there. Sizes are bounded so the test takes a few seconds per role.
"""

from __future__ import annotations

import io
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.commissioning import SERIAL, commission, make_installer, register_stations
from tests.conftest import PortalClient, csrf_token
from tests.helpers import log_in, make_user, user_row
from tests.learning import finish_lessons, import_test_course, start_attempt

#: Values that broke, or could break, a form or a URL somewhere: each is tried on every field and argument.
HOSTILE = ["\x00", "a\x00b", "\x01\x7f", "\r\nX-Injected: 1", "x" * 10_000, "²", "٣", "-1", "0", "2147483648",
           "9" * 30, "1e309", "NaN", "<script>alert(1)</script>", "' OR '1'='1' --", "%00", "../../etc/passwd",
           "", " ", "\u202e\u200b", "\ud7ff\ue000", "null", "[]", "{}"]
#: Pages that would end the walker's own login, or whose refusal is not about input.
SKIPPED_ACTIONS = ("/logout", "/account/password")
#: Requests per role: hypothesis draws this many submissions (FUZZ_EXAMPLES sets another number, for a long run).
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "200"))


@dataclass
class FormInfo:
    page: str
    action: str
    method: str
    multipart: bool
    fields: dict[str, str] = field(default_factory=dict)  # name -> input type


class _Forms(HTMLParser):
    """The forms of a page, with their fields' names and types, and the page's same-site links."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.page, self.forms, self.links = page, [], set()
        self._current: FormInfo | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "a" and values.get("href", "").startswith("/"):
            self.links.add(values["href"].split("#")[0])
        elif tag == "form":
            self._current = FormInfo(self.page, urljoin(self.page, values.get("action") or self.page),
                                     values.get("method", "get").lower(),
                                     values.get("enctype", "") == "multipart/form-data")
            self.forms.append(self._current)
        elif tag in ("input", "textarea", "select", "button") and self._current is not None and values.get("name"):
            self._current.fields[values["name"]] = values.get("type", tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def crawl(client: PortalClient, start: list[str], limit: int = 40) -> tuple[set[str], list[FormInfo]]:
    """The pages reachable from `start` by same-site links (GET only), and their forms."""
    seen: set[str] = set()
    queue, forms = list(start), []
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen or any(part in url for part in (".pdf", ".png", ".jpg", "/media/", "/static/")):
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        parser = _Forms(urlsplit(url).path)
        parser.feed(response.get_data(as_text=True))
        known = {(form.action, form.method, tuple(sorted(form.fields))) for form in forms}
        forms += [form for form in parser.forms if not form.action.startswith(SKIPPED_ACTIONS)
                  and (form.action, form.method, tuple(sorted(form.fields))) not in known]
        queue += sorted(link for link in parser.links if link not in seen)
    return seen, forms


def route_templates(app) -> list[tuple[str, list[str]]]:
    """Every route as (rule, its argument names), for mutating the arguments themselves."""
    return [(rule.rule, sorted(rule.arguments)) for rule in app.url_map.iter_rules()
            if rule.arguments and "GET" in (rule.methods or ()) and not rule.rule.startswith("/static")]


@dataclass
class Tally:
    statuses: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    def record(self, what: str, response) -> None:
        self.statuses[response.status_code] += 1
        if response.status_code >= 500:
            self.failures.append(f"{response.status_code} {what}")


def hostile_value() -> st.SearchStrategy:
    """Half the time one of the values known to break things, else any short text or any big number."""
    known = st.sampled_from(HOSTILE)
    return st.one_of(known, known, st.text(max_size=40), st.integers(min_value=-(2**70), max_value=2**70).map(str))


def submit_mutated(client: PortalClient, form: FormInfo, data: st.DataObject, tally: Tally) -> None:
    page = client.get(form.page)
    token = csrf_token(page.get_data(as_text=True)) if 'name="csrf_token"' in page.get_data(as_text=True) else ""
    values: dict[str, object] = {}
    for name, kind in form.fields.items():
        if name == "csrf_token":
            continue
        choice = data.draw(st.sampled_from(["hostile", "missing", "twice", "file" if form.multipart else "hostile"]))
        if choice == "missing":
            continue
        if choice == "file" or kind == "file":
            values[name] = (io.BytesIO(data.draw(st.binary(max_size=2048))), data.draw(st.sampled_from(
                ["x.jpg", "x.csv", "x\x00.png", "../../x", "x" * 300])))
        elif choice == "twice":
            values[name] = [data.draw(hostile_value()), data.draw(hostile_value())]
        else:
            values[name] = data.draw(hostile_value())
    values["csrf_token"] = token
    if form.method == "get":
        response = client.get(form.action, query_string={k: v for k, v in values.items() if isinstance(v, str)})
    else:
        response = client.post(form.action, data=values,
                               content_type="multipart/form-data" if form.multipart else None)
    tally.record(f"{form.method.upper()} {form.action} {sorted(values)}", response)


def get_mutated_route(client: PortalClient, routes: list[tuple[str, list[str]]], data: st.DataObject,
                      tally: Tally) -> None:
    rule, arguments = data.draw(st.sampled_from(routes))
    url = rule
    for name in arguments:
        value = data.draw(hostile_value())
        url = re.sub(rf"<(?:[^:<>]+:)?{name}>", lambda _m, v=value: v.replace("/", "%2F").replace("?", "%3F")
                     .replace("#", "%23"), url)
    response = client.get(url)
    tally.record(f"GET {url[:120]!r}", response)


def fuzz(app, client: PortalClient, start: list[str], tally: Tally) -> None:
    _pages, forms = crawl(client, start)
    assert forms, "the crawl found no forms"
    routes = route_templates(app)

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=False,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.data_too_large])
    @given(st.data())
    def one_request(data):
        if data.draw(st.booleans()):
            submit_mutated(client, data.draw(st.sampled_from(forms)), data, tally)
        else:
            get_mutated_route(client, routes, data, tally)

    one_request()


@pytest.fixture
def tally(request) -> Tally:
    found = Tally()
    yield found
    # The run's figures, for anyone curious: `pytest -s -n0 tests/integration/test_fuzz.py`.
    statuses = dict(sorted(found.statuses.items()))
    print(f"\n{request.node.name}: {sum(statuses.values())} requests, statuses {statuses}")


def test_a_stranger_gets_no_500(app, client, tally):
    import_test_course(app)
    fuzz(app, client, ["/", "/sign-up", "/login", "/forgot-password", "/confirm/resend", "/help", "/verify/"], tally)
    assert tally.failures == []


def test_a_learner_gets_no_500(app, client, tally):
    import_test_course(app)
    log_in(client, make_user(app, with_profile=True))
    finish_lessons(client)
    attempt = start_attempt(client)
    fuzz(app, client, ["/account/", "/account/profile", "/learn/", "/learn/mine", attempt], tally)
    assert tally.failures == []


def test_an_installer_gets_no_500(app, client, tally):
    register_stations(app)
    email = make_installer(app, client)
    commissioning_id = commission(app, email, with_photo=True)
    fuzz(app, client, ["/installer/", "/installer/stations/find", "/installer/stations/", f"/s/{SERIAL}",
                       f"/installer/commissionings/{commissioning_id}/location",
                       f"/installer/commissionings/{commissioning_id}/installation",
                       f"/installer/commissionings/{commissioning_id}/tests",
                       f"/installer/commissionings/{commissioning_id}/photos"], tally)
    assert tally.failures == []


def test_support_staff_get_no_500(app, client, tally):
    register_stations(app)
    person = make_user(app, with_profile=True)
    staff = make_user(app, support=True)
    log_in(client, staff)
    person_id = user_row(app, person).id
    fuzz(app, client, ["/support/", "/support/?q=Kari", f"/support/people/{person_id}", "/support/stations",
                       f"/support/stations/{SERIAL}/", "/support/stations/import", "/support/stations/check-photo",
                       "/support/outbox", "/support/audit"], tally)
    assert tally.failures == []
