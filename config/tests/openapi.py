"""Check an API answer against what /api/schema/ declares for it: a client generated from the
schema reads exactly these status codes and fields (undeclared fields are refused here, as a
strict generated model would drop or refuse them)."""

from __future__ import annotations

import re
from functools import cache

import jsonschema
from drf_spectacular.generators import SchemaGenerator

REF_PREFIX = "#/components/schemas/"


@cache
def api_schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def _json_schema(node):
    """OpenAPI 3.0's dialect to JSON Schema: `nullable`, refs to $defs, closed objects."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _json_schema(value) for key, value in node.items()}
    if "$ref" in node:
        return {"$ref": node["$ref"].replace(REF_PREFIX, "#/$defs/")}
    if node.pop("nullable", False):
        node = {"anyOf": [node, {"type": "null"}]}
    elif node.get("type") == "object" and "properties" in node:
        node.setdefault("additionalProperties", False)
    return node


def _operation(method: str, path: str) -> dict:
    for template, operations in api_schema()["paths"].items():
        if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), path):
            return operations[method.lower()]
    raise AssertionError(f"{path} is not in the schema")


def assert_matches_schema(method: str, path: str, response) -> None:
    """The response's status code is one the schema declares for this operation, and its JSON
    body has the declared shape."""
    declared = _operation(method, path)["responses"]
    code = str(response.status_code)
    assert code in declared, (
        f"{method} {path} answered {code}, which the schema does not declare "
        f"({sorted(declared)}): {response.content[:200]!r}"
    )
    body_schema = declared[code]["content"]["application/json"]["schema"]
    defs = {
        name: _json_schema(definition)
        for name, definition in api_schema()["components"]["schemas"].items()
    }
    jsonschema.validate(response.json(), {**_json_schema(body_schema), "$defs": defs})
