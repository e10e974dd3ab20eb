"""Event builders for the Batch tests: the mapping tests' ``build`` fixture, shared."""

from tests.unit.mapping.conftest import EventBuilder, build, example, order_line

__all__ = ["EventBuilder", "build", "example", "order_line"]
