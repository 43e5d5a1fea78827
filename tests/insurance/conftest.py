import pytest

from accounts.choices import Role
from tests.factories import InsurerFactory, make_scheme, make_user


@pytest.fixture
def ins(world):
    """`world` plus rating schemes for 广东 and 陕西 and a second insurer with its own user."""
    from django.utils import timezone

    world.gd_scheme = make_scheme("440000", 2026, "120.00")
    world.sx_scheme = make_scheme("610000", 2026, "80.00")
    # Schemes for the years around today, so terms derived from the clock can be rated too.
    this_year = timezone.localdate().year
    for year in {this_year - 1, this_year} - {2026}:
        make_scheme("440000", year, "120.00")
        make_scheme("610000", year, "80.00")
    world.insurer_a = world.insurer.insurer
    world.insurer_b = InsurerFactory(code="other-ins", name="另一保险公司")
    world.insurer_b_user = make_user(Role.INSURER, insurer=world.insurer_b)
    return world
