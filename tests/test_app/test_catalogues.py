"""Every string of the interface is translated into French and Dutch, with its placeholders,
and the compiled catalogues match their sources."""

from __future__ import annotations

import gettext
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "app" / "translations"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@pytest.fixture(scope="module")
def current_msgids(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """The msgids of the code as it is now (pybabel extract, as docs/translations.md says)."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "-k", "_l", "-k", "lazy_gettext", "-o", str(pot), "--no-location", "."],
        cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as handle:
        return {m.id for m in read_po(handle) if m.id}


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_every_string_is_translated(current_msgids, language):
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = {m.id: m.string for m in read_po(handle) if m.id}
    def translated(text: object) -> bool:
        return all(text) if isinstance(text, tuple) else bool(text)

    untranslated = sorted(
        (i for i in current_msgids if not translated(catalogue.get(i))), key=str
    )
    assert not untranslated, f"{language}: translate {untranslated[:10]}"
    for msgid in current_msgids:
        # a plural entry (ngettext) has a tuple of forms on both sides
        ids = msgid if isinstance(msgid, tuple) else (msgid,)
        texts = catalogue[msgid] if isinstance(msgid, tuple) else (catalogue[msgid],)
        for text in texts:
            assert set(PLACEHOLDER.findall(ids[-1])) == set(PLACEHOLDER.findall(text)), msgid


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_compiled_catalogue_matches_its_source(language):
    folder = TRANSLATIONS / language / "LC_MESSAGES"
    with (folder / "messages.po").open("rb") as handle:
        source = {m.id: m.string for m in read_po(handle) if m.id and m.string}
    with (folder / "messages.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = [
        msgid
        for msgid, text in source.items()
        if (
            [compiled.ngettext(msgid[0], msgid[1], n) for n in (1, 2)] != list(text)
            if isinstance(msgid, tuple)
            else compiled.gettext(msgid) != text
        )
    ]
    assert not stale, f"run pybabel compile -d app/translations ({len(stale)} stale)"


HIDDEN_CALL = re.compile(r"""\bf(["']).*\{\s*_l?\(""")


def test_no_translated_string_hides_inside_an_f_string():
    """pybabel (on Python 3.11) does not look inside f-strings: such a string is never
    extracted, so it stays English in French and Dutch without any other test noticing."""
    hidden = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in ("app", "admin")
        for path in sorted((ROOT / folder).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if HIDDEN_CALL.search(line)
    ]
    assert not hidden, f"take the _() call out of the f-string: {hidden}"
