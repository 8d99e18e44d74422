"""The customer rules in force: the SPEC's defaults, overridden by the TOML file named in
`DAUR_RULES_FILE` (docs/scoring.md, "Configuration").

Read at each call, so every figure computed after the file changes uses the new rules; scores keep
those of the run that stored them (`ScoringRun.config`) until the next `daur score`.
"""

from __future__ import annotations

from django.conf import settings

from daur.analytics.rules_config import RulesConfig


def rules_config() -> RulesConfig:
    """The rules in force. Raises OSError or ValueError (naming the key) for a bad file."""
    path = settings.DAUR_RULES_FILE
    return RulesConfig.from_toml(path) if path else RulesConfig()
