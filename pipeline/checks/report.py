"""Findings for people: sorted by severity, grouped, one line each."""

from __future__ import annotations

from collections import Counter

from ..model import Finding

SEVERITIES = ("error", "warning", "info")


def sort_findings(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: SEVERITIES.index(f.severity) if f.severity in SEVERITIES else 3)


HEADINGS = {"error": "Errors", "warning": "Warnings", "info": "Notes"}


def format_findings(findings: list[Finding]) -> str:
    """Grouped by severity, one line each `where: message (hint)`, then a summary line."""
    lines: list[str] = []
    for severity in SEVERITIES:
        group = [f for f in findings if f.severity == severity]
        if not group:
            continue
        lines.append(f"{HEADINGS[severity]} ({len(group)}):")
        lines.extend(f"  {format_one(f)}" for f in group)
    counts = Counter(f.severity for f in findings)
    summary = f"{plural(counts['error'], 'error')}, {plural(counts['warning'], 'warning')}"
    if counts["info"]:
        summary += f" ({plural(counts['info'], 'note')})"
    lines.append(summary)
    return "\n".join(lines)


def format_one(f: Finding) -> str:
    text = f"{f.where}: {f.message}" if f.where else f.message
    text = text.replace("\n", " ")
    return f"{text} ({f.hint})" if f.hint else text


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
