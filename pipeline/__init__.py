"""pinban (拼版): Chinese newspaper page make-up, from sources to a print-ready spread."""

__version__ = "0.1.0"
