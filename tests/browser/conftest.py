"""A real headless Chromium driven by Selenium (settings that work offline: shared/recipes.md)."""

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROME_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
PHONE = {"width": 390, "height": 844}


def _chrome(tmp_path_factory, *, phone: bool = False):
    options = webdriver.ChromeOptions()
    for arg in CHROME_ARGS:
        options.add_argument(arg)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chrome-profile')}")
    # Ask for Chinese first, like the platform's users.
    options.add_experimental_option("prefs", {"intl.accept_languages": "zh-CN,zh"})
    if phone:
        # A desktop window cannot be made narrower than ~500 px; emulate the phone's viewport instead.
        options.add_experimental_option("mobileEmulation", {"deviceMetrics": {**PHONE, "pixelRatio": 3}})
    else:
        options.add_argument("--window-size=1280,900")
    options.binary_location = "/usr/bin/chromium"  # and the Debian driver: Selenium Manager would go online
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


@pytest.fixture
def driver(tmp_path_factory):
    chrome = _chrome(tmp_path_factory)
    yield chrome
    chrome.quit()


@pytest.fixture
def phone_driver(tmp_path_factory):
    chrome = _chrome(tmp_path_factory, phone=True)
    yield chrome
    chrome.quit()
