"""Sources: the untrusted edition files (edition.toml, report.md, photos/) read into the model."""

from .loader import load_edition
from .text import EDITION_FILE, REPORT_FILE

__all__ = ["EDITION_FILE", "REPORT_FILE", "load_edition"]
