"""Checks: pure functions from the sources, the display list and the drawn PDF to findings."""
