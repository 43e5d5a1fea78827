import pytest

from accounts.choices import Role
from tests.factories import InsurerFactory, make_scheme, make_user


@pytest.fixture
def ins(world):
    """`world` plus rating schemes for 广东 and 陕西 and a second insurer with its own user."""
    world.gd_scheme = make_scheme("440000", 2026, "120.00")
    world.sx_scheme = make_scheme("610000", 2026, "80.00")
    world.insurer_a = world.insurer.insurer
    world.insurer_b = InsurerFactory(code="other-ins", name="另一保险公司")
    world.insurer_b_user = make_user(Role.INSURER, insurer=world.insurer_b)
    return world
