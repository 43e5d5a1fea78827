import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_schema_describes_the_registry():
    response = Client().get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    for path in ["/api/v1/regions/", "/api/v1/institutions/", "/api/v1/institutions/{id}/",
                 "/api/v1/institutions/{id}/deactivate/", "/api/v1/practitioners/"]:
        assert path in paths, path
    params = {p["name"] for p in paths["/api/v1/institutions/"]["get"]["parameters"]}
    assert {"region", "type", "level", "credit_grade", "is_blacklisted", "q", "updated_since", "page", "page_size",
            "ordering"} <= params
    assert "bearerKey" in schema["components"]["securitySchemes"]


def test_docs_are_served_without_internet():
    html = Client().get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    external = [url for url in re.findall(r'(?:src|href)="(https?://[^"]+)"', html)]
    assert external == []


def test_schema_generates_without_warnings(tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert (tmp_path / "schema.yaml").stat().st_size > 10_000
