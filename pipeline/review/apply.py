"""The whole of `pinban proof apply`: read, map, plan, write, report, and keep a record of it."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from .. import draft
from ..errors import PinbanError, UsageError
from ..ooxml import PROP_EXPORT_ID
from ..project import project_root, write_atomic
from .files import write_editor_files
from .map import Mapping, map_paragraphs
from .plan import GroupPlan, PlanError, Planner, Sources, Unwritable
from .read import Para, Reviewed, edition_of_docx, read_reviewed, refused, view
from .report import Conflict, ReviewComment, ReviewResult
from .write import write_sources

APPLIED_FOLDER = "applied"  # one record per review applied, so applying it again changes nothing
# an insertion into one paragraph larger than this is no proofreader's correction
INSERT_FLOOR = 2000  # characters, whatever the paragraph's length
INSERT_FACTOR = 10  # times the paragraph's exported length


def apply_review(reviewed: Path, edition_dir: Path, dry_run: bool = False) -> ReviewResult:
    reviewed, edition_dir = Path(reviewed), Path(edition_dir)
    doc = read_reviewed(reviewed)
    export_id = doc.props.get(PROP_EXPORT_ID, "")
    manifest = find_manifest(reviewed, edition_dir, export_id, doc)
    if manifest.get("edition") != edition_dir.name:
        raise UsageError(
            f"the draft is for edition {manifest.get('edition')}, not {edition_dir.name}",
            str(reviewed),
            f"run: pinban proof apply {reviewed} {manifest.get('edition')}",
        )
    mapping = map_paragraphs(doc, manifest)
    check_insertions(mapping, manifest, reviewed)
    result = ReviewResult(reviewed, edition_dir.name, manifest["export_id"], dry_run, mapping)
    result.fingerprint = review_fingerprint(manifest["export_id"], mapping)
    record = applied_record_path(edition_dir, result.fingerprint)
    if record.is_file():
        result.already_applied = json.loads(record.read_text(encoding="utf-8"))
        return result
    if not export_id:
        result.notes.append("the DOCX lost its export id; the manifest was matched by bookmarks")
    collect_comments(result, doc, manifest)
    sources = Sources(edition_dir)
    planner = Planner(sources, manifest, mapping)
    plans = plan_groups(planner, result)
    write_sources(sources, plans, result)
    if not dry_run:
        result.files = write_editor_files(result, output_folder(edition_dir))
        write_atomic(record, applied_record(result))
    return result


def edition_of(reviewed: Path) -> str:
    """The edition a reviewed draft belongs to: its custom property, else the manifest beside it."""
    name = edition_of_docx(reviewed)
    if name:
        return name
    for path in (reviewed.with_suffix(".manifest.json"), reviewed.parent / draft.MANIFEST_NAME):
        try:
            return str(json.loads(path.read_text(encoding="utf-8")).get("edition", ""))
        except (OSError, ValueError):
            continue
    return ""


def output_folder(edition_dir: Path) -> Path:
    return project_root() / "output" / edition_dir.name


def applied_record_path(edition_dir: Path, fingerprint: str) -> Path:
    """One record per review and sources folder: a copy of the edition elsewhere is other sources."""
    folder = hashlib.sha256(str(edition_dir.resolve()).encode()).hexdigest()[:8]
    return output_folder(edition_dir) / APPLIED_FOLDER / f"{fingerprint}-{folder}.json"


def check_insertions(mapping: Mapping, manifest: dict[str, Any], reviewed: Path) -> None:
    """Refuse the whole review when one paragraph grew beyond any correction."""
    texts = {e["id"]: e["text"] for e in manifest["items"]}
    for item_id, t in mapping.found.items():
        base = len(texts[item_id])
        tracked = sum(len(tok.ch) for tok in t.toks if tok.acc and not tok.orig)
        grown = max(tracked, len(t.accepted) - base)
        bound = max(INSERT_FLOOR, INSERT_FACTOR * base)
        if grown > bound:
            raise refused(f"{grown} characters inserted into {item_id} ({base} characters; house bound {bound})", reviewed)


def review_fingerprint(export_id: str, mapping: Mapping) -> str:
    """Names the corrections themselves, not the file: the same review saved again is the same."""
    h = hashlib.sha256(export_id.encode())
    for item_id in mapping.order:
        t = mapping.found[item_id]
        h.update(json.dumps([item_id, t.original, t.accepted, t.joined_next], ensure_ascii=False).encode())
    for u in mapping.unmapped:
        h.update(json.dumps(["", u.after, u.text], ensure_ascii=False).encode())
    return f"{export_id}-{h.hexdigest()[:16]}"


def applied_record(result: ReviewResult) -> bytes:
    record = {
        "review": result.fingerprint,
        "docx": result.reviewed.name,
        "export_id": result.export_id,
        "changes": len(result.changes),
        "conflicts": [c.id for c in result.conflicts],
        "not_applied": [c.id for c in result.not_applied],
        "files": [p.name for p in result.files],
    }
    return (json.dumps(record, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def find_manifest(reviewed: Path, edition_dir: Path, export_id: str, doc: Reviewed) -> dict[str, Any]:
    """The manifest of the export the proofreader worked on: beside the DOCX, or in the
    edition's output folder (draft.manifest.json, or manifests/<export id>.json for older rounds)."""
    out = project_root() / "output" / edition_dir.name
    candidates = [reviewed.with_suffix(".manifest.json"), reviewed.parent / draft.MANIFEST_NAME]
    for folder in (reviewed.parent, out):
        if export_id:
            candidates.append(folder / draft.MANIFEST_ARCHIVE / f"{export_id}.json")
    candidates.append(out / draft.MANIFEST_NAME)
    names = {name for p in doc.paras for name, _ in p.marks}
    seen: list[str] = []
    for path in candidates:
        if not path.is_file():
            continue
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if manifest.get("format") != draft.MANIFEST_FORMAT:
            continue
        if export_id and manifest.get("export_id") == export_id:
            return manifest
        if not export_id and names & {e["bookmark"] for e in manifest.get("items", [])}:
            return manifest
        seen.append(f"{path.name} ({manifest.get('export_id')})")
    hint = (f"looked beside the DOCX and in {out}; put the draft.manifest.json written with that draft "
            "beside it (or its manifests/<export id>.json)")
    if seen:
        raise PinbanError(f"no manifest for export {export_id or '?'}; found only {', '.join(seen)}", str(reviewed), hint)
    raise PinbanError("no draft.manifest.json for this draft", str(reviewed), hint)


