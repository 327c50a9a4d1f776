"""The committed OpenAPI document matches the routes (regenerate with `make openapi`)."""

from pathlib import Path

from skylabel_api.openapi import document

COMMITTED = Path(__file__).resolve().parents[2] / "functions" / "api" / "openapi.json"


def test_openapi_document_has_not_drifted():
    assert COMMITTED.read_text() == document(), "routes changed: run `make openapi` and commit the document"


def test_openapi_document_describes_request_bodies():
    import json

    paths = json.loads(COMMITTED.read_text())["paths"]
    body = paths["/api/tasks/{task_id}/annotations"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["$ref"].endswith("AnnotationIn")
