"""Public complaints: the form's abuse controls (honeypot, time trap, rate limit, daily cap,
duplicates), a successful submission, and the regulator's triage with its permissions."""

import hashlib
import re
import time
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from accounts.models import Notification
from config.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from credit.choices import ComplaintCategory, ComplaintStatus
from credit.complaints import submit_complaint, triage
from credit.models import Complaint
from credit.public_forms import form_token
from tests.conftest import client_for
from tests.factories import InstitutionFactory, region
from tests.pages import as_user, errors_for, text

NEW = reverse("public-complaint-new")
API = reverse("api:complaint-list")
TEXT = "护理员夜间长时间不在岗，老人呼叫无人应答，已发生多次。"


def post(client, home, *, address="10.1.2.3", age=10, **overrides):
    data = {"institution": home.pk, "category": ComplaintCategory.CARE, "text": TEXT, "contact_name": "周女士",
            "contact_phone": "13655556666", "website": "", "token": form_token(time.time() - age), **overrides}
    return client.post(NEW, data, REMOTE_ADDR=address)


def test_the_form_finds_active_institutions_by_name(web, world):
    world.ak_home.is_active = False
    world.ak_home.save()
    page = text(web.get(NEW, {"q": "养老院"}))
    assert f'value="{world.gz_home.pk}"' in page and "天河康乐养老院" in page
    assert "No active institution has this name." in text(web.get(NEW, {"q": "汉滨"}))


def test_a_complaint_is_received_with_its_number_and_nothing_else(web, world):
    response = post(web, world.gz_home)
    assert response.status_code == 200
    complaint = Complaint.objects.get()
    assert re.fullmatch(rf"TS{timezone.localdate().year}-{complaint.pk:06d}", complaint.number)
    page = text(response)
    assert complaint.number in page and "天河康乐养老院" not in page and "护理员" not in page
    assert complaint.status == ComplaintStatus.RECEIVED and complaint.contact_phone == "13655556666"
    expected = hashlib.sha256(f"{django_settings.SECRET_KEY}|10.1.2.3".encode()).hexdigest()
    assert complaint.source_hash == expected and "10.1.2.3" not in complaint.source_hash