def collect_comments(result: ReviewResult, doc: Reviewed, manifest: dict[str, Any]) -> None:
    """Proofreaders' comments, with the text they are anchored on, for the editor to read."""
    entries = {e["id"]: e for e in manifest["items"]}
    owner: dict[int, str] = {}
    for item_id, t in result.mapping.found.items():
        for pi in t.paras:
            owner[pi] = item_id
    starts: dict[str, tuple[int, int]] = {}
    ends: dict[str, tuple[int, int]] = {}
    for pi, para in enumerate(doc.paras):
        for kind, cid, pos in para.comments:
            (starts if kind == "start" else ends).setdefault(cid, (pi, pos))
            if kind == "ref":
                starts.setdefault(cid, (pi, pos))
    for cid, c in sorted(doc.comments.items(), key=lambda kv: starts.get(kv[0], (10**9, 0))):
        if c.author == draft.PINBAN_AUTHOR:
            result.pinban_comments += 1
            continue
        pi, pos = starts.get(cid, (-1, 0))
        quote = quote_text(doc.paras, starts.get(cid), ends.get(cid))
        item_id = owner.get(pi, "")
        loc = entries[item_id].get("location", "") if item_id else ""
        result.comments.append(ReviewComment(item_id, loc, c.author, c.date, quote, c.text))


def quote_text(paras: list[Para], start: tuple[int, int] | None, end: tuple[int, int] | None) -> str:
    if start is None or end is None:
        return ""
    (p1, i1), (p2, i2) = start, end
    out = []
    for pi in range(p1, p2 + 1):
        toks = paras[pi].toks[i1 if pi == p1 else 0 : i2 if pi == p2 else None]
        out.append(view([t for t in toks if not t.marker], True))
    return "\n".join(out)


def plan_groups(planner: Planner, result: ReviewResult) -> list[GroupPlan]:
    plans = []
    for ids in planner.groups():
        where = ", ".join(planner.entries[i]["source"]["file"] + (f":{planner.ours[i].line}" if planner.ours.get(i) and planner.ours[i].line else "") for i in ids)
        try:
            plan = planner.plan(ids)
        except PlanError as exc:
            result.conflicts.append(Conflict("+".join(ids), where, exc.reason, exc.base, exc.theirs, exc.ours))
            continue
        except Unwritable as exc:
            t = planner.mapping.found[ids[0]]
            result.not_applied.append(Conflict("+".join(ids), where, str(exc), planner.entries[ids[0]]["text"], t.accepted))
            continue
        if plan.changes:
            plans.append(plan)
        for i in ids:
            if planner.mapping.found[i].format_changed:
                result.notes.append(f"{i}: formatting changes (bold, fonts…) are not carried into the sources")
    return plans

