"""The rule registry (scheduler/rules.py) and the stages agree on every rule id."""

from __future__ import annotations

import re
from pathlib import Path

from scheduler.rules import BY_ID, MODEL, PRECHECK, RULES, SEARCH_REASONS, VERIFY

ROOT = Path(__file__).resolve().parents[2] / "scheduler"

# how each stage names a rule in its source
USES = {
    VERIFY: ("verify.py", r'(?:\bv|Violation)\(\s*"([a-z_]+)"'),
    MODEL: ("model.py", r'(?:assume|presence)\([^)]*?"([a-z_]+)"'),
    PRECHECK: ("precheck.py", r'(?:Explanation\(|\brule=)\s*"([a-z_]+)"|^\s+"([a-z_]+)",\s*$'),
}
# rule families kept in a module of their own hold their model and precheck parts there
FAMILY_MODULES = (
    "interpreters.py",
    "model_groups.py",
    "model_minimums.py",
    "model_rhythms.py",
    "model_staff.py",
)


def _text(name: str) -> str:
    text = (ROOT / name).read_text()
    if name in ("model.py", "precheck.py"):
        text += "".join((ROOT / extra).read_text() for extra in FAMILY_MODULES)
    return text


def _ids(stage: str) -> set[str]:
    name, pattern = USES[stage]
    text = _text(name)
    found = set()
    for match in re.finditer(pattern, text, re.MULTILINE):
        found.update(g for g in match.groups() if g)
    return found


def test_every_rule_a_stage_uses_is_registered_with_that_stage() -> None:
    for stage in (VERIFY, MODEL):
        used = _ids(stage)
        assert used <= set(BY_ID), f"{stage} uses unregistered rules {used - set(BY_ID)}"
        listed = {r.id for r in RULES if stage in r.stages}
        assert used == listed, f"{stage}: used {sorted(used)}, listed {sorted(listed)}"


def test_every_rule_the_prechecks_name_is_registered_with_them() -> None:
    # precheck.py also holds other string literals on their own line: only rule ids that are
    # registered count, and every rule registered for it must appear there
    text = _text("precheck.py")
    listed = {r.id for r in RULES if PRECHECK in r.stages}
    for rule_id in listed:
        assert f'"{rule_id}"' in text, f"{rule_id} is registered for precheck but never named"
    named = set(re.findall(r'Explanation\(\s*"([a-z_]+)"', text))
    assert named <= set(BY_ID)


def test_search_reasons_are_not_rules() -> None:
    assert not set(SEARCH_REASONS) & set(BY_ID)
    assert len(BY_ID) == len(RULES)  # one entry per id
