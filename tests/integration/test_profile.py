"""The profile: completing it, the checks on each field, and the language it sets for pages and mail."""

from __future__ import annotations

import re

import phonenumbers
import pytest

from installer_portal.markets import Region
from tests.helpers import HOME, log_in, make_user, user_row

PROFILE = "/account/profile"
EUROPE = {"AT", "BE", "BG", "CH", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GB", "GR", "HR", "HU", "IE",
          "IS", "IT", "LI", "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE", "SI", "SK"}
NORTH_AMERICA = {"US", "CA"}
US_MOBILE = "+1 202 555 0143"


def logged_in(app, client, **traits) -> str:
    email = make_user(app, **traits)
    assert log_in(client, email).status_code == 302
    return email


def profile_data(**changes) -> dict:
    return {"first_name": "Kari", "last_name": "Nordmann", "phone": "+47 406 12 345", "country": "NO",
            "locale": "nb", "company_name": "", **changes}


def country_options(html: str) -> set[str]:
    select_element = re.search(r'<select[^>]*name="country".*?</select>', html, re.S)
    assert select_element, "the page has no country list"
    return set(re.findall(r'<option[^>]*value="([^"]*)"', select_element.group()))


def test_home_asks_a_new_person_to_complete_the_profile(app, client):
    logged_in(app, client)

    html = client.get(HOME).get_data(as_text=True)

    assert 'data-msg="complete_profile"' in html
    assert f'href="{PROFILE}"' in html


@pytest.mark.parametrize(("phone", "company"), [
    ("+47 406 12 345", "Nordlys Elektro AS"),
    ("+4740612345", ""),
    ("406 12 345", "  "),
    ("40612345", None),
    ("+47 40 61 23 45", "Fjord Lading"),
    ("0047 406-12-345", ""),
    ("(+47) 406 12 345", ""),
])
def test_completing_the_profile_saves_the_mobile_in_e164(app, client, phone, company):
    email = logged_in(app, client)
    data = profile_data(phone=phone)
    if company is None:
        del data["company_name"]
    else:
        data["company_name"] = company

    response = client.submit(PROFILE, data)

    assert (response.status_code, response.headers["Location"]) == (302, HOME)
    user = user_row(app, email)
    assert (user.first_name, user.last_name, user.phone, user.country, user.locale) == (
        "Kari", "Nordmann", "+4740612345", "NO", "nb")
    assert user.company_name == ((company or "").strip() or None)
    assert user.profile_completed_at is not None
    html = client.get(HOME).get_data(as_text=True)
    assert 'data-msg="complete_profile"' not in html
    assert 'data-msg="courses"' in html


def test_profile_language_wins_over_the_browser_for_pages_and_mail(app, client, other_client, mail):
    email = logged_in(app, client)
    english = {"Accept-Language": "en"}
    # English in Europe is written the British way, from the one English catalog.
    assert '<html lang="en-GB">' in client.get(HOME, headers=english).get_data(as_text=True)

    assert client.submit(PROFILE, profile_data(locale="nb"), headers=english).status_code == 302

    for url in (HOME, PROFILE):
        assert '<html lang="nb">' in client.get(url, headers=english).get_data(as_text=True), url
    assert other_client.submit("/forgot-password", {"email": email}, headers=english).status_code == 302
    (message,) = mail().to(email)
    assert message["Content-Language"] == "nb"


def test_saving_the_profile_again_keeps_the_first_completion_time(app, client):
    email = logged_in(app, client)
    client.submit(PROFILE, profile_data())
    completed_at = user_row(app, email).profile_completed_at

    assert client.submit(PROFILE, profile_data(last_name="Hansen", locale="en")).status_code == 302

    user = user_row(app, email)
    assert (user.last_name, user.locale, user.profile_completed_at) == ("Hansen", "en", completed_at)


@pytest.mark.parametrize(("changes", "field"), [
    ({"phone": "12345"}, "phone"),
    ({"phone": "not a phone number"}, "phone"),
    ({"phone": ""}, "phone"),
    ({"country": "US"}, "country"),
    ({"country": "XX"}, "country"),
    ({"locale": "xx"}, "locale"),
    ({"first_name": ""}, "first_name"),
    ({"last_name": "   "}, "last_name"),
    ({"first_name": "K" * 101}, "first_name"),
    ({"time_zone": "America/Chicago"}, "time_zone"),
    ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
], ids=["short-phone", "words", "no-phone", "other-region", "no-country",
        "tampered-locale", "no-first-name", "blank-last-name", "long-name", "zone-of-other-region", "no-such-zone"])
