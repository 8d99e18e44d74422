"""docs/scoring.md lists every rules setting with its default, section by section."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from daur.analytics.rules_config import SECTIONS

DOC = Path(__file__).resolve().parents[2] / "docs" / "scoring.md"


def test_every_setting_is_documented_with_its_default():
    text = DOC.read_text(encoding="utf-8")
    for section, rules in SECTIONS.items():
        part = text.split(f"### [{section}]", 1)[1].split("\n### ", 1)[0]
        rows = dict(re.findall(r"^\| `(\w+)` \| ([^|]+) \|", part, re.M))
        fields = dataclasses.fields(rules)
        assert set(rows) == {f.name for f in fields}, section
        for f in fields:
            assert float(rows[f.name]) == float(f.default), f"{section}.{f.name}"
