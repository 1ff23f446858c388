"""The make-up engine on every corpus edition and on generated ones: each builds to a spread that
meets rules 26–29, read back from the PDF, or is refused in one line with the amount."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from PIL import Image

from pipeline.build import build_pdf, prepare
from pipeline.checks.audit import UNSETTABLE, audit_typography
from pipeline.checks.makeup import makeup_findings
from pipeline.checks.shaping import FontMetrics
from pipeline.display import DisplayList
from pipeline.errors import PinbanError
from pipeline.model import SECTION, SUBSECTION
from tests.corpus_photos import CORPUS, materialise

from .conftest import SAMPLE

REFUSAL = re.compile(
    r"(underset: \d+ lines \(≈ \d+ characters\) short on page \d+ — add text or a photo"
    r"|underset: the report ends \d+ lines above the column foot"
    r"|overset: \d+ lines \(\d+ characters\) do not fit, in \S"
    r"|too many photos: \d+ of \d+ fit on the spread"
    r"|headline: \S+ \".+\" \(\d+ 字\) is too long for the spread even at )"
)
# editions with photos or copy enough to fill the spread: they must build, not be refused
MUST_FILL = {"district-summary", "oss-handbook", "report-130", "report-200", "tech-digest"}
AUDIT_CLEAN = {"district-summary", "oss-handbook", "report-130", "report-200"}   # every count 0


def right_end(line) -> float:
    """Where a line's spans end (they are contiguous; a letter-spaced word's trailing tracking is
    taken back by the spacer span after it, so the widest span may reach past the line's end)."""
    return line.x + line.spans[-1].x + line.spans[-1].width


def boxes(page):
    out = []
    for frame in page.frames:
        for line in frame.lines:
            if line.spans:
                size = max(s.size for s in line.spans)
                left = line.x + min(s.x for s in line.spans)
                right = right_end(line)
                out.append((frame.id, left, line.baseline - 0.88 * size, right, line.baseline + 0.12 * size))
    out += [(f"photo {p.photo_id}", p.x, p.y, p.x + p.width, p.y + p.height) for p in page.pictures]
    return out


def assert_invariants(display: DisplayList, style) -> None:
    """Rule 27 on the display list: nothing overlaps, every item inside the type area (the headline
    inside its page), every line inside its frame, a head only in a stretch of head + 2 lines."""
    for page in display.pages:
        items = boxes(page)
        for i, a in enumerate(items):
            for b in items[i + 1:]:
                if a[0] != b[0]:
                    assert min(a[3], b[3]) - max(a[1], b[1]) <= 0.01 or min(a[4], b[4]) - max(a[2], b[2]) <= 0.01, \
                        f"{page.name}: {a[0]} overlaps {b[0]}"
        x0 = style.page_width - style.margin_inner - style.type_width if page.index == 0 else style.margin_inner
        for label, left, top, right, bottom in items:
            if "-title" in label or "-subtitle" in label or "-kicker" in label:
                assert -0.01 <= left and right <= page.width + 0.01, label
                continue
            assert x0 - 0.01 <= left and right <= x0 + style.type_width + 0.01, label
            assert style.margin_top - 0.01 <= top and bottom <= page.height - style.margin_bottom + 0.01, label
        for frame in page.frames:
            for line in frame.lines:
                if line.spans:  # drawn from the frame's left edge (an opening mark may hang half an em)
                    right = right_end(line)
                    assert line.x >= frame.x - 0.01 and right <= frame.x + frame.width + 0.5 * line.spans[0].size, frame.id
            if frame.kind == "column":
                heads = [ln for ln in frame.lines if ln.kind in (SECTION, SUBSECTION)]
                if heads:
                    head_lines = len({ln.block_id for ln in heads})
                    assert frame.height / display.leading >= head_lines + 2 - 1e-6, f"{frame.id}: a head in a short stretch"


def built_or_refused(folder: Path, out: Path):
    """(display, job) of a build that published, or the refusal's one line."""
    try:
        display = build_pdf(str(folder), str(out))
    except PinbanError as exc:
        line = str(exc)
        assert "\n" not in line
        assert REFUSAL.search(line), line
        return None, line
    return display, prepare(str(folder), str(out))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus")
    return {e.name: materialise(e.name, root) for e in CORPUS}


@pytest.mark.parametrize("name", [e.name for e in CORPUS])
def test_corpus_edition_builds_a_full_spread_or_is_refused_in_one_line(name, corpus, tmp_path):
    display, job = built_or_refused(corpus[name], tmp_path / "out")
    if display is None:
        assert name not in MUST_FILL, f"{name} has photos enough to fill the spread but was refused: {job}"
        return
    assert display.overset is None and display.underset is None
    assert_invariants(display, job.style)
    findings = makeup_findings(tmp_path / "out" / "spread.pdf", display, job.edition, job.style)
    assert not findings, [f"{f.where}: {f.message}" for f in findings]
    # read back from the PDF the plant prints: no typography error; a breach only on a line the
    # composer declared (its paragraph has no setting within the bounds), as a warning; the
    # mixed-script oss-handbook and the report editions audit 0 on every count
    audit = audit_typography(tmp_path / "out" / "pages.pdf", display, metrics=FontMetrics(job.faces))
    found = [f"{f.severity} {f.where}: {f.message}" for f in audit.findings()]
    assert audit.lines > 400 and not [f for f in audit.findings() if f.severity == "error"], found[:5]
    assert len(audit.findings()) == audit.violations()
    assert all(f.hint_id == UNSETTABLE for f in audit.findings())   # each says: recast a few words
    if name in AUDIT_CLEAN:
        assert audit.violations() == 0, found[:5]


