"""The `fields=` partial-response parameter: "a,b/c,items(id,snippet(title,thumbnails))".

Google returns only the selected fields; a selection that names a field twice or is malformed is
answered with 400 (invalidParameter). Unknown field names are simply absent from the result.
"""

from __future__ import annotations

from typing import Any

Selection = dict[str, "Selection"]  # an empty dict selects the whole subtree


class FieldsError(ValueError):
    pass


def parse_fields(text: str) -> Selection:
    selection, pos = _parse_list(text, 0)
    if pos != len(text):
        raise FieldsError(f"Invalid field selection {text}")
    return selection


def _parse_list(text: str, pos: int) -> tuple[Selection, int]:
    selection: Selection = {}
    while True:
        pos = _parse_selector(text, pos, selection)
        if pos < len(text) and text[pos] == ",":
            pos += 1
            continue
        return selection, pos


def _parse_selector(text: str, pos: int, into: Selection) -> int:
    start = pos
    while pos < len(text) and text[pos] not in ",()":
        pos += 1
    path = [part.strip() for part in text[start:pos].split("/")]
    if not all(path):
        raise FieldsError(f"Invalid field selection {text}")
    node = into
    for name in path[:-1]:
        node = node.setdefault(name, {})
    leaf = node.setdefault(path[-1], {})
    if pos < len(text) and text[pos] == "(":
        sub, pos = _parse_list(text, pos + 1)
        if pos >= len(text) or text[pos] != ")":
            raise FieldsError(f"Invalid field selection {text}")
        leaf.update(sub)
        pos += 1
    return pos


def apply_fields(value: Any, selection: Selection) -> Any:
    if not selection:
        return value
    if isinstance(value, list):
        return [apply_fields(item, selection) for item in value]
    if isinstance(value, dict):
        return {k: apply_fields(value[k], sub) for k, sub in selection.items() if k in value}
    return value
