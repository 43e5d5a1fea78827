import pytest

from accounts.models import Notification
from accounts.services import notify

pytestmark = pytest.mark.django_db


def test_notify_once_per_key_with_mail(world, mailoutbox, django_capture_on_commit_callbacks):
    world.gz_institution.email = "home@example.org"
    world.gz_institution.save()
    users = [world.gz_institution, world.gz_regulator]
    with django_capture_on_commit_callbacks(execute=True):  # mail goes out only once the data is committed
        assert notify(users=users, key="k1", title="保单即将到期", body="请续保", url="/x/") == 2
    assert notify(users=users, key="k1", title="保单即将到期") == 0
    assert Notification.objects.count() == 2
    assert [m.to for m in mailoutbox] == [["home@example.org"]]  # only users with an address


def test_page_badge_and_mark_read(client, world):
    notify(users=[world.gz_institution], key="a", title="第一条提醒", url="/policies/1/")
    notify(users=[world.gz_regulator], key="b", title="别人的提醒")
    client.force_login(world.gz_institution)
    page = client.get("/accounts/notifications/").content.decode()
    assert "第一条提醒" in page and "别人的提醒" not in page
    assert 'href="/policies/1/"' in page
    home = client.get("/").content.decode()
    assert 'id="notifications-link"' in home and ">1<" in home.replace(" ", "").replace("\n", "")
    response = client.post("/accounts/notifications/read/")
    assert response.status_code == 302
    assert not Notification.objects.filter(user=world.gz_institution, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=world.gz_regulator, read_at__isnull=True).exists()


def test_empty_state_and_login_required(client, world):
    assert client.get("/accounts/notifications/").status_code == 302
    client.force_login(world.insurer)
    assert "No notifications yet." in client.get("/accounts/notifications/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
