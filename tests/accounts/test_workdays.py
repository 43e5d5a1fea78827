"""Working-day arithmetic against the shipped 2024–2026 arrangements: holidays skipped, weekend days
worked in exchange (调休) counted."""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.models import CalendarDay
from accounts.workdays import add_working_days, is_working_day, working_days_between

pytestmark = pytest.mark.django_db


def test_plain_week_skips_the_weekend():
    assert add_working_days(date(2026, 11, 20), 1) == date(2026, 11, 23)  # Friday → Monday
    assert add_working_days(date(2026, 11, 23), 3) == date(2026, 11, 26)


def test_national_day_week_and_its_make_up_saturday():
    # 2026-09-30 (Wed) + 1 working day: 1–7 October are holidays, 10 October (Saturday) is worked.
    assert add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert add_working_days(date(2026, 10, 9), 1) == date(2026, 10, 10)
    assert is_working_day(date(2026, 9, 20))  # a Sunday worked in exchange
    assert not is_working_day(date(2026, 10, 5))


def test_spring_festival_2026_is_nine_days():
    # Friday 13 February + 1: Saturday 14 February is worked; 15–23 February are off.
    assert add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert add_working_days(date(2026, 2, 14), 1) == date(2026, 2, 24)


def test_zero_days_is_the_next_working_day_on_or_after():
    assert add_working_days(date(2026, 10, 1), 0) == date(2026, 10, 8)
    assert add_working_days(date(2026, 11, 23), 0) == date(2026, 11, 23)


def test_ten_working_day_objection_window_over_labour_day():
    # Notice on Wednesday 29 April 2026: 30 April, 6–8 May, Saturday 9 May (worked), 11–15 May.
    assert add_working_days(date(2026, 4, 29), 10) == date(2026, 5, 15)


def test_an_operator_entered_holiday_counts():
    CalendarDay.objects.create(date=date(2027, 1, 1), is_working_day=False, name="元旦")
    assert add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)


def test_long_spans_reach_past_the_first_window():
    # 120 working days from 1 January 2026: the count crosses three holiday periods.
    end = add_working_days(date(2026, 1, 1), 120)
    assert working_days_between(date(2026, 1, 1), end) == 120


def test_between_is_signed():
    assert working_days_between(date(2026, 11, 23), date(2026, 11, 20)) == -1
    assert working_days_between(date(2026, 11, 20), date(2026, 11, 20)) == 0


@settings(max_examples=40, deadline=None)
@given(start=st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31)), days=st.integers(0, 90))
def test_add_and_between_agree(start, days):
    end = add_working_days(start, days)
    assert is_working_day(end)
    if days:
        assert working_days_between(start, end) == days
    else:  # the first working day on or after start: start itself, or the one working day after it
        assert working_days_between(start, end) == (1 if end > start else 0)
