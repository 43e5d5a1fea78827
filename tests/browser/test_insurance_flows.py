"""Liability insurance in a real browser: an institution drafts, declares and uploads its policy, the
insurer binds it, a regulator verifies the document and sees the home counted on the coverage page."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from accounts.choices import Role
from insurance.models import Policy
from tests.browser.helpers import menu_link, click_through, open_page, sign_in, wait_for
from tests.factories import InstitutionFactory, InsurerFactory, make_scheme, make_user, pdf_bytes, region, term_covering

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def parties(settings, tmp_path):
    """A 广州 home with its user, an insurer with its claims handler, a 广州 regulator, and the
    Guangdong scheme for the year of a term that covers today."""
    settings.MEDIA_ROOT = tmp_path  # the live server runs in this process
    start, end = term_covering()
    make_scheme("440000", start.year, "120.00")

    class Parties:
        pass

    p = Parties()
    p.start, p.end = start, end
    p.home = InstitutionFactory(region=region("440106"), name="天河康乐养老院", beds_total=120)
    p.institution = make_user(Role.INSTITUTION, institution=p.home)
    p.insurer = InsurerFactory(code="picc-gd", name="人保财险广东分公司")
    p.handler = make_user(Role.INSURER, insurer=p.insurer)
    p.regulator = make_user(Role.REGULATOR, region_code="440100")
    return p


def set_value(driver, element_id: str, value: str):
    """Type into an input; date inputs take their value directly (their typing order follows the locale)."""
    element = driver.find_element(By.ID, element_id)
    if element.get_attribute("type") == "date":
        driver.execute_script("arguments[0].value = arguments[1]", element, value)
    else:
        element.clear()
        element.send_keys(value)


def sign_out(driver):
    driver.delete_all_cookies()


def test_draft_declare_upload_activate_verify_and_coverage(driver, live_server, parties, tmp_path):
    p = parties
    pdf = tmp_path / "保单.pdf"
    pdf.write_bytes(pdf_bytes(2))

    # The institution sees it is not insured and starts a policy from its home page.
    sign_in(driver, live_server, p.institution.username)
    assert driver.find_element(By.CSS_SELECTOR, '[data-stat="insured"]').get_attribute("class").endswith("text-danger")
    click_through(driver, driver.find_element(By.ID, "buy"), "#policy-form")
    assert driver.find_element(By.ID, "institution-name").text.startswith("天河康乐养老院")
    set_value(driver, "id_start_date", p.start.isoformat())
    Select(driver.find_element(By.ID, "id_insurer")).select_by_value("picc-gd")
    set_value(driver, "id_insured_beds", "100")

    # The quote shows the premium and its factors before anything is saved.
    click_through(driver, driver.find_element(By.ID, "quote"), "#premium")
    assert driver.find_element(By.ID, "premium").text == "12600.00"  # 120 × 100 × 1.05 (not rated yet)
    assert driver.find_element(By.ID, "rate-factor").text == "1.0500"
    assert len(driver.find_elements(By.CSS_SELECTOR, "#factors tbody tr")) == 7  # 4 factors, product, bounds, result
    assert not Policy.objects.exists()
    click_through(driver, driver.find_element(By.ID, "save"), "#policy-title")
    policy = Policy.objects.get()
    assert driver.current_url.endswith(f"/policies/{policy.pk}/")
    assert driver.find_element(By.CSS_SELECTOR, "[data-status]").get_attribute("data-status") == "draft"

    # It declares residents are not charged, and uploads the policy PDF.
    click_through(driver, driver.find_element(By.ID, "declare"), "#declaration .badge")
    assert not driver.find_elements(By.ID, "declare")
    driver.find_element(By.ID, "id_file").send_keys(str(pdf))
    click_through(driver, driver.find_element(By.ID, "upload"), "#documents")
    assert "保单.pdf" in driver.find_element(By.ID, "documents").text
    policy.refresh_from_db()
    assert policy.not_charged_declared_by == p.institution and policy.documents.count() == 1

    # The insurer binds it with its number.
    sign_out(driver)
    sign_in(driver, live_server, p.handler.username)
    open_page(driver, f"{live_server.url}/policies/{policy.pk}/", "#activate-form")
    set_value(driver, "id_number", "PGZ2026-0001")
    click_through(driver, driver.find_element(By.ID, "activate"), "#policy-title")
    assert driver.find_element(By.CSS_SELECTOR, "[data-status]").get_attribute("data-status") == "active"
    assert "PGZ2026-0001" in driver.find_element(By.ID, "policy-title").text

    # The regulator verifies the document, then finds the home counted as insured.
    sign_out(driver)
    sign_in(driver, live_server, p.regulator.username)
    open_page(driver, f"{live_server.url}/policies/{policy.pk}/", "#verify")
    click_through(driver, driver.find_element(By.ID, "verify"), '[data-badge="verified"]')
    policy.refresh_from_db()
    assert policy.verified_by == p.regulator

    click_through(driver, menu_link(driver, "/coverage/"), "#cards")
    stat = lambda name: driver.find_element(By.CSS_SELECTOR, f'[data-stat="{name}"]').text  # noqa: E731
    assert (stat("insured_institutions"), stat("institutions"), stat("institution_rate")) == ("1", "1", "100.0%")
    assert (stat("insured_beds"), stat("beds")) == ("100", "120")
    row = driver.find_element(By.CSS_SELECTOR, '#coverage-rows tr[data-region="440106"]')
    assert row.find_element(By.CSS_SELECTOR, "td.name a").text == "天河区"
    # The vendored Chart.js drew both charts.
    WebDriverWait(driver, 10).until(lambda d: d.execute_script(
        "return !!(window.Chart && Chart.getChart('rate-chart') && Chart.getChart('payer-chart'))"))

    # Drill down to the district: the breadcrumb leads back up.
    click_through(driver, row.find_element(By.CSS_SELECTOR, "td.name a"), "#trail")
    assert "region=440106" in driver.current_url
    back = driver.find_element(By.CSS_SELECTOR, '#trail a[data-region="440100"]')
    assert back.text == "广州市"


def test_phone_layout_of_the_form_and_coverage(phone_driver, live_server, parties):
    driver = phone_driver
    sign_in(driver, live_server, parties.institution.username)
    open_page(driver, f"{live_server.url}/policies/new/", "#policy-form")
    Select(driver.find_element(By.ID, "id_insurer")).select_by_value("picc-gd")
    set_value(driver, "id_start_date", parties.start.isoformat())
    click_through(driver, driver.find_element(By.ID, "quote"), "#premium")
    # On a phone the quote comes first, above the long form, and the page does not scroll sideways.
    premium_top = driver.find_element(By.ID, "premium").location["y"]
    assert premium_top < driver.find_element(By.ID, "section-inputs").location["y"]
    assert driver.execute_script("return document.documentElement.scrollWidth") <= 390

    sign_out(driver)
    sign_in(driver, live_server, parties.regulator.username)
    open_page(driver, f"{live_server.url}/coverage/", "#cards")
    WebDriverWait(driver, 10).until(EC.presence_of_element_located((By.ID, "rate-chart")))
    assert driver.execute_script("return document.documentElement.scrollWidth") <= 390
    wait_for(driver, "#uninsured")
