"""Edit a real API v2 study by dotted path, to build the failing variants of a check's test
(tests/test_quality.py, tests/test_result_checks.py). Numbers in a path index lists."""

from __future__ import annotations


def set_path(study: dict, path: str, value) -> None:
    """Set the value at `path`, creating missing objects; None removes the key."""
    node = study
    keys = path.split(".")
    for key in keys[:-1]:
        node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
    if value is None:
        node.pop(keys[-1], None)
    elif isinstance(node, list):
        node[int(keys[-1])] = value
    else:
        node[keys[-1]] = value


def edit_path(study: dict, path: str, function) -> None:
    """Apply `function` to the node at `path`."""
    node = study
    for key in path.split("."):
        node = node[int(key)] if isinstance(node, list) else node[key]
    function(node)
