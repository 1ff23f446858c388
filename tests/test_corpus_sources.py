"""The edition corpus (tests/corpus/): every edition loads, and has the shape it declares."""

from __future__ import annotations

import re
import tomllib

import pytest
from PIL import Image

from pipeline.sources import load_edition
from tests.corpus_photos import CORPUS, CORPUS_DIR, KINDS, materialise, photo_table, pictures

from .conftest import SAMPLE

HAN_RE = re.compile(r"[\u4e00-\u9fff]")
COPY_TOLERANCE = 0.10
EXAMPLE_DOMAINS = ("example.org", "example.com", "example.net")
URL_HOST_RE = re.compile(r"https?://([A-Za-z0-9.-]+)")
EMAIL_HOST_RE = re.compile(r"[A-Za-z0-9._%+-]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
# A bare host name written without a scheme, e.g. www.example.org or docs.example.net.
BARE_HOST_RE = re.compile(r"\b((?:[A-Za-z0-9-]+\.)+(?:com|org|net|cn|io|dev|edu|gov))\b")
NAMES = [e.name for e in CORPUS]


def han_count(text: str) -> int:
    return len(HAN_RE.findall(text))


def sample_copy() -> int:
    return han_count((SAMPLE / "report.md").read_text(encoding="utf-8"))


def edition_data(name: str) -> dict:
    return tomllib.loads((CORPUS_DIR / name / "edition.toml").read_text(encoding="utf-8"))


def is_example_domain(host: str) -> bool:
    host = host.lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in EXAMPLE_DOMAINS)


@pytest.fixture(scope="module")
def materialised(tmp_path_factory):
    """Every corpus edition, materialised once for this module."""
    out = tmp_path_factory.mktemp("corpus")
    return {name: materialise(name, out) for name in NAMES}


def test_corpus_lists_every_edition_folder():
    folders = sorted(p.parent.name for p in CORPUS_DIR.glob("*/edition.toml"))
    assert folders == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_edition_loads(name, materialised):
    edition = load_edition(materialised[name])
    others = [n for n in edition.notices if not (n.code == "unknown-key" and "'kind'" in n.message)]
    assert others == [], [f"{n.where}: {n.message}" for n in others]
    assert all(p.path is not None and p.path.is_file() for p in edition.photos)


@pytest.mark.parametrize("entry", CORPUS, ids=NAMES)
def test_copy_size_is_the_declared_share_of_the_sample(entry):
    copy = han_count((CORPUS_DIR / entry.name / "report.md").read_text(encoding="utf-8"))
    intended = entry.copy_share * sample_copy()
    assert abs(copy - intended) <= COPY_TOLERANCE * intended, f"{copy} Han characters, intended {intended:.0f}"


@pytest.mark.parametrize("entry", CORPUS, ids=NAMES)
def test_photo_count_is_as_declared(entry, materialised):
    assert len(load_edition(materialised[entry.name]).photos) == entry.photos


@pytest.mark.parametrize("name", NAMES)
def test_pictures_match_photos_toml(name, materialised):
    """Every referenced file is declared once with its kind, and drawn at its declared size."""
    declared = {p.file: p for p in pictures(name)}
    entries = edition_data(name).get("photos", [])
    assert sorted(declared) == sorted(e["file"] for e in entries)
    for entry in entries:
        picture = declared[entry["file"]]
        assert picture.kind in KINDS
        assert entry.get("kind", "photo") == picture.kind, entry["file"]
        with Image.open(materialised[name] / picture.file) as im:
            assert im.size == (picture.width, picture.height)
            assert im.format == "JPEG"


def test_photos_toml_has_no_edition_outside_the_corpus():
    assert set(photo_table()) <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_addresses_use_example_domains(name):
    text = "\n".join((CORPUS_DIR / name / f).read_text(encoding="utf-8") for f in ("edition.toml", "report.md"))
    hosts = URL_HOST_RE.findall(text) + EMAIL_HOST_RE.findall(text) + BARE_HOST_RE.findall(text)
    assert [h for h in hosts if not is_example_domain(h)] == []


def test_materialise_is_deterministic(tmp_path):
    first = materialise("commentary", tmp_path / "a")
    second = materialise("commentary", tmp_path / "b")
    assert (first / "photos" / "p01.jpg").read_bytes() == (second / "photos" / "p01.jpg").read_bytes()


# --- shapes the corpus as a whole must hold ------------------------------------------------


def all_pictures():
    return [p for name in NAMES for p in pictures(name)]


@pytest.mark.parametrize(
    "kinds, aspect",
    [(("chart", "figure"), 21 / 9), (("chart", "figure"), 1 / 2), (("photo",), 1.0), (("photo",), 3 / 4)],
    ids=["21:9 chart", "1:2 chart", "1:1 photo", "3:4 photo"],
)
def test_corpus_has_picture_of_aspect(kinds, aspect):
    assert any(p.kind in kinds and abs(p.width / p.height - aspect) < 0.02 for p in all_pictures())


def headlines():
    return [edition_data(name)["headline"] for name in NAMES]


def test_corpus_headline_shapes():
    titles = [h["title"] for h in headlines()]
    assert any(4 <= len(t) <= 6 for t in titles), "a very short title"
    assert any(30 <= len(t) <= 40 for t in titles), "a long title"
    assert any(h.get("kicker") and h.get("subtitle") for h in headlines()), "kicker and subtitle"
    assert any(re.search(r"[A-Za-z]{3,}", t) for t in titles), "a Latin name in a title"
    assert any(" " not in t and len(t) > 6 for t in titles), "a title with no typed space"


def test_corpus_photo_counts():
    assert {0, 1, 3, 8, 25} <= {e.photos for e in CORPUS}


def test_mixed_script_edition_has_what_it_promises():
    text = (CORPUS_DIR / "oss-handbook" / "report.md").read_text(encoding="utf-8")
    for needle in ("GitHub", "Ubuntu 24.04 LTS", "Python 3.12", "72.3%", "57,610", "`load_edition`",
                   "internationalization", "1）", "《", "“", "——", "……", "@lin-typeset", "press@example.org",
                   "https://example.org/docs/guide/install.html",
                   "v2.3.1", "#304", "max_line_width", "PINBAN_BOT_AUTO_CLOSE_AFTER_DAYS", "security@example.org"):
        assert needle in text, needle
    assert re.search(r"[\u4e00-\u9fff] [A-Za-z]", text) and re.search(r"[\u4e00-\u9fff][A-Za-z]", text), (
        "typed and missing spaces between Chinese and Latin"
    )
