"""Claims in a real browser: an institution reports an incident and files a claim with its
documents, the insurer registers, approves and pays it from its work queue, and the institution
finds the claim paid."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from accounts.choices import Role
from insurance import services as policy_services
from insurance.models import Claim, Incident
from tests.browser.helpers import click_through, open_page, sign_in, wait_for
from tests.factories import InstitutionFactory, InsurerFactory, make_scheme, make_user, pdf_bytes, region, term_covering

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def parties(settings, tmp_path):
    """A 广州 home insured today by an insurer with its claims handler."""
    settings.MEDIA_ROOT = tmp_path  # the live server runs in this process
    start, end = term_covering()
    make_scheme("440000", start.year, "120.00")

    class Parties:
        pass

    p = Parties()
    p.home = InstitutionFactory(region=region("440106"), name="天河康乐养老院", beds_total=120)
    p.institution = make_user(Role.INSTITUTION, institution=p.home)
    p.insurer = InsurerFactory(code="picc-gd", name="人保财险广东分公司")
    p.handler = make_user(Role.INSURER, insurer=p.insurer)
    terms = policy_services.PolicyTerms(start_date=start, end_date=end, insured_beds=100)
    policy = policy_services.create_policy(actor=p.institution, terms=terms, institution_id=p.home.pk, insurer=p.insurer)
    policy_services.declare_residents_not_charged(actor=p.institution, policy_id=policy.pk)
    p.policy = policy_services.activate_policy(actor=p.handler, policy_id=policy.pk, number="PGZ-2026-0001")
    return p


def type_into(driver, element_id: str, value: str):
    element = driver.find_element(By.ID, element_id)
    if element.get_attribute("type") in ("date", "datetime-local"):
        driver.execute_script("arguments[0].value = arguments[1]", element, value)
    else:
        element.clear()
        element.send_keys(value)


def choose(driver, element_id: str, value: str):
    Select(driver.find_element(By.ID, element_id)).select_by_value(value)


def status(driver) -> str:
    return driver.find_element(By.CSS_SELECTOR, "#claim-title + div [data-status]").get_attribute("data-status")


def amount(driver, element_id: str) -> Decimal:
    return Decimal(driver.find_element(By.ID, element_id).text.replace(",", ""))


def test_report_file_register_approve_pay(driver, live_server, parties, tmp_path):
    p = parties
    photo, invoice, record = tmp_path / "现场照片.pdf", tmp_path / "医疗费用票据.pdf", tmp_path / "病历.pdf"
    for path in (photo, invoice, record):
        path.write_bytes(pdf_bytes())

    # The institution reports the incident from its home page.
    sign_in(driver, live_server, p.institution.username)
    click_through(driver, driver.find_element(By.ID, "report-incident"), "#incident-form")
    occurred = timezone.localtime() - timedelta(days=2)
    choose(driver, "id_category", "fall")
    type_into(driver, "id_occurred_at", occurred.strftime("%Y-%m-%dT%H:%M"))
    type_into(driver, "id_place", "二楼走廊")
    type_into(driver, "id_description", "老人夜间如厕时跌倒，护理员发现后立即处置并送医。")
    choose(driver, "id_persons-0-kind", "resident")
    type_into(driver, "id_persons-0-name", "王桂兰")
    choose(driver, "id_persons-0-outcome", "injury")
    type_into(driver, "id_persons-0-injury", "右腕骨折")
    driver.find_element(By.ID, "id_attachments").send_keys(str(photo))
    click_through(driver, driver.find_element(By.ID, "save"), "#incident-title")
    event = Incident.objects.get()
    assert driver.current_url.endswith(f"/incidents/{event.pk}/")
    assert "王桂兰" in driver.find_element(By.ID, "persons").text
    assert "现场照片.pdf" in driver.find_element(By.ID, "attachments").text

    # It files a claim under general liability with the invoice and the medical record.
    click_through(driver, driver.find_element(By.ID, "file-claim"), "#claim-form")
    assert "PGZ-2026-0001" in driver.find_element(By.ID, "policy").text
    driver.find_element(By.CSS_SELECTOR, 'input[name="section"][value="general"]').click()
    type_into(driver, "id_claimed_amount", "3000.00")
    choose(driver, "id_documents-0-kind", "invoice")
    driver.find_element(By.ID, "id_documents-0-files").send_keys(str(invoice))
    choose(driver, "id_documents-1-kind", "medical_record")
    driver.find_element(By.ID, "id_documents-1-files").send_keys(str(record))
    click_through(driver, driver.find_element(By.ID, "file"), "#claim-title")
    claim = Claim.objects.get()
    assert driver.current_url.endswith(f"/claims/{claim.pk}/")
    assert status(driver) == "reported" and driver.find_elements(By.CSS_SELECTOR, '[data-badge="fast-track"]')
    assert amount(driver, "claimed") == Decimal("3000.00")
    assert driver.find_elements(By.ID, "complete")  # invoice and medical record: nothing missing
    assert {"withdraw", "upload"} == {
        form.get_attribute("action").rstrip("/").rsplit("/", 1)[1]
        for form in driver.find_elements(By.CSS_SELECTOR, "#actions form, #upload-form")
    }

    # The insurer finds it first in its queue, registers, approves and pays it.
    driver.delete_all_cookies()
    sign_in(driver, live_server, p.handler.username)
    assert driver.find_element(By.CSS_SELECTOR, '[data-stat="queue"]').text == "1"
    click_through(driver, driver.find_element(By.ID, "queue-card"), "#claims")
    row = driver.find_element(By.CSS_SELECTOR, "#claims tbody tr")
    assert row.get_attribute("data-id") == str(claim.pk) and row.get_attribute("data-fast-track") is not None
    click_through(driver, row.find_element(By.CSS_SELECTOR, "td a"), "#register-form")
    type_into(driver, "id_registerform_reference", "INS-2026-88")
    click_through(driver, driver.find_element(By.ID, "register"), "#approve-form")
    assert status(driver) == "registered"
    assert driver.find_element(By.ID, "id_approveform_approved_amount").get_attribute("value") == "3000.00"
    type_into(driver, "id_approveform_approved_amount", "2800.00")
    click_through(driver, driver.find_element(By.ID, "approve"), "#pay-form")
    assert status(driver) == "approved" and amount(driver, "approved") == Decimal("2800.00")
    type_into(driver, "id_payform_reference", "PAY-20260001")
    click_through(driver, driver.find_element(By.ID, "pay"), "#timeline")
    assert status(driver) == "paid"
    claim.refresh_from_db()
    assert (claim.status, claim.paid_amount, claim.payment_reference, claim.insurer_reference) == (
        "paid", Decimal("2800.00"), "PAY-20260001", "INS-2026-88")

    # The institution sees its claim paid, with the whole story.
    driver.delete_all_cookies()
    sign_in(driver, live_server, p.institution.username)
    open_page(driver, f"{live_server.url}/claims/", "#claims")
    row = driver.find_element(By.CSS_SELECTOR, f'#claims tr[data-id="{claim.pk}"]')
    assert row.find_element(By.CSS_SELECTOR, "[data-status]").get_attribute("data-status") == "paid"
    click_through(driver, row.find_element(By.CSS_SELECTOR, "td a"), "#claim-title")
    assert status(driver) == "paid" and amount(driver, "paid") == Decimal("2800.00")
    steps = [li.get_attribute("data-action") for li in driver.find_elements(By.CSS_SELECTOR, "#timeline li")]
    assert steps == ["create", "register", "approve", "pay"]
    assert "PAY-20260001" in wait_for(driver, "#payments").text
