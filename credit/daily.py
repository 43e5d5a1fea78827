"""Time-driven credit work behind `manage.py run_daily` (each job idempotent)."""

from datetime import date

from accounts.jobs import daily_job
from credit.scores import recompute


@daily_job("credit_scores", order=50)
def credit_scores(today: date) -> str:
    return f"{recompute(as_of=today)} credit scores changed"


# --- Blacklist procedure (after the score job) -----------------------------------------------


@daily_job("blacklist_triggers", order=60)
def blacklist_triggers(today: date) -> str:
    from credit.triggers import open_triggered_cases

    return f"{open_triggered_cases(today=today)} blacklist cases proposed by triggers"


@daily_job("blacklist_expiry", order=61)
def blacklist_expiry(today: date) -> str:
    from credit.blacklist import expire_cases

    return f"{expire_cases(today=today)} blacklist listings expired"


@daily_job("blacklist_flags", order=62)
def blacklist_flags(today: date) -> str:
    from credit.blacklist import refresh_blacklist_flags, refresh_person_flags

    homes, people = refresh_blacklist_flags(), refresh_person_flags()
    return f"{homes} institutions and {people} people changed their blacklist flag"


@daily_job("dishonesty_flags", order=63)
def dishonesty_flags(today: date) -> str:
    from credit.dishonesty import refresh_flags

    return f"{refresh_flags(today=today)} people changed their dishonesty flag"
