"""pages/site/selectors.py: the page's dates, formatted once, as the template's `date` filter writes them."""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.template.defaultfilters import date as date_filter
from django.utils import timezone
from django.utils.timezone import template_localtime

from pages.site.selectors import DAY_FORMAT, ISO_DATE_FORMAT, day_date, iso_date

ZONES = ["UTC", "Europe/Paris", "Asia/Kolkata", "America/St_Johns", "Pacific/Chatham"]


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize(
    "when",
    [
        dt.datetime(2026, 1, 5, 23, 59, 59, tzinfo=dt.UTC),
        dt.datetime(2026, 7, 1, 0, 0, 0, 123456, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.UTC),  # around a change to summer time
        dt.datetime(999, 12, 31, 12, tzinfo=dt.UTC),
    ],
)
def test_iso_date_is_the_templates_date_filter(zone, when):
    with timezone.override(zone):
        assert iso_date(when) == date_filter(template_localtime(when), ISO_DATE_FORMAT)
        assert day_date(when) == date_filter(template_localtime(when), DAY_FORMAT)


def test_the_day_names_the_month_in_the_active_language():
    when = dt.datetime(2026, 5, 3, 12, tzinfo=dt.UTC)
    from django.utils import translation

    with translation.override("fr"):
        assert day_date(when) == date_filter(when, DAY_FORMAT) == "3 mai 2026"


@dataclass
class Dated:
    date: dt.datetime | None
    updated_at: dt.datetime | None


def test_page_dates_follow_the_zone_and_language_they_are_written_in():
    """The formatted dates are kept per process: keyed so that another zone, language or the same
    instant in another zone (without USE_TZ, each is written in its own) never gets another's text."""
    from django.test import override_settings
    from django.utils import translation

    from pages.site.selectors import page_dates

    when = dt.datetime(2026, 5, 31, 23, 30, tzinfo=dt.UTC)
    page = Dated(date=when, updated_at=when)
    with timezone.override("UTC"):
        assert page_dates(page)["published"]["day"] == "31 May 2026"
    with timezone.override("Europe/Paris"):
        assert page_dates(page)["published"]["iso"] == "2026-06-01T01:30:00+0200"
        assert page_dates(page)["published"]["day"] == "1 June 2026"
        with translation.override("fr"):
            assert page_dates(page)["updated"]["day"] == "1 juin 2026"
    same_instant = when.astimezone(dt.timezone(dt.timedelta(hours=-5)))
    with override_settings(USE_TZ=False):
        assert page_dates(Dated(date=when, updated_at=None))["published"]["iso"] == "2026-05-31T23:30:00+0000"
        assert page_dates(Dated(date=same_instant, updated_at=None))["published"]["iso"] == (
            "2026-05-31T18:30:00-0500"
        )
    assert page_dates(Dated(date=None, updated_at=when))["published"] is None
