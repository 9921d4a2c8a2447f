"""The engine is a library of its own: no web framework, no database, nothing of the app."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

FORBIDDEN = {"flask", "sqlalchemy", "app", "admin", "flask_sqlalchemy", "flask_admin", "seeds"}
PACKAGE = Path(__file__).resolve().parents[2] / "scheduler"


def test_no_forbidden_imports_in_source():
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in FORBIDDEN, f"{path.name} imports {name}"


def test_verify_does_not_use_the_model():
    tree = ast.parse((PACKAGE / "verify.py").read_text(encoding="utf-8"))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not imported & {
        "scheduler.model",
        "scheduler.slots",
        "scheduler.engine",
        "ortools.sat.python",
    }


def test_importing_scheduler_loads_no_forbidden_module():
    code = (
        "import sys, scheduler, scheduler.cli\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {sorted(FORBIDDEN)!r})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=PACKAGE.parent
    )
    assert out.stdout.strip() == ""
