"""The blacklist procedure in a real browser: a regulator proposes a case against a home, notifies
it, and — once the objection period is over (moved into the past in the database, as time would) —
decides to list it; the public blacklist page (no login) then shows the home with its dates."""

from datetime import timedelta

import pytest
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from credit.choices import CaseStatus
from credit.models import BlacklistCase
from tests.browser.helpers import click_through, open_page, sign_in
from tests.credit import test_blacklist as _blacklist_fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

bw = _blacklist_fixtures.bw  # the fixture, shared with tests/credit


def test_regulator_proposes_notifies_and_lists_a_home(driver, live_server, bw):
    bw.regulator.set_password("pass-word-123")
    bw.regulator.save()
    sign_in(driver, live_server, bw.regulator.username)

    open_page(driver, f"{live_server.url}/blacklist/new/", "#propose-form")
    Select(driver.find_element(By.NAME, "institution")).select_by_value(str(bw.home.pk))
    Select(driver.find_element(By.NAME, "criterion")).select_by_value("4")
    driver.find_element(By.NAME, "evidence").send_keys("疏散通道堵塞，重大火灾隐患逾期未整改。")
    click_through(driver, driver.find_element(By.ID, "submit-proposal"), "#notify-form")
    case = BlacklistCase.objects.get()
    assert case.status == CaseStatus.PROPOSED
    assert driver.find_element(By.ID, "case-status").get_attribute("data-status") == "proposed"

    click_through(driver, driver.find_element(By.ID, "do-notify"), "#notice-pdf")
    case.refresh_from_db()
    assert case.status == CaseStatus.NOTIFIED and case.objection_deadline > timezone.localdate()
    assert not driver.find_elements(By.ID, "decide-form")  # not while the party may object

    # Time passes: the objection period closes without an objection.
    BlacklistCase.objects.filter(pk=case.pk).update(objection_deadline=timezone.localdate() - timedelta(days=1))
    open_page(driver, f"{live_server.url}/blacklist/{case.pk}/", "#decide-form")
    driver.find_element(By.CSS_SELECTOR, 'input[name="outcome"][value="listed"]').click()
    click_through(driver, driver.find_element(By.ID, "do-decide"), "#decision-pdf")
    assert driver.find_element(By.ID, "case-status").get_attribute("data-status") == "listed"
    case.refresh_from_db()
    bw.home.refresh_from_db()
    assert case.status == CaseStatus.LISTED and bw.home.is_blacklisted

    # The public, without signing in.
    driver.delete_all_cookies()
    open_page(driver, f"{live_server.url}/public/blacklist/", "#blacklist")
    row = driver.find_element(By.CSS_SELECTOR, f'#blacklist tr[data-id="{case.pk}"]')
    assert "天河康乐养老院" in row.text and bw.home.uscc in row.text
    assert case.expected_exit_date.isoformat() in row.text
