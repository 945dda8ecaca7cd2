"""Property-based fuzzing of the REST API from its own OpenAPI document (schemathesis), against a
live node. For every operation: valid and invalid bodies, queries and path ids, sent anonymously,
with a token and made-up ids, and with a token and ids that exist. Nothing may answer 5xx, every
status must be documented for its operation, and every body must match the schema documented
for that status. Every path also answers the methods it lacks with 405 and the exact Allow."""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Iterator

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from control.api.openapi import build_openapi
from control.app import ENDPOINTS
from tests.support.api import Api, User, join_with_invite, register_user, unique_name
from tests.support.recordings import file_recording, placeholder_file
from tests.support.server import RunningServer

DOCUMENT = build_openapi(ENDPOINTS)
# Read at import, so each operation is a test of its own; a test below checks that the node
# serves this very document.
schema = schemathesis.openapi.from_dict(DOCUMENT)
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], deterministic=True,
                                allow_x00=True, database="none")

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


@dataclass
class Figures:
    cases: int = 0
    requests: int = 0
    started: float = field(default_factory=time.monotonic)


@pytest.fixture(scope="module")
def figures() -> Iterator[Figures]:
    counted = Figures()
    yield counted
    elapsed = time.monotonic() - counted.started
    print(f"\nopenapi fuzz: {counted.cases} cases, {counted.requests} requests in {elapsed:.1f} s")


@pytest.fixture(scope="module")
def people(server: RunningServer) -> dict[str, User]:
    api = Api(server.url)
    return {"owner": register_user(api), "member": register_user(api)}


@pytest.fixture(scope="module")
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


@pytest.fixture
def real_ids(people: dict[str, User], server: RunningServer) -> dict[str, str]:
    """A fresh group per operation: fuzzing DELETE or transfer must not starve the next operation."""
    owner, member = people["owner"], people["member"]
    group = owner.api.post("/api/groups", {"name": unique_name("fuzz"), "privacy": "private"}).json()
    join_with_invite(member, owner, group["id"])
    channel = next(c["id"] for c in group["channels"] if c["kind"] == "text")
    voice = next(c["id"] for c in group["channels"] if c["kind"] == "voice")
    recording = file_recording(server.settings, group_id=group["id"], channel_id=voice, started_by=owner.id,
                               source=placeholder_file(server.settings.data_dir))
    # The member's joining told the owner (invite accepted).
    notification = owner.api.get("/api/notifications", params={"group_id": group["id"]}).json()["notifications"][0]
    return {"group_id": group["id"], "channel_id": channel, "user_id": member.id,
            "code": group["invite"]["code"], "provider": "github", "recording_id": recording,
            "notification_id": notification["id"]}


@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented(case: Any, server: RunningServer, people: dict[str, User],
                                               real_ids: dict[str, str], http: requests.Session,
                                               figures: Figures) -> None:
    token = {"Authorization": f"Bearer {people['owner'].tokens['access_token']}"}
    generated = dict(case.path_parameters)
    real = {name: real_ids[name] for name in generated}
    figures.cases += 1
    variants = [({}, generated), (token, generated)] + ([(token, real)] if real else [])
    for headers, path_parameters in variants:
        case.path_parameters.update(path_parameters)
        case.call_and_validate(base_url=server.url, session=http, headers=headers, checks=CHECKS)
        figures.requests += 1


def _concrete(path: str) -> str:
    return re.sub(r"{\w+}", lambda _: str(uuid.uuid4()), path)


def _allowed(path: str) -> set[str]:
    """What the path answers, from the document: its methods, HEAD wherever GET is, and the methods
    of every other template the concrete path also fits (`/members/bulk` is `/members/{user_id}`)."""
    declared = set()
    for template, operations in DOCUMENT["paths"].items():
        if re.fullmatch(re.sub(r"{\w+}", "[^/]+", template), path):
            declared |= {method.upper() for method in operations}
    return declared | ({"HEAD"} if "GET" in declared else set())


def test_wrong_methods_on_every_path_are_405_with_the_exact_allow(api: Api) -> None:
    for template in DOCUMENT["paths"]:
        for path in {_concrete(template), template.replace("{user_id}", "bulk")}:
            allowed = _allowed(path)
            for method in set(METHODS) - allowed:
                response = api.request(method, path)
                assert response.status_code == 405, (method, path, response.text)
                assert set(response.headers["allow"].split(", ")) == allowed, (method, path)
                if method != "HEAD":
                    assert response.json()["error"]["code"] == "method_not_allowed"


def test_head_answers_like_get_without_a_body(api: Api) -> None:
    for path in ("/api/health", "/api/me", f"/api/groups/{uuid.uuid4()}"):
        head, get = api.request("HEAD", path), api.get(path)
        assert head.status_code == get.status_code and head.content == b"", path


def test_the_node_serves_the_document_and_every_ref_resolves(api: Api) -> None:
    served = api.get("/api/openapi.json").json()
    assert served == DOCUMENT
    refs = re.findall(r'"\$ref": "([^"]+)"', api.get("/api/openapi.json").text.replace('":"', '": "'))
    assert refs
    for ref in refs:
        node: Any = served
        for part in ref.removeprefix("#/").split("/"):
            assert isinstance(node, dict) and part in node, ref
            node = node[part]


def test_every_operation_documents_its_errors_with_the_error_schema() -> None:
    for path, operations in DOCUMENT["paths"].items():
        for method, operation in operations.items():
            errors = {int(s): r for s, r in operation["responses"].items() if int(s) >= 400}
            assert 401 in errors, (method, path)
            if "requestBody" in operation:
                assert {400, 413, 422} <= errors.keys(), (method, path)
            if "{" in path:
                assert 404 in errors, (method, path)
            for response in errors.values():
                assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}
