"""The Turkish catalogue is complete and the committed .mo is compiled from the committed .po."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "tr" / "LC_MESSAGES"


def _entries(po_text: str) -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) of every entry but the header, joining continued lines."""
    entries = []
    for block in po_text.split("\n\n"):
        if block.lstrip().startswith("#~"):
            continue
        fuzzy = "#, fuzzy" in block or ", fuzzy" in block
        msgid = "".join(re.findall(r'^(?:msgid|msgid_plural)? ?"(.*)"$', block.split("msgstr")[0], re.M))
        translated = block.split("msgstr", 1)[1] if "msgstr" in block else ""
        msgstr = "".join(re.findall(r'"(.*)"$', translated, re.M))
        if msgid:
            entries.append((msgid, msgstr, fuzzy))
    return entries


def test_every_message_has_a_turkish_translation():
    entries = _entries((LOCALE / "django.po").read_text(encoding="utf-8"))

    assert len(entries) > 200
    assert [msgid for msgid, msgstr, fuzzy in entries if not msgstr or fuzzy] == []


def test_the_compiled_catalogue_matches_its_source(tmp_path):
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.fail("msgfmt is missing: the test command installs Debian's gettext package")
    compiled = tmp_path / "django.mo"

    subprocess.run([msgfmt, "-o", str(compiled), str(LOCALE / "django.po")], check=True)  # noqa: S603

    committed = (LOCALE / "django.mo").read_bytes()
    assert compiled.read_bytes() == committed, "run compilemessages and commit the .mo"
