"""Findings for people: sorted by severity, grouped, one line each, in the reader's language."""

from __future__ import annotations

from collections import Counter

from ..messages import ENGLISH, HEADINGS, count, localised, say
from ..model import Finding

SEVERITIES = ("error", "warning", "info")


def sort_findings(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: SEVERITIES.index(f.severity) if f.severity in SEVERITIES else 3)


def format_findings(findings: list[Finding], language: str = ENGLISH) -> str:
    """Grouped by severity, one line each `where: message (hint)`, then a summary line."""
    lines: list[str] = []
    for severity in SEVERITIES:
        group = [f for f in findings if f.severity == severity]
        if not group:
            continue
        lines.append(f"{say(HEADINGS[severity], (), language)} ({len(group)}):")
        lines.extend(f"  {format_one(f, language)}" for f in group)
    lines.append(summary(findings, language))
    return "\n".join(lines)


def summary(findings: list[Finding], language: str = ENGLISH) -> str:
    counts = Counter(f.severity for f in findings)
    text = f"{count(counts['error'], 'error', language)}, {count(counts['warning'], 'warning', language)}"
    if counts["info"]:
        text += f" ({count(counts['info'], 'info', language)})"
    return text


def format_one(f: Finding, language: str = ENGLISH) -> str:
    f = localised(f, language)
    text = f"{f.where}: {f.message}" if f.where else f.message
    text = text.replace("\n", " ")
    return f"{text} ({f.hint})" if f.hint else text