def test_the_regions_regulators_are_notified(web, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post(web, world.gz_home)
    assert Notification.objects.filter(user=world.gz_regulator).count() == 1
    assert not Notification.objects.filter(user=world.ak_regulator).exists()


def test_the_honeypot_refuses_robots(web, world):
    response = post(web, world.gz_home, website="http://spam.example")
    assert response.status_code == 400 and not Complaint.objects.exists()
    assert "The form could not be accepted" in text(response)


@pytest.mark.parametrize("age, message", [
    (0, "The form was sent too quickly."), (3 * 3600, "The form has expired."),
])
def test_the_time_trap_refuses_too_fast_or_too_old_forms(web, world, age, message):
    response = post(web, world.gz_home, age=age)
    assert response.status_code == 400 and message in text(response)
    assert not Complaint.objects.exists()


def test_a_forged_token_is_refused(web, world):
    response = post(web, world.gz_home, token="forged:token")
    assert response.status_code == 400 and not Complaint.objects.exists()


def test_an_address_is_rate_limited(web, world, settings):
    settings.COMPLAINT_RATE_IP = "2/m"
    codes = [post(web, world.gz_home, text=f"{TEXT}第{i}次投诉。").status_code for i in range(3)]
    assert codes == [200, 200, 429] and Complaint.objects.count() == 2
    assert post(web, world.gz_home, address="10.9.9.9", text=f"{TEXT}另一个地址。").status_code == 200


def test_an_address_has_a_daily_cap(web, world, settings):
    settings.COMPLAINTS_PER_ADDRESS_PER_DAY = 2
    for i in range(2):
        assert post(web, world.gz_home, text=f"{TEXT}第{i}次。").status_code == 200
    refused = post(web, world.gz_home, text=f"{TEXT}第三次。")
    assert refused.status_code == 400 and "Too many complaints were sent from your network today" in text(refused)
    Complaint.objects.update(submitted_at=timezone.now() - timedelta(hours=25))
    assert post(web, world.gz_home, text=f"{TEXT}第三次。").status_code == 200


def test_the_same_text_about_the_same_home_within_a_day_is_a_duplicate(web, world):
    assert post(web, world.gz_home).status_code == 200
    duplicate = post(web, world.gz_home, address="10.8.8.8", text=f"  {TEXT}\n")  # spacing does not make it new
    assert duplicate.status_code == 400 and "already received" in text(duplicate)
    assert Complaint.objects.count() == 1
    assert post(web, world.ak_home, address="10.8.8.8").status_code == 200
    Complaint.objects.update(submitted_at=timezone.now() - timedelta(hours=25))
    assert post(web, world.gz_home, address="10.8.8.8").status_code == 200


@pytest.mark.parametrize("field, value, message", [
    ("text", "太差了", "Ensure this value has at least 20 characters"),
    ("text", "差" * 2001, "Ensure this value has at most 2000 characters"),
    ("contact_phone", "020-8888888", "Enter an 11-digit mobile number"),
    ("contact_phone", "12345678901", "Enter an 11-digit mobile number"),
    ("category", "bribes", "Select a valid choice"),
])
def test_invalid_fields_are_refused(web, world, field, value, message):
    response = post(web, world.gz_home, **{field: value})
    assert response.status_code == 400 and not Complaint.objects.exists()
    assert any(message in error for error in errors_for(response, field))


def test_an_inactive_institution_cannot_be_complained_about(web, world):
    closed = InstitutionFactory(region=region("440106"), is_active=False)
    response = post(web, closed)
    assert response.status_code == 400 and "Choose an institution from the search results." in text(response)
    with pytest.raises(ValidationFailed):
        submit_complaint(institution_id=closed.pk, category="care", text=TEXT, source_address="1.1.1.1")


# --- triage --------------------------------------------------------------------------------------


def complaint_in(home, **extra):
    return submit_complaint(institution_id=home.pk, category=ComplaintCategory.SAFETY, text=TEXT,
                            contact_phone="13655556666", source_address=extra.pop("address", "2.2.2.2"), **extra)


def test_a_regulator_of_the_region_substantiates_a_complaint(world):
    complaint = complaint_in(world.gz_home)
    done = triage(actor=world.gz_regulator, complaint_id=complaint.pk, status=ComplaintStatus.SUBSTANTIATED,
                  resolution="现场核实属实，已责令整改。")
    assert done.status == ComplaintStatus.SUBSTANTIATED and done.triaged_by == world.gz_regulator
    with pytest.raises(Conflict):
        triage(actor=world.admin, complaint_id=complaint.pk, status=ComplaintStatus.REJECTED, resolution="重复")


def test_triage_permissions(world):
    complaint = complaint_in(world.gz_home)
    with pytest.raises(NotFound):
        triage(actor=world.ak_regulator, complaint_id=complaint.pk, status="rejected", resolution="x")
    with pytest.raises(NotAllowed):
        triage(actor=world.gz_institution, complaint_id=complaint.pk, status="rejected", resolution="x")
    with pytest.raises(NotFound):
        triage(actor=world.gz_inspector, complaint_id=complaint.pk, status="rejected", resolution="x")
    with pytest.raises(ValidationFailed):
        triage(actor=world.gz_regulator, complaint_id=complaint.pk, status="received", resolution="x")
    assert Complaint.objects.get().status == ComplaintStatus.RECEIVED


def test_triage_over_the_api(world):
    complaint = complaint_in(world.gz_home)
    url = reverse("api:complaint-triage", args=[complaint.pk])
    body = {"status": "unsubstantiated", "resolution": "经核查不属实。"}
    assert client_for(world.ak_regulator).post(url, body).status_code == 404
    assert client_for(world.gz_institution).post(url, body).status_code == 403
    assert client_for(world.gz_regulator).post(url, {"status": "maybe", "resolution": "x"}).status_code == 400
    ok = client_for(world.gz_regulator).post(url, body)
    assert ok.status_code == 200 and ok.json()["status_display"] and ok.json()["status"] == "unsubstantiated"
    assert client_for(world.gz_regulator).post(url, body).status_code == 409


def test_contact_details_only_for_regulators_over_the_api(world):
    complaint_in(world.gz_home)
    complaint_in(world.ak_home, address="3.3.3.3")
    regulator = client_for(world.gz_regulator).get(API).json()
    assert regulator["count"] == 1 and regulator["results"][0]["contact_phone"] == "13655556666"
    institution = client_for(world.gz_institution).get(API).json()
    assert institution["count"] == 1 and "contact_phone" not in institution["results"][0]
    assert "13655556666" not in str(institution)
    assert client_for(world.insurer).get(API).json()["count"] == 0
    assert client_for(world.admin).get(API, {"region": "610000"}).json()["count"] == 1
    assert client_for(world.admin).get(API, {"status": "substantiated"}).json()["count"] == 0
    later = (timezone.now() + timedelta(hours=1)).isoformat()
    assert client_for(world.admin).get(API, {"updated_since": later}).json()["count"] == 0


def test_regulator_pages_list_export_and_triage(web, world):
    complaint = complaint_in(world.gz_home)
    complaint_in(world.ak_home, address="3.3.3.3")
    as_user(web, world.gz_regulator)
    listing = text(web.get(reverse("complaint-list")))
    assert complaint.number in listing and "1 complaint" in listing
    export = web.get(reverse("complaint-export"))
    assert "13655556666" in export.content.decode("utf-8") and "汉滨" not in export.content.decode("utf-8")
    detail = reverse("complaint-detail", args=[complaint.pk])
    assert "13655556666" in text(web.get(detail))
    response = web.post(detail, {"status": "substantiated", "resolution": "属实"})
    assert response.status_code == 302
    assert "Substantiated" in text(web.get(detail)) and 'id="triage-form"' not in text(web.get(detail))


def test_the_institution_reads_its_complaints_without_the_contact(web, world):
    complaint = complaint_in(world.gz_home)
    other = complaint_in(world.ak_home, address="3.3.3.3")
    as_user(web, world.gz_institution)
    detail = web.get(reverse("complaint-detail", args=[complaint.pk]))
    assert detail.status_code == 200 and "13655556666" not in text(detail) and 'id="triage-form"' not in text(detail)
    assert web.post(reverse("complaint-detail", args=[complaint.pk]), {"status": "rejected", "resolution": "x"}).status_code == 403
    assert web.get(reverse("complaint-detail", args=[other.pk])).status_code == 404
    assert web.get(reverse("complaint-export")).status_code == 403
    assert "13655556666" not in text(web.get(reverse("complaint-list")))


def test_other_regions_complaint_pages_are_404(web, world):
    complaint = complaint_in(world.gz_home)
    as_user(web, world.ak_regulator)
    assert web.get(reverse("complaint-detail", args=[complaint.pk])).status_code == 404
    assert web.post(reverse("complaint-detail", args=[complaint.pk]), {"status": "rejected", "resolution": "x"}).status_code == 404


def test_complaint_list_queries_do_not_grow(world, django_assert_max_num_queries, web):
    def add(n):
        for i in range(n):
            home = InstitutionFactory(region=region("440106"))
            complaint_in(home, address=f"4.4.4.{i}")

    add(3)
    regulator = client_for(world.gz_regulator)
    as_user(web, world.gz_regulator)
    with django_assert_max_num_queries(10) as api_few:
        assert regulator.get(API).json()["count"] == 3
    with django_assert_max_num_queries(12) as page_few:
        web.get(reverse("complaint-list"))
    add(17)
    with django_assert_max_num_queries(len(api_few.captured_queries)):
        assert regulator.get(API).json()["count"] == 20
    with django_assert_max_num_queries(len(page_few.captured_queries)):
        assert text(web.get(reverse("complaint-list"))).count("<tr data-id=") == 20


def test_only_signed_in_readers_see_complaint_pages(client, world):
    assert client.get(reverse("complaint-list")).status_code == 302
    assert client_for(world.gz_inspector).get(API).json()["count"] == 0
    assert as_user(client, world.insurer).get(reverse("complaint-list")).status_code == 403
    assert Role.INSURER == world.insurer.role
