"""The layout's rules, read from the code itself (README, "Layout"): imports run one way,
flows -> commands -> nightly -> checks -> base -> transforms, without cycles, and no module
is over 400 lines. The modules are parsed, never imported, so the test is fast and a broken
module cannot hide an arrow."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("flows", "trialwarehouse", "transforms")
MAX_LINES = 400
# Top to bottom: a module may import its own layer or one below it, never one above.
LAYERS = (
    ("entry points and development tools", ("flows", "trialwarehouse.devtools")),
    ("commands", ("trialwarehouse.commands",)),
    ("nightly runtime", ("trialwarehouse.nightly",)),
    ("checks", ("trialwarehouse.checks",)),
    ("base", ("trialwarehouse",)),
    ("transforms", ("transforms",)),
)


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    """Every module of the three packages, by dotted name."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            # trialwarehouse/<folder> links to a top-level folder of resources, not code.
            if not any(part.is_symlink() for part in [path, *path.parents] if ROOT in part.parents):
                found[_module_name(path)] = path
    return found


def layer(module: str) -> int:
    """The index in LAYERS of the most specific prefix that names the module."""
    best, best_length = None, -1
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best_length:
                best, best_length = index, len(prefix)
    assert best is not None, f"{module} is in no layer of the README's Layout"
    return best


def imports(module: str, known: dict[str, Path]) -> set[str]:
    """The modules of `known` that `module` imports, at top level or inside functions."""
    path = known[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            # `from package import name`: the module `name` when it is one, else the package.
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != module:
                found.add(name)
    return found


def upward_imports(known: dict[str, Path]) -> list[str]:
    return [
        f"{module} ({LAYERS[layer(module)][0]}) imports {target} ({LAYERS[layer(target)][0]})"
        for module in sorted(known)
        for target in sorted(imports(module, known))
        if layer(target) < layer(module)
    ]


def import_cycles(known: dict[str, Path]) -> list[str]:
    graph = {module: sorted(imports(module, known)) for module in known}
    cycles: list[str] = []
    state: dict[str, str] = {}  # "open" while on the current path, "done" once explored

    def visit(module: str, path: list[str]) -> None:
        state[module] = "open"
        for target in graph[module]:
            if state.get(target) == "open":
                cycles.append(" -> ".join([*path[path.index(target) :], target]))
            elif target not in state:
                visit(target, [*path, target])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    return cycles


def test_the_layers_see_every_module():
    assert {"flows.cli", "trialwarehouse.warehouse", "trialwarehouse.nightly.pull", "transforms.ctgov_json"} <= set(
        modules()
    )
    assert layer("trialwarehouse.nightly.pull") == 2 and layer("trialwarehouse.settings") == 4
    assert layer("trialwarehouse.devtools.docs") == 0 and layer("transforms.trial_pages.modern") == 5


@pytest.mark.parametrize("module", sorted(modules()))
def test_no_module_is_over_400_lines(module):
    lines = len(modules()[module].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{modules()[module].relative_to(ROOT)} has {lines} lines: split it by job"


def test_imports_run_one_way():
    assert upward_imports(modules()) == []


def test_no_import_cycles():
    assert import_cycles(modules()) == []


def test_the_wheel_never_needs_the_development_tools():
    # trialwarehouse/devtools stays out of the wheel (pyproject): nothing shipped may import it.
    known = modules()
    users = [
        f"{module} imports {target}"
        for module in sorted(known)
        if not module.startswith("trialwarehouse.devtools")
        for target in imports(module, known)
        if target.startswith("trialwarehouse.devtools")
    ]
    assert users == []


def test_the_rules_catch_an_upward_import_and_a_cycle(tmp_path):
    # A base module importing the nightly runtime, and two transforms importing each other.
    sources = {
        "trialwarehouse.settings": "from trialwarehouse.nightly import pull\n",
        "trialwarehouse.nightly.pull": "import json\n",
        "transforms.frames": "from transforms import normalize\n",
        "transforms.normalize": "def f():\n    import transforms.frames\n",
    }
    known = {}
    for name, text in sources.items():
        known[name] = tmp_path / f"{name}.py"
        known[name].write_text(text, encoding="utf-8")
    assert upward_imports(known) == [
        "trialwarehouse.settings (base) imports trialwarehouse.nightly.pull (nightly runtime)"
    ]
    assert import_cycles(known) == ["transforms.frames -> transforms.normalize -> transforms.frames"]
