"""A safety inspection on a phone, in a real browser: the inspector starts it on site, answers the
combined checklist item by item (each answer saved as given), records two findings from failed items,
both inspectors and the home's representative sign (a drawn signature), and it is completed; the home
answers a finding with a photo as evidence and the inspector accepts it. And an answer given while the
connection is down waits in the page and is sent when it returns."""

import io

import pytest
from PIL import Image
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from inspections import services
from inspections.choices import FindingStatus, InspectionStatus, SignerKind
from inspections.models import Finding, InspectionResult
from tests.browser.helpers import click_through, open_page, sign_in, wait_for
from tests.inspections.conftest import checklist, iw  # noqa: F401  (the inspections fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def notified(settings, tmp_path, iw):  # noqa: F811
    """A routine joint inspection of 天河康乐养老院, announced, with 王检查 and 李消防 on the team."""
    settings.MEDIA_ROOT = tmp_path  # the live server runs in this process
    for user in (iw.inspector, iw.inspector2, iw.institution):
        user.set_password("pass-word-123")
        user.save()
    inspection = iw.plan()
    services.notify_inspection(actor=iw.regulator, inspection_id=inspection.pk)
    return inspection


def item_of(iw, code):  # noqa: F811
    return iw.checklist.items.get(code=code)


def answer(driver, item, outcome: str):
    """Tap an answer and wait until the page says the server has it."""
    article = driver.find_element(By.ID, f"item-{item.pk}")
    button = article.find_element(By.CSS_SELECTOR, f'button[data-outcome="{outcome}"]')
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()
    WebDriverWait(driver, 10).until(
        lambda d: article.find_element(By.CSS_SELECTOR, "[data-save-state]").get_attribute("data-state") == "saved"
    )
    assert button.get_attribute("aria-pressed") == "true"


