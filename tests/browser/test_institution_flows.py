"""The registry's main flows in a real browser: sign-in, filters, the region picker, a form with an
inline error, the history tab, scoping, and the phone layout."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from accounts.choices import Role
from institutions.models import Institution
from tests.browser.helpers import menu_link, click_through, open_page, pick_region, row_names, sign_in, wait_for
from tests.factories import InstitutionFactory, make_user, make_uscc, region

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_regulator_filters_registers_with_a_corrected_uscc_and_sees_the_history(driver, live_server):
    regulator = make_user(Role.REGULATOR, region_code="440100")
    InstitutionFactory(region=region("440106"), name="天河康乐养老院")
    InstitutionFactory(region=region("440104"), name="越秀福寿养老院")
    sign_in(driver, live_server, regulator.username)

    # Filter the list with the cascading region picker (广州's districts, loaded from the API).
    click_through(driver, menu_link(driver, "/institutions/"), "#filters")
    assert sorted(row_names(driver)) == ["天河康乐养老院", "越秀福寿养老院"]
    pick_region(driver, "天河区")
    click_through(driver, driver.find_element(By.ID, "apply-filters"), "#result-count")
    assert "region=440106" in driver.current_url
    assert row_names(driver) == ["天河康乐养老院"]

    # Register one with a mistyped USCC: the error shows at the field, and what was typed stays.
    click_through(driver, driver.find_element(By.ID, "register"), "#institution-form")
    good_uscc = make_uscc("440106")
    bad_uscc = good_uscc[:-1] + ("0" if good_uscc[-1] != "0" else "1")
    driver.find_element(By.ID, "id_uscc").send_keys(bad_uscc)
    driver.find_element(By.ID, "id_name").send_keys("天河新建颐养院")
    pick_region(driver, "天河区")
    Select(driver.find_element(By.ID, "id_type")).select_by_value("nursing_home")
    Select(driver.find_element(By.ID, "id_nature")).select_by_value("for_profit")
    Select(driver.find_element(By.ID, "id_operation_model")).select_by_value("private")
    driver.find_element(By.ID, "id_address").send_keys("天河区体育西路1号")
    driver.find_element(By.ID, "id_beds_total").send_keys("80")
    click_through(driver, driver.find_element(By.ID, "save"), '[data-error-for="uscc"]')
    assert "is-invalid" in driver.find_element(By.ID, "id_uscc").get_attribute("class")
    assert driver.find_element(By.ID, "id_name").get_attribute("value") == "天河新建颐养院"
    assert not Institution.objects.filter(name="天河新建颐养院").exists()

    uscc_input = driver.find_element(By.ID, "id_uscc")
    uscc_input.clear()
    uscc_input.send_keys(good_uscc)
    wait_for(driver, 'select.region-picker-level[data-depth="0"]')  # the region survived the round trip
    click_through(driver, driver.find_element(By.ID, "save"), "#institution-name")
    assert driver.find_element(By.ID, "institution-name").text == "天河新建颐养院"
    created = Institution.objects.get(name="天河新建颐养院")
    assert created.uscc == good_uscc and created.region_id == "440106"

    click_through(driver, driver.find_element(By.ID, "tab-history"), "#history")
    creation = driver.find_element(By.CSS_SELECTOR, '#history tr[data-action="0"]')
    assert regulator.username in creation.text and good_uscc in creation.text


def test_institution_user_sees_only_its_own_institution(driver, live_server):
    own = InstitutionFactory(region=region("440106"), name="天河康乐养老院")
    other = InstitutionFactory(region=region("440106"), name="天河隔壁养老院")
    user = make_user(Role.INSTITUTION, institution=own)
    sign_in(driver, live_server, user.username)

    click_through(driver, menu_link(driver, "/my-institution/"), "#institution-name")
    assert driver.find_element(By.ID, "institution-name").text == "天河康乐养老院"
    assert driver.find_elements(By.ID, "edit")  # it keeps its own contact data
    assert not driver.find_elements(By.ID, "tab-history")

    open_page(driver, f"{live_server.url}/institutions/", "#result-count")
    assert row_names(driver) == ["天河康乐养老院"]
    error = open_page(driver, f"{live_server.url}/institutions/{other.pk}/", "#error-page")
    assert error.get_attribute("data-status") == "404"
    assert "天河隔壁养老院" not in driver.page_source


def test_phone_layout_collapses_the_menu_and_scrolls_only_the_table(phone_driver, live_server):
    driver = phone_driver
    regulator = make_user(Role.REGULATOR, region_code="440100")
    InstitutionFactory.create_batch(3, region=region("440106"))
    sign_in(driver, live_server, regulator.username)
    open_page(driver, f"{live_server.url}/institutions/", "#institutions")

    assert driver.execute_script("return window.innerWidth") == 390
    registry = driver.find_element(By.CSS_SELECTOR, '#main-nav [data-menu]')
    assert not registry.is_displayed()
    driver.find_element(By.CSS_SELECTOR, ".navbar-toggler").click()
    WebDriverWait(driver, 5).until(EC.visibility_of(registry))
    assert menu_link(driver, "/institutions/").is_displayed()

    # The page itself does not scroll sideways; the wide table does, inside its own box.
    assert driver.execute_script("return document.documentElement.scrollWidth") <= 390
    box = driver.find_element(By.CSS_SELECTOR, ".table-responsive")
    assert driver.execute_script("return arguments[0].scrollWidth > arguments[0].clientWidth", box)
