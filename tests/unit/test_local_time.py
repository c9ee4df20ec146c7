"""Times in the reader's zone and dates in their region's formats: the zone of each country, the English
variant of each region, and what Flask-Babel's formatters then print."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime

import pytest
import pytz
from flask_babel import force_locale, format_date, format_datetime

from core.i18n import force_timezone, format_moment
from installer_portal.markets import COUNTRY_ZONES, Region, locale_for, zone_of

#: 16:49 UTC on a November afternoon: 17:49 in Amsterdam and Oslo (CET), 11:49 in New York (EST).
AFTERNOON = datetime(2026, 11, 21, 16, 49, 3, tzinfo=UTC)


@pytest.mark.parametrize(("region", "country", "zone"), [
    (Region.EUROPE, "NL", "Europe/Amsterdam"),
    (Region.EUROPE, "NO", "Europe/Oslo"),
    (Region.EUROPE, "GB", "Europe/London"),
    (Region.EUROPE, None, "Europe/Amsterdam"),
    (Region.NORTH_AMERICA, "US", "America/New_York"),
    (Region.NORTH_AMERICA, None, "America/New_York"),
])
def test_a_person_without_a_chosen_zone_reads_their_countrys(region, country, zone):
    assert zone_of(region, country) == zone


def test_every_country_has_a_zone_and_every_offered_zone_exists():
    for region in Region:
        assert set(region.countries) <= COUNTRY_ZONES.keys()
        assert {COUNTRY_ZONES[code] for code in region.countries} <= set(region.time_zones)
        # zoneinfo validates the profile's list; Flask-Babel converts with pytz, so both must know each zone.
        assert set(region.time_zones) <= zoneinfo.available_timezones()
        assert set(region.time_zones) <= pytz.all_timezones_set


@pytest.mark.parametrize(("language", "region", "locale"), [
    ("en", Region.EUROPE, "en_GB"),
    ("en", Region.NORTH_AMERICA, "en_US"),
    ("en", None, "en"),
    ("nl", Region.EUROPE, "nl"),
    ("nb", Region.EUROPE, "nb"),
])
def test_english_is_written_as_the_region_writes_it(language, region, locale):
    assert locale_for(language, region) == locale


def written(locale: str, zone: str, when: datetime, format: str = "short") -> str:
    with force_locale(locale), force_timezone(zone):
        return format_datetime(when, format)


def test_a_dutch_reader_sees_1749_for_1649_utc_in_november(app):
    with app.app_context():
        assert written("nl", "Europe/Amsterdam", AFTERNOON) == "21-11-2026, 17:49"
        assert written("nb", "Europe/Oslo", AFTERNOON) == "21.11.2026, 17:49"


def test_the_date_rolls_over_at_local_midnight(app):
    late = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    with app.app_context():
        assert written("nl", "Europe/Amsterdam", late) == "01-12-2026, 00:30"
        with force_locale("en_US"), force_timezone("America/New_York"):
            assert format_date(late, "long") == "November 30, 2026"


def test_british_and_american_english_order_day_and_month_their_own_way(app):
    first_of_december = datetime(2026, 12, 1, 12, tzinfo=UTC)
    with app.app_context():
        with force_locale("en_GB"), force_timezone("Europe/London"):
            assert format_date(first_of_december, "short") == "01/12/2026"
        with force_locale("en_US"), force_timezone("America/New_York"):
            assert format_date(first_of_december, "short") == "12/1/26"


def test_a_document_names_the_zone_and_stops_at_the_minute(app):
    summer = datetime(2026, 7, 1, 16, 49, 3, tzinfo=UTC)
    with app.app_context():
        with force_locale("en_GB"), force_timezone("Europe/Amsterdam"):
            assert format_moment(AFTERNOON) == "21 November 2026, 17:49 CET"
            assert format_moment(summer) == "1 July 2026, 18:49 CEST"
        with force_locale("nb"), force_timezone("Europe/Oslo"):
            assert format_moment(AFTERNOON) == "21. november 2026, 17:49 CET"
        with force_locale("en_US"), force_timezone("America/New_York"):
            assert format_moment(AFTERNOON).replace("\u202f", " ") == "November 21, 2026, 11:49 AM EST"


def test_a_forced_zone_ends_with_its_block(app):
    with app.app_context(), force_locale("nl"):
        with force_timezone("Europe/Amsterdam"):
            assert format_datetime(AFTERNOON, "short").endswith("17:49")
        assert format_datetime(AFTERNOON, "short").endswith("16:49")
