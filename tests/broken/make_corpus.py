"""Write the broken-input corpus: one minimal edition per case under tests/broken/<case>/.

Each case is the base edition (a short report, one photo) with one thing broken. What each
case must produce is tabulated in cases.toml, not here. Cases whose files are awkward to keep
in git (a 12000×9000 photo, symlinks) are made at test time by tests/test_broken.py.

Usage (from the repository root): python tests/broken/make_corpus.py
Deterministic: same files every run.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
SAMPLE = HERE.parent.parent / "sources" / "2025-01-07-fengtai-lianghui"


def sample_toml() -> str:
    """The sample edition.toml with a case comment on top and the photos pointed at shared
    flat stand-ins of the same pixel size (the layout depends on aspect ratios only)."""
    text = (SAMPLE / "edition.toml").read_text(encoding="utf-8")
    text = "# Broken-input corpus: {name}. {what}\n" + text[text.index("[edition]"):]
    for jpg in sorted((SAMPLE / "photos").glob("p*.jpg")):
        if jpg.stem == "p01":
            continue  # p01 is each case's own photo
        with Image.open(jpg) as im:
            text = text.replace(f'file = "photos/{jpg.name}"', f'file = "photos/{stand_in_name(im.size)}"')
    return text


def stand_in_name(size: tuple[int, int]) -> str:
    return f"stand-in-{size[0]}x{size[1]}.jpg"


def stand_in_files() -> dict[str, bytes]:
    files = {}
    for jpg in sorted((SAMPLE / "photos").glob("p*.jpg")):
        with Image.open(jpg) as im:
            size = im.size
        name = "p01.jpg" if jpg.stem == "p01" else stand_in_name(size)
        files[f"photos/{name}"] = jpeg(photo(size))
    return files


BASE_TOML = sample_toml()
BASE_REPORT = (SAMPLE / "report.md").read_text(encoding="utf-8")
P01_CAPTION = BASE_TOML.split('caption = "', 1)[1].split('"', 1)[0]
TITLE = "凝心聚力共奋进 履职尽责谱新篇"
PHOTO_LINE = 'file = "photos/p01.jpg"'


def photo(size: tuple[int, int] = (1800, 1200), mode: str = "RGB") -> Image.Image:
    """A flat stand-in picture: cheap to store, big enough for 200 ppi over four columns."""
    im = Image.new(mode, size, (70, 110, 150) if mode == "RGB" else (70, 110, 150, 255))
    draw = ImageDraw.Draw(im)
    w, h = size
    draw.rectangle((w // 5, h // 3, w * 4 // 5, h * 5 // 6), fill=(200, 170, 120) if mode == "RGB" else (200, 170, 120, 255))
    if mode == "RGBA":  # a transparent hole: what print cannot show
        draw.ellipse((w // 3, h // 6, w * 2 // 3, h // 2), fill=(0, 0, 0, 0))
    return im


def jpeg(im: Image.Image, quality: int = 50) -> bytes:
    buffer = io.BytesIO()
    im.save(buffer, "JPEG", quality=quality, optimize=True)
    return buffer.getvalue()


def png(im: Image.Image) -> bytes:
    buffer = io.BytesIO()
    im.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def write_case(name: str, what: str, toml: str | None = None, report: str | bytes | None = None,
               files: dict[str, bytes] | None = None) -> None:
    folder = HERE / name
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "photos").mkdir(parents=True)
    toml_text = toml if toml is not None else BASE_TOML
    (folder / "edition.toml").write_bytes(toml_text.format(name=name, what=what).encode("utf-8")
                                          if "{name}" in toml_text else toml_text.encode("utf-8"))
    body = BASE_REPORT if report is None else report
    (folder / "report.md").write_bytes(body if isinstance(body, bytes) else body.encode("utf-8"))
    shared = {k: v for k, v in STAND_INS.items() if k != "photos/p01.jpg"}
    for rel, data in {**shared, **(files if files is not None else {"photos/p01.jpg": STAND_INS["photos/p01.jpg"]})}.items():
        (folder / rel).write_bytes(data)


def toml_with(old: str, new: str) -> str:
    assert old in BASE_TOML, old
    return BASE_TOML.replace(old, new)


CASES: dict[str, Callable[[], None]] = {}


def case(func: Callable[[], None]) -> Callable[[], None]:
    CASES[func.__name__.replace("_", "-")] = func
    return func


@case
def baseline() -> None:
    write_case("baseline", "Nothing is broken: the corpus's reference.")


@case
def truncated_toml() -> None:
    full = BASE_TOML.format(name="truncated-toml", what="edition.toml ends in the middle of a string.")
    write_case("truncated-toml", "", toml=full[: full.index(P01_CAPTION) + 6])


@case
def invalid_utf8() -> None:
    raw = BASE_REPORT.encode("utf-8")
    cut = raw.index("新贡献".encode()) + 1  # inside a character: a lone lead byte, then 0xff
    write_case("invalid-utf8", "report.md holds bytes that are not UTF-8.", report=raw[:cut] + b"\xff" + raw[cut:])


@case
def gbk_report() -> None:
    write_case("gbk-report", "report.md saved as GBK.", report=BASE_REPORT.encode("gbk"))


@case
def utf16_report() -> None:
    write_case("utf16-report", "report.md saved as UTF-16 (Windows Notepad's 'Unicode').",
               report=BASE_REPORT.encode("utf-16"))


@case
def empty_report() -> None:
    write_case("empty-report", "report.md is empty.", report="")


@case
def long_caption() -> None:
    caption = ("区政协医药卫生界工作站揭牌成立" * 400)[:5000]  # no spaces: 5,000 characters after trimming
    write_case("long-caption", "A 5,000-character caption.", toml=toml_with(
        f'caption = "{P01_CAPTION}"', f'caption = "{caption}"'))


@case
def long_headline() -> None:
    title = ("凝心聚力共奋进履职尽责谱新篇" * 15)[:200]
    write_case("long-headline", "A 200-character headline.", toml=toml_with(
        f'title = "{TITLE}"', f'title = "{title}"'))


@case
def tiny_photo() -> None:
    write_case("tiny-photo", "The photo is 1×1 px.", files={"photos/p01.jpg": jpeg(Image.new("RGB", (1, 1), (90, 90, 90)))})


@case
def alpha_png() -> None:
    write_case("alpha-png", "The photo is a PNG with an alpha channel.",
               toml=toml_with(PHOTO_LINE, 'file = "photos/p01.png"'), files={"photos/p01.png": png(photo(mode="RGBA"))})


@case
def corrupt_jpeg() -> None:
    data = jpeg(photo())
    write_case("corrupt-jpeg", "The JPEG is cut off after its first half.", files={"photos/p01.jpg": data[: len(data) // 2]})


@case
def not_an_image() -> None:
    write_case("not-an-image", "photos/p01.jpg is a text file.", files={"photos/p01.jpg": b"not a photo\n"})


@case
def missing_photo() -> None:
    write_case("missing-photo", "The photo file is not there: a placeholder is drawn.", files={})


@case
def path_outside() -> None:
    write_case("path-outside", "A photo path climbs out of the edition.",
               toml=toml_with(PHOTO_LINE, 'file = "../../etc/passwd"'))


@case
def absolute_path() -> None:
    write_case("absolute-path", "A photo path is absolute.", toml=toml_with(PHOTO_LINE, 'file = "/etc/passwd"'))


@case
def duplicate_ids() -> None:
    write_case("duplicate-ids", "Two photos share the id p01.", toml=toml_with('id = "p02"', 'id = "p01"'))


@case
def unknown_keys() -> None:
    toml = toml_with("subtitle = ", 'colour = "red"\nsubtitel = ').replace(PHOTO_LINE, PHOTO_LINE + '\ncaptoin = "typo"')
    write_case("unknown-keys", "Misspelt or unknown keys (colour, subtitel, captoin).", toml=toml)


@case
def emoji_ext_b() -> None:
    report = BASE_REPORT.replace("作出了新贡献。", "作出了新贡献👍。", 1).replace("扎实开展", "扎实开展𠀀", 1)
    write_case("emoji-ext-b", "An emoji and a CJK Extension B character (U+20000) in the report.", report=report)


@case
def html_caption() -> None:
    write_case("html-caption", "A caption holding HTML.", toml=toml_with(
        f'caption = "{P01_CAPTION}"', 'caption = "丰台区政协<script>alert(1)</script></div>联合举办书画展"'))


@case
def control_char() -> None:
    write_case("control-char", "A form feed pasted into the report.", report=BASE_REPORT.replace("认真履行", "认真\x0c履行", 1))


@case
def control_escape() -> None:
    write_case("control-escape", "A NUL written as an escape in a TOML string.", toml=toml_with(
        f'caption = "{P01_CAPTION}"', 'caption = "区政协\\u0000揭牌成立"'))


@case
def style_path() -> None:
    write_case("style-path", "The style name is a path.", toml=toml_with('style = "broadsheet"', 'style = "../../etc"'))


@case
def unknown_style() -> None:
    write_case("unknown-style", "The style names no house style.", toml=toml_with('style = "broadsheet"', 'style = "tabloid"'))


@case
def wrong_weekday() -> None:
    write_case("wrong-weekday", "The weekday does not match the date.", toml=toml_with('weekday = "星期二"', 'weekday = "星期三"'))


@case
def text_slips() -> None:
    slips = {"区政协把学习": "区政协把学习区政协把学习", "重要活动围绕": "重要活动 围绕", "积极开展主题党日": "积极开展,主题党日",
             "研讨13次": "研讨１３次", "为全区经济社会": "为二〇二四年全区经济社会"}
    report = BASE_REPORT
    for old, new in slips.items():
        assert old in report, old
        report = report.replace(old, new, 1)
    write_case("text-slips", "A doubled phrase, a space, a half-width comma, full-width digits, a Chinese-numeral year.",
               report=report)


STAND_INS = stand_in_files()


def main() -> None:
    for make in CASES.values():
        make()
    print(f"wrote {len(CASES)} cases under {HERE.name}/")


if __name__ == "__main__":
    main()
