"""Working-day arithmetic: the one home of "N working days after D" (notices, objection windows,
rectification deadlines, filing checks). Monday to Friday work, unless CalendarDay says otherwise."""

from datetime import date, timedelta

from accounts.models import CalendarDay

# The longest run of non-working days in an arrangement (Spring Festival: 9, plus weekends).
_SLACK_DAYS = 14


def _exceptions(first: date, last: date) -> dict[date, bool]:
    return dict(CalendarDay.objects.filter(date__gte=first, date__lte=last).values_list("date", "is_working_day"))


def _is_working(day: date, exceptions: dict[date, bool]) -> bool:
    return exceptions.get(day, day.weekday() < 5)


def is_working_day(day: date) -> bool:
    return _is_working(day, _exceptions(day, day))


def add_working_days(start: date, days: int) -> date:
    """The `days`-th working day after `start` (start itself not counted); `days` ≥ 0.
    With 0, the first working day on or after `start`."""
    if days < 0:
        raise ValueError("days must be ≥ 0")
    chunk = timedelta(days=days * 2 + _SLACK_DAYS)
    exceptions, loaded_to = _exceptions(start, start + chunk), start + chunk

    def working(day: date) -> bool:
        nonlocal loaded_to
        if day > loaded_to:  # a long run of holidays outlasted the first window
            exceptions.update(_exceptions(loaded_to + timedelta(days=1), loaded_to + chunk))
            loaded_to += chunk
        return _is_working(day, exceptions)

    day = start
    if days == 0:
        while not working(day):
            day += timedelta(days=1)
        return day
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        counted += working(day)
    return day


def working_days_between(first: date, last: date) -> int:
    """Working days in (first, last]: how many working days `last` lies after `first` (≤ 0 if not after)."""
    if last <= first:
        return -working_days_between(last, first) if last < first else 0
    exceptions = _exceptions(first, last)
    return sum(1 for n in range(1, (last - first).days + 1) if _is_working(first + timedelta(days=n), exceptions))
