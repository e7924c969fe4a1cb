"""Chinese first: every entry of the zh_Hans catalogue is translated.

A string added later and gathered by ``makemessages`` without its Chinese
(untranslated, or fuzzy-matched to an older one) fails here.
"""

import os
import shutil
import subprocess

import pytest

from tests.conftest import ROOT

CATALOGUE = ROOT / "locale/zh_Hans/LC_MESSAGES/django.po"


def test_the_zh_hans_catalogue_is_fully_translated():
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.fail("msgfmt not found: install gettext (apt-get install gettext)")
    # msgfmt's own messages in English, whatever the machine's locale.
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "LANGUAGE": ""}
    result = subprocess.run(
        [msgfmt, "--check", "--statistics", "-o", os.devnull, str(CATALOGUE)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "translated message" in output, output
    assert "untranslated" not in output, output
    assert "fuzzy" not in output, output
