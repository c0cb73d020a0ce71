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
    used = set()
    for cli in (REPO / "flows").glob("cli*.py"):
        text = cli.read_text(encoding="utf-8")
        found = re.findall(r"sys\.exit\((\d+)\)|return (\d+)\b|fail\(.*, (\d+)\)$", text, re.M)
        used |= {int(code) for codes in found for code in codes if code}
    for module in ("preflight.py", "entry.py"):  # the statuses the nightly entry answers with
        text = (REPO / "trialwarehouse" / "nightly" / module).read_text(encoding="utf-8")
        used |= {int(code) for code in re.findall(r"^EXIT_\w+ = (\d+)", text, re.M)}
    assert {1, 2, 3, 4, 5, 6, 7, 8, 9} <= used
    assert used <= documented
    assert documented == set(range(10))
