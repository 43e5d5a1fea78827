"""Choosing a home among more than the select lists, in a real browser: a regulator types part of its
name in the penalty form's search box, picks it from what the script found, and records the penalty."""

import pytest
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from inspections.models import Penalty
from institutions.choosers import CHOICES_SHOWN
from tests.browser.helpers import click_through, open_page, sign_in
from tests.factories import InstitutionFactory, region
from tests.inspections.conftest import checklist, iw  # noqa: F401  (the inspections fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_regulator_finds_a_home_by_typing_and_records_a_penalty(driver, live_server, iw):  # noqa: F811
    for n in range(CHOICES_SHOWN + 5):  # names that sort before 天河福寿养老院: it is not listed at first
        InstitutionFactory(region=region("440106"), name=f"天河养老院{n:03d}")
    iw.regulator.set_password("pass-word-123")
    iw.regulator.save()
    sign_in(driver, live_server, iw.regulator.username)

    open_page(driver, f"{live_server.url}/penalties/", "#penalty-box")
    driver.find_element(By.CSS_SELECTOR, "#penalty-box summary").click()
    wanted = f'#id_institution option[value="{iw.other_home.pk}"]'
    assert not driver.find_elements(By.CSS_SELECTOR, wanted)
    driver.find_element(By.ID, "id_institution_q").send_keys("福寿")
    WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, wanted))
    assert "1" in driver.find_element(By.CSS_SELECTOR, "[data-chooser-status]").text  # one found
    assert driver.current_url.endswith("/penalties/")  # typing did not post the form
    Select(driver.find_element(By.ID, "id_institution")).select_by_value(str(iw.other_home.pk))
    Select(driver.find_element(By.NAME, "penalty_kind")).select_by_value("warning")
    driver.find_element(By.NAME, "reason").send_keys("拒不配合检查")
    driver.find_element(By.NAME, "legal_basis").send_keys("《养老机构管理办法》")
    driver.find_element(By.NAME, "document_number").send_keys("警告7号")
    click_through(driver, driver.find_element(By.ID, "record-penalty"), "#penalties")

    penalty = Penalty.objects.get()
    assert penalty.institution == iw.other_home and penalty.decided_on == timezone.localdate()
    assert "天河福寿养老院" in driver.find_element(By.ID, "penalties").text


def test_choosing_a_home_redraws_the_parts_that_follow_it(driver, live_server, iw):  # noqa: F811
    """The blacklist proposal: picking a home shows its people, fetched by posting the form back as its
    search button would (nothing is saved)."""
    from credit.models import BlacklistCase
    from tests.factories import PractitionerFactory

    worker = PractitionerFactory(institution=iw.other_home, person__name="李护理")
    iw.regulator.set_password("pass-word-123")
    iw.regulator.save()
    sign_in(driver, live_server, iw.regulator.username)

    open_page(driver, f"{live_server.url}/blacklist/new/", "#practitioner-box")
    person = f'#practitioner-box option[value="{worker.person_id}"]'
    assert not driver.find_elements(By.CSS_SELECTOR, person)
    # Everything else filled in first: the redraw must not be taken for the proposal itself.
    Select(driver.find_element(By.NAME, "criterion")).select_by_index(1)
    driver.find_element(By.NAME, "evidence").send_keys("连续两次检查发现重大事故隐患且逾期未整改")
    Select(driver.find_element(By.ID, "id_institution")).select_by_value(str(iw.other_home.pk))
    WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, person))
    assert "李护理" in driver.find_element(By.ID, "practitioner-box").text
    assert driver.current_url.endswith("/blacklist/new/") and not BlacklistCase.objects.exists()
