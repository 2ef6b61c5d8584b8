"""Scenario files <-> domain values.

Only this package (and ``optimizer.formula``) uses pandas; the core never imports it.
"""

from __future__ import annotations

from optimizer.io.scenario import load_scenario, load_scenario_files
from optimizer.io.summary import summarize

__all__ = ["load_scenario", "load_scenario_files", "summarize"]
