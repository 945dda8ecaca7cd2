"""The API describes itself: an OpenAPI document and a readable page."""

from __future__ import annotations

from control.app import ENDPOINTS
from tests.support.api import Api


def test_the_openapi_document_lists_every_route_with_its_shapes(api: Api) -> None:
    document = api.get("/api/openapi.json").json()
    assert document["openapi"].startswith("3.")
    for endpoint in ENDPOINTS:
        operation = document["paths"][endpoint.path][endpoint.method.lower()]
        assert operation["summary"]
        if endpoint.body is not None:
            ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            assert ref.rsplit("/", 1)[1] in document["components"]["schemas"]
        assert ("security" in operation) == endpoint.auth
    assert "GroupCreated" in document["components"]["schemas"]


def test_the_docs_page_is_readable_html_without_outside_scripts(api: Api) -> None:
    page = api.get("/api/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "/api/groups/{group_id}/members" in page.text and "<script" not in page.text
