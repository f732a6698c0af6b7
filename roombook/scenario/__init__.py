"""A city as a scenario file (the format is the solver's: solver/FORMAT.md): import into the database, export
from it, and the demo city built as one."""
