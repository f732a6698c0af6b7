"""Weekly room plans for recurring offers (pure; no Flask, OR-Tools imported only when solving)."""

from .check import check_plan
from .solve import solve
from .validate import InvalidScenario, check_scenario

__all__ = ["InvalidScenario", "check_plan", "check_scenario", "solve"]
