"""Seed data: one YAML file per programme (seeds/programmes/) and the demo-people generator.

Nothing here imports Flask or the database: `seeds.demo` turns a programme file into plain
records, and `app.services.seeding` writes them.
"""

from __future__ import annotations

from pathlib import Path

PROGRAMMES_DIR = Path(__file__).parent / "programmes"


def programme_files(directory: Path | None = None) -> list[Path]:
    """The programme YAML files, in a stable order."""
    return sorted((directory or PROGRAMMES_DIR).glob("*.yaml"))