def test_bad_profile_input_is_refused_and_nothing_is_saved(app, client, changes, field):
    email = logged_in(app, client)

    response = client.submit(PROFILE, profile_data(**changes))

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html
    user = user_row(app, email)
    assert (user.first_name, user.last_name, user.phone, user.country, user.locale, user.profile_completed_at) == (
        None, None, None, None, "en", None)
    assert 'data-msg="complete_profile"' in client.get(HOME).get_data(as_text=True)


def test_a_chosen_time_zone_is_saved_and_the_country_default_is_none(app, client):
    email = logged_in(app, client)

    assert client.submit(PROFILE, profile_data(time_zone="Atlantic/Canary")).status_code == 302
    assert user_row(app, email).time_zone == "Atlantic/Canary"
    html = client.get(PROFILE).get_data(as_text=True)
    assert re.search(r'<option (selected )?value="Atlantic/Canary"( selected)?>', html).group().count("selected") == 1

    assert client.submit(PROFILE, profile_data(time_zone="")).status_code == 302
    assert user_row(app, email).time_zone is None


def test_a_time_zone_outside_the_region_is_refused_in_the_page_language(app, client):
    email = logged_in(app, client, locale="nl")
    client.submit(PROFILE, profile_data(locale="nl"))

    response = client.submit(PROFILE, profile_data(locale="nl", last_name="Jansen", time_zone="America/New_York"))

    assert response.status_code == 400
    assert "Kies een van de aangeboden tijdzones." in response.get_data(as_text=True)
    user = user_row(app, email)
    assert (user.last_name, user.time_zone) == ("Nordmann", None)


def test_mobile_from_another_country_than_the_chosen_one_is_refused(app, client):
    email = logged_in(app, client)

    response = client.submit(PROFILE, profile_data(phone=US_MOBILE, country="NO"))

    assert response.status_code == 400
    assert 'id="phone-error"' in response.get_data(as_text=True)
    assert user_row(app, email).phone is None


def test_norwegian_landline_is_refused_as_not_a_mobile(app, client):
    landline = "+47 22 12 34 56"
    parsed = phonenumbers.parse(landline)
    assert phonenumbers.is_valid_number(parsed)
    assert phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.FIXED_LINE
    email = logged_in(app, client)

    response = client.submit(PROFILE, profile_data(phone=landline))

    assert response.status_code == 400
    assert 'id="phone-error"' in response.get_data(as_text=True)
    user = user_row(app, email)
    assert (user.phone, user.profile_completed_at) == (None, None)


@pytest.mark.parametrize("phone", [US_MOBILE, "(202) 555-0143", "202.555.0143"])
def test_north_american_installer_can_complete_the_profile_with_a_us_mobile(app, client, phone):
    number = phonenumbers.parse(US_MOBILE)
    assert phonenumbers.is_valid_number(number)
    assert phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE
    email = logged_in(app, client, region=Region.NORTH_AMERICA)

    response = client.submit(PROFILE, profile_data(first_name="Jamie", last_name="Rivera", phone=phone,
                                                   country="US", locale="en"))

    assert (response.status_code, response.headers["Location"]) == (302, HOME)
    user = user_row(app, email)
    assert (user.phone, user.country, user.locale) == ("+12025550143", "US", "en")
    assert user.profile_completed_at is not None


def test_north_american_installer_cannot_pick_a_european_country(app, client):
    email = logged_in(app, client, region=Region.NORTH_AMERICA)

    response = client.submit(PROFILE, profile_data(country="NO"))

    assert response.status_code == 400
    assert 'id="country-error"' in response.get_data(as_text=True)
    assert user_row(app, email).profile_completed_at is None


@pytest.mark.parametrize(("region", "countries"), [(Region.EUROPE, EUROPE), (Region.NORTH_AMERICA, NORTH_AMERICA)],
                         ids=["eu", "na"])
def test_profile_page_lists_only_the_regions_countries(app, client, region, countries):
    logged_in(app, client, region=region)

    page = client.get(PROFILE)

    assert page.status_code == 200
    assert country_options(page.get_data(as_text=True)) - {""} == countries