def tap(driver, element, css: str):
    """Scroll to the middle of the phone's screen, clear of the sticky progress bar, tap, and wait for the next page."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    return click_through(driver, element, css)


def sign_out(driver):
    driver.delete_all_cookies()


def png_file(tmp_path) -> str:
    path = tmp_path / "整改后照片.png"
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (20, 160, 90)).save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return str(path)


def test_on_site_record_findings_sign_complete_and_rectify(phone_driver, live_server, iw, notified, tmp_path):  # noqa: F811
    driver, inspection = phone_driver, notified

    # The inspector starts the inspection from its page and lands on the on-site record.
    sign_in(driver, live_server, iw.inspector.username)
    open_page(driver, f"{live_server.url}/inspections/{inspection.pk}/", "#start")
    click_through(driver, driver.find_element(By.ID, "start"), "#log-page.js")
    assert driver.execute_script("return document.documentElement.scrollWidth") <= 390  # no sideways scrolling

    # Five items of three departments (一表通查); each answer is stored as it is given.
    answer(driver, item_of(iw, "BR-1"), "pass")
    answer(driver, item_of(iw, "NP-1"), "fail")
    answer(driver, item_of(iw, "MH-1"), "not_applicable")
    answer(driver, item_of(iw, "FS-1"), "fail")
    answer(driver, item_of(iw, "FS-2"), "pass")
    assert dict(InspectionResult.objects.filter(inspection=inspection).values_list("item__code", "outcome")) == {
        "BR-1": "pass", "NP-1": "fail", "MH-1": "not_applicable", "FS-1": "fail", "FS-2": "pass"}
    assert driver.find_element(By.ID, "progress").get_attribute("aria-valuenow") == "5"
    assert not driver.find_elements(By.CSS_SELECTOR, '#missing [data-missing="unanswered"]')

    # A failed item offers the finding form, prefilled from the item; severity moves the deadline.
    np1 = item_of(iw, "NP-1")
    form = driver.find_element(By.CSS_SELECTOR, f"#item-{np1.pk} form[data-finding-form]")
    assert form.find_element(By.NAME, "description").get_attribute("value").endswith(np1.text)
    deadline = form.find_element(By.NAME, "deadline")
    before = deadline.get_attribute("value")
    driver.execute_script("arguments[0].click()", form.find_element(By.CSS_SELECTOR, 'input[name="severity"][value="3"]'))
    assert deadline.get_attribute("value") < before  # severity 3: 15 working days instead of 30
    tap(driver, form.find_element(By.CSS_SELECTOR, "[data-record-finding]"), f"#item-{np1.pk} [data-finding]")

    fs1 = item_of(iw, "FS-1")
    form = driver.find_element(By.CSS_SELECTOR, f"#item-{fs1.pk} form[data-finding-form]")
    assert form.find_element(By.NAME, "is_major_hazard").is_selected()  # FS-1 is a major hazard
    tap(driver, form.find_element(By.CSS_SELECTOR, "[data-record-finding]"), f"#item-{fs1.pk} [data-finding]")
    findings = {f.item.code: f for f in Finding.objects.filter(inspection=inspection).select_related("item")}
    assert {code: (f.severity, f.is_major_hazard) for code, f in findings.items()} == {"NP-1": (3, False), "FS-1": (2, True)}

    # The first inspector signs; completing is refused until everyone has.
    tap(driver, driver.find_element(By.ID, "sign-inspector"), "#team-signatures")
    assert driver.find_element(By.ID, "complete").get_attribute("disabled") is not None

    # The second inspector signs on their own phone.
    sign_out(driver)
    sign_in(driver, live_server, iw.inspector2.username)
    open_page(driver, f"{live_server.url}/inspections/{inspection.pk}/log/", "#sign-inspector")
    tap(driver, driver.find_element(By.ID, "sign-inspector"), "#team-signatures")
    assert {li.get_attribute("data-signed") for li in driver.find_elements(By.CSS_SELECTOR, "#team-signatures li")} == {"1"}

    # The representative types a name and signs with a finger on the pad.
    driver.find_element(By.ID, "id_name").send_keys("张院长")
    pad = driver.find_element(By.ID, "signature-pad")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", pad)
    ActionChains(driver).move_to_element_with_offset(pad, -100, 0).click_and_hold().move_by_offset(60, 15) \
        .move_by_offset(60, -20).move_by_offset(60, 10).release().perform()
    tap(driver, driver.find_element(By.ID, "sign-representative"), "#representative-signed")
    representative = inspection.signatures.get(kind=SignerKind.REPRESENTATIVE)
    assert representative.name == "张院长" and representative.image  # the drawing arrived as a PNG
    assert driver.find_element(By.CSS_SELECTOR, "#representative-signed img").get_attribute("naturalWidth") != "0"

    # Nothing is missing any more: complete.
    assert not driver.find_elements(By.ID, "missing")
    driver.find_element(By.ID, "id_conclusion").send_keys("发现隐患2处，限期整改。")
    tap(driver, driver.find_element(By.ID, "complete"), "#inspection-title")
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.COMPLETED
    assert driver.find_element(By.CSS_SELECTOR, "[data-status]").get_attribute("data-status") == "completed"

    # The institution answers the major fire hazard with a photo of the cleared exit.
    finding = findings["FS-1"]
    sign_out(driver)
    sign_in(driver, live_server, iw.institution.username)
    assert driver.find_element(By.CSS_SELECTOR, '#inspection-cards [data-stat="open_findings"]').text == "2"
    assert driver.execute_script("return document.documentElement.scrollWidth") <= 390
    click_through(driver, driver.find_element(By.CSS_SELECTOR, f'#open-findings [data-id="{finding.pk}"] a'), "#rectify-form")
    driver.find_element(By.ID, "id_plan").send_keys("清理疏散通道堆放物，安排专人每日巡查。")
    driver.find_element(By.ID, "id_files").send_keys(png_file(tmp_path))
    click_through(driver, driver.find_element(By.ID, "rectify"), "[data-rectification]")
    finding.refresh_from_db()
    assert finding.status == FindingStatus.SUBMITTED
    assert driver.find_element(By.CSS_SELECTOR, ".evidence a").text == "整改后照片.png"

    # The inspector accepts it: the finding is closed.
    sign_out(driver)
    sign_in(driver, live_server, iw.inspector.username)
    open_page(driver, f"{live_server.url}/findings/{finding.pk}/", "#verify-form")
    driver.execute_script("arguments[0].click()", driver.find_element(By.CSS_SELECTOR, 'input[name="decision"][value="accept"]'))
    click_through(driver, driver.find_element(By.ID, "verify"), "#finding-title")
    finding.refresh_from_db()
    assert finding.status == FindingStatus.CLOSED
    assert wait_for(driver, '#finding-title + div [data-status]').get_attribute("data-status") == "closed"
    assert driver.find_element(By.CSS_SELECTOR, '[data-decision="accepted"]')


def test_an_answer_given_offline_waits_and_is_sent_when_the_connection_returns(
        phone_driver, live_server, iw, notified):  # noqa: F811
    driver, inspection = phone_driver, notified
    services.start_inspection(actor=iw.inspector, inspection_id=inspection.pk)
    sign_in(driver, live_server, iw.inspector.username)
    open_page(driver, f"{live_server.url}/inspections/{inspection.pk}/log/", "#log-page.js")
    item = item_of(iw, "FS-2")

    # The connection drops: every request fails as it would in a dead zone.
    driver.execute_script("window.realFetch = window.fetch; window.fetch = function () {"
                          " return Promise.reject(new TypeError('Failed to fetch')); };")
    article = driver.find_element(By.ID, f"item-{item.pk}")
    article.find_element(By.NAME, "note").send_keys("演练记录缺2025年下半年")
    article.find_element(By.CSS_SELECTOR, 'button[data-outcome="fail"]').click()
    WebDriverWait(driver, 10).until(
        lambda d: article.find_element(By.CSS_SELECTOR, "[data-save-state]").get_attribute("data-state") == "queued")
    assert driver.find_element(By.ID, "sync-status").get_attribute("data-waiting") == "1"
    assert driver.execute_script(f"return localStorage.getItem('careguard:inspection:{inspection.pk}:answers')")
    assert not InspectionResult.objects.filter(inspection=inspection).exists()
    # The page already counts it and offers the finding form: nothing to wait for on site.
    assert driver.find_element(By.ID, "progress").get_attribute("aria-valuenow") == "1"
    assert article.find_element(By.CSS_SELECTOR, "form[data-finding-form]")

    # The connection returns: the waiting answer is sent and leaves the queue.
    driver.execute_script("window.fetch = window.realFetch; window.dispatchEvent(new Event('online'));")
    WebDriverWait(driver, 10).until(
        lambda d: article.find_element(By.CSS_SELECTOR, "[data-save-state]").get_attribute("data-state") == "saved")
    assert driver.find_element(By.ID, "sync-status").get_attribute("data-waiting") == "0"
    result = InspectionResult.objects.get(inspection=inspection, item=item)
    assert (result.outcome, result.note) == ("fail", "演练记录缺2025年下半年")
    assert driver.execute_script(f"return localStorage.getItem('careguard:inspection:{inspection.pk}:answers')") is None
