"""Steps the browser tests share: navigate and wait, so no assertion runs against the old page."""

from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

def wait_for(driver, css: str, timeout: float = 10):
    return WebDriverWait(driver, timeout).until(EC.presence_of_element_located((By.CSS_SELECTOR, css)))


def open_page(driver, url: str, css: str):
    """Navigate and wait for an element of the new page."""
    driver.get(url)
    return wait_for(driver, css)


def click_through(driver, element, css: str):
    """Click something that loads a new page, and wait until it has (not just the old one still showing)."""
    old_page = driver.find_element(By.TAG_NAME, "html")
    element.click()
    WebDriverWait(driver, 10).until(_gone(old_page))
    return wait_for(driver, css)


def _gone(element):
    """Like EC.staleness_of, but while the old page unloads chromedriver sometimes answers
    "Node with given id does not belong to the document" instead of a stale reference: gone too."""

    def check(_driver):
        try:
            element.is_enabled()
        except WebDriverException:  # StaleElementReferenceException is one
            return True
        return False

    return check


def sign_in(driver, live_server, username: str, password: str = "pass-word-123"):
    open_page(driver, f"{live_server.url}/accounts/login/", "#sign-in")
    driver.find_element(By.NAME, "username").send_keys(username)
    driver.find_element(By.NAME, "password").send_keys(password)
    click_through(driver, driver.find_element(By.ID, "sign-in"), "#scope")


def pick_region(driver, *names: str):
    """Choose province → city → county in the JS region picker, waiting for each level to load."""
    for depth, name in enumerate(names):
        css = f'select.region-picker-level[data-depth="{depth}"]'
        WebDriverWait(driver, 10).until(
            lambda d: any(o.text == name for o in d.find_elements(By.CSS_SELECTOR, f"{css} option"))
        )
        Select(driver.find_element(By.CSS_SELECTOR, css)).select_by_visible_text(name)


def row_names(driver) -> list[str]:
    return [a.text for a in driver.find_elements(By.CSS_SELECTOR, "#institutions td.name a")]


def menu_link(driver, href: str):
    """The main menu's link to `href`, opening its group's dropdown first when it sits in one."""
    link = driver.find_element(By.CSS_SELECTOR, f'#main-nav a[href="{href}"]')
    if not link.is_displayed():
        toggle = link.find_element(By.XPATH, "ancestor::li[contains(@class, 'dropdown')]/button")
        toggle.click()
        WebDriverWait(driver, 5).until(EC.visibility_of(link))
    return link
