import pytest
from rest_framework.test import APIClient

from accounts.choices import Role
from institutions.regions import ensure_regions
from tests.factories import InstitutionFactory, make_user, region


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle and rate-limit counters live in the cache, keyed by user ids the database reuses."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session", autouse=True)
def _media_outside_the_checkout(tmp_path_factory):
    """Uploads and generated files of any test land in a temporary folder, never in ./media."""
    from django.conf import settings
    from django.test import override_settings

    documents = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "test-documents"}
    with override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("media")),
                           CACHES={**settings.CACHES, "documents": documents}):
        yield


@pytest.fixture(autouse=True)
def _no_documents_from_earlier_tests():
    """Rendered documents are cached by record id and version, which a rolled-back test may reuse."""
    from django.core.cache import caches

    caches["documents"].clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Production hashing is slow on purpose; tests create many users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        ensure_regions()


@pytest.fixture(autouse=True)
def _regions_after_flush(request):
    """Transactional tests (browser, concurrency) flush every table; put the regions back."""
    marker = request.node.get_closest_marker("django_db")
    if marker and marker.kwargs.get("transaction"):
        request.getfixturevalue("transactional_db")
        ensure_regions()


@pytest.fixture
def api():
    return APIClient()


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def world(db):
    """Two cities' worth of registry: 广州 (天河) and 安康 (汉滨), with one user per role each side."""

    class World:
        pass

    w = World()
    w.gz_home = InstitutionFactory(region=region("440106"), name="天河康乐养老院")
    w.ak_home = InstitutionFactory(region=region("610902"), name="汉滨区中心敬老院")
    w.admin = make_user(Role.ADMIN)
    w.gz_regulator = make_user(Role.REGULATOR, region_code="440100")
    w.ak_regulator = make_user(Role.REGULATOR, region_code="610900")
    w.gz_inspector = make_user(Role.INSPECTOR, region_code="440106")
    w.gz_institution = make_user(Role.INSTITUTION, institution=w.gz_home)
    w.ak_institution = make_user(Role.INSTITUTION, institution=w.ak_home)
    w.insurer = make_user(Role.INSURER)
    return w


@pytest.fixture
def web(client):
    """A browser session in English, so assertions on text do not depend on the Chinese catalogue."""
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client
