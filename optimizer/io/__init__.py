"""Scenario files <-> domain values.

CSV through the standard library's ``csv`` module, YAML through PyYAML; the core never imports
this package.
"""

from __future__ import annotations

from optimizer.io.scenario import load_scenario, load_scenario_files
from optimizer.io.summary import summarize

__all__ = ["load_scenario", "load_scenario_files", "summarize"]
