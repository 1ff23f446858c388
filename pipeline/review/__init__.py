"""Proofreaders' corrections back into the sources: `pinban proof apply REVIEWED.docx`.

1. read: the reviewed DOCX, bounded, with lxml: per paragraph the original and accepted views.
2. map: paragraphs to IDs by their hidden bookmarks; merged, split and re-anchored paragraphs.
3. merge: three-way per ID (exported text, proofread text, current source); overlaps conflict.
4. plan: the edits placed into report.md runs and edition.toml values.
5. write: both files replaced together, after checking they read as exactly what was intended.
6. report: the console report, the 核红 list and the conflicts as files for the editor.
Comparisons may use NFKC keys; text written back is never normalised (NFKC turns ，（）：； into ASCII).
Applying the same review again changes nothing: a record of each applied review is kept.
"""

from .apply import apply_review, edition_of
from .map import map_paragraphs
from .merge import Edit, apply_edits, rebase, theirs_edits
from .read import read_reviewed, view
from .report import UNTRACKED, ReviewResult, format_report

__all__ = [
    "UNTRACKED", "Edit", "ReviewResult", "apply_edits", "apply_review", "edition_of", "format_report", "map_paragraphs",
    "read_reviewed", "rebase", "theirs_edits", "view",
]
