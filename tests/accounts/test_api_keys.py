from datetime import timedelta
from io import StringIO

import pytest
from django.utils import translation
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from accounts.choices import Role
from accounts.models import APIKey, User
from accounts.services import issue_api_key, revoke_api_key

pytestmark = pytest.mark.django_db


def bearer(api, raw):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return api


def test_key_acts_as_its_user_with_its_scope(api, world):
    key, raw = issue_api_key(user=world.ak_regulator, days=30)
    response = bearer(api, raw).get("/api/v1/institutions/")
    assert response.status_code == 200
    assert [row["name"] for row in response.json()["results"]] == ["汉滨区中心敬老院"]
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_only_a_hash_is_stored(world):
    key, raw = issue_api_key(user=world.insurer)
    assert raw not in key.key_hash and len(key.key_hash) == 64
    assert raw.startswith(f"cg_{key.prefix}_")


@pytest.mark.parametrize("spoil", ["revoke", "expire", "deactivate_user", "tamper"])
def test_unusable_keys_are_refused(api, world, spoil):
    key, raw = issue_api_key(user=world.gz_regulator)
    if spoil == "revoke":
        revoke_api_key(prefix=key.prefix)
    elif spoil == "expire":
        APIKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    elif spoil == "deactivate_user":
        User.objects.filter(pk=world.gz_regulator.pk).update(is_active=False)
    else:
        raw = raw[:-2] + ("AA" if not raw.endswith("AA") else "BB")
    response = bearer(api, raw).get("/api/v1/institutions/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert response["WWW-Authenticate"] == "Bearer"


def test_no_credentials_is_401_in_the_error_shape(api):
    response = api.get("/api/v1/institutions/")
    assert response.status_code == 401
    assert set(response.json()) == {"code", "detail"}


def test_issue_and_revoke_commands(world):
    out, err = StringIO(), StringIO()
    call_command("issue_api_key", world.insurer.username, "--days", "7", stdout=out, stderr=err)
    raw = out.getvalue().strip()
    key = APIKey.objects.get(user=world.insurer)
    assert raw.startswith(f"cg_{key.prefix}_")
    assert (key.expires_at - timezone.now()).days in (6, 7)
    call_command("revoke_api_key", key.prefix, stdout=StringIO())
    key.refresh_from_db()
    assert key.revoked_at is not None
    with pytest.raises(CommandError):
        call_command("revoke_api_key", "nope0000", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("issue_api_key", "nobody", stdout=StringIO())


def test_add_user_command_sets_exactly_the_scope_of_the_role(world):
    call_command("add_user", "ak_insp", "--role", "inspector", "--region", "610900", "--department", "fire_rescue",
                 "--password", "s3cret-pass!", stdout=StringIO())
    user = User.objects.get(username="ak_insp")
    assert (user.role, user.region_id, user.department) == (Role.INSPECTOR, "610900", "fire_rescue")
    assert user.check_password("s3cret-pass!")

    call_command("add_user", "home2", "--role", "institution", "--institution", world.ak_home.uscc, stdout=StringIO())
    assert User.objects.get(username="home2").institution == world.ak_home

    call_command("add_user", "ins2", "--role", "insurer", "--insurer", world.insurer.insurer.code, stdout=StringIO())
    assert User.objects.get(username="ins2").insurer == world.insurer.insurer

    out = StringIO()
    call_command("add_user", "root2", "--role", "admin", stdout=out)
    assert "Password:" in out.getvalue()
    assert User.objects.get(username="root2").is_superuser


@pytest.mark.parametrize(
    "args, message",
    [
        (["--role", "regulator"], "region"),
        (["--role", "inspector", "--region", "610900"], "department"),
        (["--role", "institution"], "institution"),
        (["--role", "insurer"], "insurer"),
        (["--role", "regulator", "--region", "999999"], "No region"),
    ],
)
@translation.override("en")  # asserts English messages
def test_add_user_refuses_a_role_without_its_scope(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("add_user", "someone", *args, stdout=StringIO())
    assert not User.objects.filter(username="someone").exists()
