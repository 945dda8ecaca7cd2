"""The generated protocol files (JSON Schema, OpenAPI, TypeScript) match schemas/ exactly."""

from __future__ import annotations

import json

from pydantic import TypeAdapter

from schemas import codegen, signaling


def test_generated_files_are_up_to_date() -> None:
    stale = [str(path.relative_to(codegen.ROOT)) for path, text in codegen.generated_files().items()
             if not path.exists() or path.read_text() != text]
    assert stale == [], f"regenerate with: python -m schemas.codegen ({stale})"


def test_every_frame_type_has_a_typescript_type() -> None:
    ts = codegen.TYPESCRIPT.read_text()
    for union in (signaling.ClientFrame, signaling.ServerFrame):
        for model in codegen._members(union):
            assert f"export interface {model.__name__} " in ts


def test_server_frames_mark_their_type_required_and_client_defaults_optional() -> None:
    schema = json.loads(codegen.SIGNALING_SCHEMA.read_text())
    assert "type" in schema["$defs"]["Welcome"]["required"]
    assert "status_text" not in schema["$defs"]["SetPresence"].get("required", [])


def test_the_json_schema_validates_what_the_models_accept() -> None:
    frame = TypeAdapter(signaling.ClientFrame).validate_python({"type": "ping", "id": "1"})
    assert isinstance(frame, signaling.Ping)
    schema = json.loads(codegen.SIGNALING_SCHEMA.read_text())
    assert {"$ref": "#/$defs/Ping"} in schema["properties"]["ClientFrame"]["oneOf"]


def test_no_shape_name_is_used_by_both_rest_and_signaling() -> None:
    """The generated TypeScript has one namespace: two shapes of one name would merge into nonsense."""
    from enum import Enum

    from pydantic import BaseModel

    from schemas import rest, signaling

    def shapes(module: object) -> set[str]:
        return {name for name, value in vars(module).items()
                if isinstance(value, type) and issubclass(value, (BaseModel, Enum))
                and value.__module__ == getattr(module, "__name__")}

    assert not shapes(rest) & shapes(signaling)
