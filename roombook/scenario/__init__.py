"""The scenario file format (FORMAT.md, schema.json): validation, import into and export from the database."""
from roombook.scenario.validate import ScenarioError, validate_scenario

__all__ = ["ScenarioError", "validate_scenario"]