def test_the_sample_reads_back_with_no_make_up_finding(sample_build):
    display, job, out = sample_build
    assert_invariants(display, job.style)
    assert makeup_findings(out / "spread.pdf", display, job.edition, job.style) == []


def test_the_checker_finds_the_holes_of_a_refused_spread(corpus, tmp_path):
    """culture-brief (40 % copy, no photos) cannot fill 16 columns: refused, and its marked PDF shows the holes."""
    display, line = built_or_refused(corpus["culture-brief"], tmp_path / "out")
    assert display is None and line.startswith(f"{corpus['culture-brief'].name}/report.md: refused: underset:")
    job = prepare(str(corpus["culture-brief"]), str(tmp_path / "out"))
    from pipeline.layout import lay_out

    laid = lay_out(job.edition, job.style, job.faces)
    findings = makeup_findings(tmp_path / "out" / "rejected" / "spread.pdf", laid, job.edition, job.style)
    assert any(f.code == "makeup-hole" for f in findings)


def test_optional_photos_are_left_out_with_a_note(corpus, tmp_path):
    display, job = built_or_refused(corpus["report-200"], tmp_path / "out")
    assert display is not None and display.left_out
    optional = {p.id for p in job.edition.photos if p.optional}
    assert set(display.left_out) <= optional
    placed = {p.photo_id for page in display.pages for p in page.pictures}
    assert not placed & set(display.left_out)


# --- generated editions --------------------------------------------------------------------------

ASPECTS = [(1800, 1200), (1200, 1800), (1600, 1600), (2400, 1029), (1000, 2000), (1920, 1080)]


def generated_edition(folder: Path, share: float, shapes: list[tuple[int, str]]) -> Path:
    """The sample's sources with the first `share` of its body paragraphs and the given pictures."""
    shutil.copytree(SAMPLE, folder)
    report = (folder / "report.md").read_text(encoding="utf-8").split("\n\n")
    keep = max(3, int(len(report) * share))
    (folder / "report.md").write_text("\n\n".join(report[:keep]) + "\n", encoding="utf-8")
    toml = (folder / "edition.toml").read_text(encoding="utf-8")
    head = toml[: toml.index("[[photos]]")]
    photos = []
    for k, (aspect, kind) in enumerate(shapes, 1):
        w, h = ASPECTS[aspect]
        Image.new("RGB", (w, h), (40 * (k % 6), 120, 160)).save(folder / "photos" / f"g{k:02d}.jpg", "JPEG", quality=60)
        photos.append(f'[[photos]]\nid = "g{k:02d}"\nfile = "photos/g{k:02d}.jpg"\ncaption = "示意图{k}"\nkind = "{kind}"\n')
    (folder / "edition.toml").write_text(head + "\n".join(photos), encoding="utf-8")
    return folder


# a build takes seconds: six examples, no shrinking, and the same six every run (derandomized) so
# that one run and the next judge the same editions; a failing one found is kept below as a test
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
          phases=[Phase.explicit, Phase.reuse, Phase.generate], derandomize=True)
@given(share=st.floats(0.3, 1.0),
       shapes=st.lists(st.tuples(st.integers(0, len(ASPECTS) - 1), st.sampled_from(["photo", "photo", "chart"])),
                       max_size=16))
def test_generated_editions_build_full_or_are_refused(tmp_path_factory, share, shapes):
    folder = generated_edition(tmp_path_factory.mktemp("gen") / "edition", share, shapes)
    out = folder.parent / "out"
    display, job = built_or_refused(folder, out)
    if display is None:
        return
    assert_invariants(display, job.style)
    findings = makeup_findings(out / "spread.pdf", display, job.edition, job.style)
    assert not findings, [f"{f.where}: {f.message}" for f in findings]


def test_a_generated_edition_that_ends_short_above_a_foot_photo_is_refused(tmp_path):
    """Found by the property above (63 % of the sample's paragraphs, 13 pictures): heads and widow
    lines move where the flow meets them, so no capacity the make-up offers fills this
    arrangement exactly, and its best plan ends page 03's last column 2 grid lines above the
    foot photo (read back: a 4-line blank). It was published with exit 0; rule 26 allows one
    line: it is refused in one line now (filling it is the make-up's next step)."""
    shapes = [(4, "photo"), (4, "chart"), (4, "photo"), (1, "photo"), (3, "photo"), (0, "photo"), (0, "chart"),
              (4, "photo"), (2, "photo"), (1, "chart"), (0, "photo"), (4, "photo"), (5, "photo")]
    folder = generated_edition(tmp_path / "edition", 0.630645359793808, shapes)
    display, job = built_or_refused(folder, tmp_path / "out")
    if display is None:
        assert "underset" in job, job
    else:
        findings = makeup_findings(tmp_path / "out" / "spread.pdf", display, job.edition, job.style)
        assert not findings, [f"{f.where}: {f.message}" for f in findings]
