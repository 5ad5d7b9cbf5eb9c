"""pages/selectors.py: the page's dates, formatted once, as the template's `date` filter writes them."""

import datetime as dt

import pytest
from django.template.defaultfilters import date as date_filter
from django.utils import timezone
from django.utils.timezone import template_localtime

from pages.selectors import DAY_FORMAT, ISO_DATE_FORMAT, day_date, iso_date

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
