"""The engagement paths run on the same stacks as the other end-to-end tests."""

from tests.e2e.conftest import system

__all__ = ["system"]
