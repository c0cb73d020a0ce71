"""The README's reliability section stays true: every test it cites exists, and every exit
status the command line uses is in its table (as sqlite-utils checks its documentation)."""

import re

from conftest import REPO


def _section() -> str:
    return (REPO / "README.md").read_text(encoding="utf-8").split("## Reliability", 1)[1].split("\n## ", 1)[0]


def _defined_tests() -> set[str]:
    names = set()
    for path in (REPO / "tests").glob("test_*.py"):
        names |= set(re.findall(r"^def (test_\w+)\(", path.read_text(encoding="utf-8"), re.M))
    return names


def test_every_cited_test_exists():
    cited = set(re.findall(r"`(?:tests/\w+\.py::)?(test_\w+)`", _section()))
    assert len(cited) >= 40
    assert sorted(cited - _defined_tests()) == []


def test_every_exit_status_is_documented():
    documented = {int(code) for code in re.findall(r"^\| `(\d+)` \|", _section(), re.M)}
    cli = (REPO / "flows" / "cli.py").read_text(encoding="utf-8")
    used = {int(code) for code in re.findall(r"sys\.exit\((\d+)\)|return (\d+)\b", cli) for code in code if code}
    preflight = (REPO / "trialwarehouse" / "nightly" / "preflight.py").read_text(encoding="utf-8")
    used |= {int(code) for code in re.findall(r"^EXIT_\w+ = (\d+)", preflight, re.M)}
    assert used and used <= documented
    assert documented == set(range(10))
