"""The plant's file, read back: pages.pdf is PDF/X-1a:2003 with the house output intent, its text
in K alone, its images CMYK or grey, its ink within the house limit on Ghostscript's separations,
and the same bytes whatever the clock says; the preflight finds each fault it is meant to find."""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ContentStream, NameObject, RectangleObject, StreamObject

from pipeline.checks.press import check_press, start_separations
from pipeline.errors import PinbanError
from pipeline.render import press as press_module
from pipeline.render.html import photo_url
from pipeline.render.press import (
    INK_MARGIN,
    limit_ink,
    press_content,
    rgb_to_cmyk,
    separate_photos,
    separate_picture,
    separated,
    target_size,
)
from pipeline.style import load_style

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sources" / "2025-01-07-fengtai-lianghui"
GS = shutil.which("gs")
needs_gs = pytest.mark.skipif(GS is None, reason="Ghostscript (gs) is not installed: tools/sysdeps.sh installs it")


@pytest.fixture(autouse=True)
def kept_in_the_test(tmp_path, monkeypatch) -> None:
    """Separated photos are kept in a folder of each test's own: none comes from another run."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))


def kept_here(tmp_path: Path) -> Path:
    return tmp_path / "pinban" / "separated"


@pytest.fixture(scope="module")
def plant(sample_build):
    display, job, out = sample_build
    return display, job.style, out / "pages.pdf", PdfReader(str(out / "pages.pdf"))


# --- PDF/X and the output intent --------------------------------------------------------------


def test_pdfx_keys_and_the_house_output_intent(plant) -> None:
    _, style, _, reader = plant
    assert reader.pdf_header == "%PDF-1.4"
    assert reader.metadata["/GTS_PDFXVersion"] == "PDF/X-1a:2003"
    assert reader.metadata["/Trapped"] == "/False"
    assert b"pdfxid:GTS_PDFXVersion>PDF/X-1a:2003<" in reader.xmp_metadata.stream.get_data()
    [intent] = [i.get_object() for i in reader.trailer["/Root"]["/OutputIntents"]]
    assert intent["/S"] == "/GTS_PDFX"
    assert intent["/OutputConditionIdentifier"] == style.press.output_condition
    assert "STAND-IN" in intent["/OutputConditionIdentifier"]
    profile = intent["/DestOutputProfile"].get_object()
    assert profile["/N"] == 4
    assert profile.get_data() == style.press.output_profile.read_bytes()


def test_trim_and_bleed_boxes(plant) -> None:
    _, style, _, reader = plant
    for page in reader.pages:
        assert [round(float(v), 2) for v in page.trimbox] == [0, 0, round(style.page_width, 2), round(style.page_height, 2)]
        b = style.bleed
        assert [round(float(v), 2) for v in page.bleedbox] == [
            round(-b, 2), round(-b, 2), round(style.page_width + b, 2), round(style.page_height + b, 2)]
        media = [float(v) for v in page.mediabox]
        assert media[0] < -b and media[2] > style.page_width + b  # crop marks stand in the slug


# --- colours, read from the content streams -----------------------------------------------------


def drawn(reader: PdfReader):
    """(operator, fill colour, stroke colour) for every operator of every page and form, with the
    colour state followed through q/Q; images as ("image", colour space)."""
    out = []

    def walk(contents, resources, fill, stroke, depth=0):
        resources = resources.get_object()
        stack = []
        for operands, op in ContentStream(contents, reader).operations:
            if op == b"q":
                stack.append((fill, stroke))
            elif op == b"Q":
                fill, stroke = stack.pop()
            elif op in (b"rg", b"g", b"k", b"sc", b"scn", b"cs"):
                fill = (op, tuple(float(v) if not isinstance(v, NameObject) else str(v) for v in operands))
            elif op in (b"RG", b"G", b"K", b"SC", b"SCN", b"CS"):
                stroke = (op, tuple(float(v) if not isinstance(v, NameObject) else str(v) for v in operands))
            elif op == b"Do":
                xobject = resources["/XObject"][operands[0]].get_object()
                if xobject["/Subtype"] == "/Image":
                    out.append(("image", str(xobject["/ColorSpace"]), None))
                else:
                    walk(xobject, xobject.get("/Resources", resources), fill, stroke, depth + 1)
            out.append((op, fill, stroke))

    for page in reader.pages:
        walk(page.get_contents(), page["/Resources"], (b"g", (0.0,)), (b"G", (0.0,)))
    return out


def test_every_text_colour_is_k_only(plant) -> None:
    ops = drawn(plant[3])
    text = [fill for op, fill, _ in ops if op in (b"Tj", b"TJ", b"'", b'"')]
    assert len(text) > 300
    for op, values in set(text):
        assert op == b"g" or (op == b"k" and values[:3] == (0, 0, 0)), f"text drawn in {op} {values}"


PAINT_FILL = {b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*"}
PAINT_STROKE = {b"S", b"s", b"B", b"B*", b"b", b"b*"}


def test_rules_and_furniture_in_k_only(plant) -> None:
    """Every path is painted in K alone (or grey), but the crop marks, in registration on all four plates."""
    ops = drawn(plant[3])
    colours = {fill for op, fill, _ in ops if op in PAINT_FILL} | {stroke for op, _, stroke in ops if op in PAINT_STROKE}
    assert (b"K", (1, 1, 1, 1)) in colours  # the crop marks
    colours -= {(b"K", (1, 1, 1, 1))}
    assert len(colours) >= 2  # rules and the grey behind photos at least
    for op, values in colours:
        assert op.lower() == b"g" or (op.lower() == b"k" and values[:3] == (0, 0, 0)), f"painted in {op} {values}"


def test_no_rgb_anywhere_and_images_cmyk_or_grey(plant) -> None:
    ops = drawn(plant[3])
    assert not [o for o in ops if o[0] in (b"rg", b"RG")]
    spaces = {o[1] for o in ops if o[0] == "image"}
    assert spaces and spaces <= {"/DeviceCMYK", "/DeviceGray"}
    named = {v for o in ops if o[0] != "image" for colour in o[1:] for v in colour[1] if isinstance(v, str)}
    assert "/DeviceRGB" not in named


def test_solid_black_overprints(plant) -> None:
    page = plant[3].pages[0]
    data = page.get_contents().get_data()
    states = page["/Resources"]["/ExtGState"]
    black = re.findall(rb"0 0 0 1 k (/\w+) gs", data)
    assert black, "no solid black fill in the page"
    for name in set(black):
        state = states[name.decode()]
        assert state["/op"].value and state["/OPM"] == 1
    tints = re.findall(rb"0 0 0 0\.13 k (/\w+) gs", data)  # the grey behind photos knocks out
    assert tints and not any(states[n.decode()]["/op"].value for n in tints)


def test_the_review_copy_keeps_rgb_photos_and_the_sources_are_untouched(sample_build) -> None:
    _, job, out = sample_build
    spread = PdfReader(str(out / "spread.pdf"))
    sheet = spread.pages[0]["/Resources"]["/XObject"]
    spaces = {str(x.get_object()["/ColorSpace"]) for form in sheet.values()
              for x in form.get_object()["/Resources"]["/XObject"].values() if x.get_object()["/Subtype"] == "/Image"}
    assert spaces == {"/DeviceRGB"}
    for photo in job.edition.photos:
        with Image.open(photo.path) as im:
            assert im.mode == "RGB" and im.format == "JPEG"  # still the editor's files


# --- ink, on Ghostscript's separations ----------------------------------------------------------


@pytest.fixture(scope="module")
def separations(plant, tmp_path_factory):
    _, _, pdf, _ = plant
    folder = tmp_path_factory.mktemp("separations")
    subprocess.run([GS, "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=tiff32nc", "-r50", "-dUseBleedBox",
                    "-o", str(folder / "p%d.tif"), str(pdf)], check=True, timeout=300)
    return [Image.open(folder / f"p{n}.tif") for n in (1, 2)]


@needs_gs
def test_total_ink_within_the_limit(plant, separations) -> None:
    limit = plant[1].press.ink_limit
    for image in separations:
        assert image.mode == "CMYK"
        data = image.tobytes()
        worst = max(map(sum, zip(data[0::4], data[1::4], data[2::4], data[3::4]))) / 255 * 100
        assert 150 < worst <= limit  # dark photo areas come near the limit, never past it


def test_every_photo_in_the_plant_file_within_the_ink_limit_over_a_screen_cell(plant) -> None:
    """The 50 dpi render samples the photos; here every pixel of every photo as embedded counts.
    JPEG's ringing lifts single pixels at dark edges a few % (the separation itself keeps each
    pixel within the limit, tested below); what the plate prints is a screen cell's ink: at
    200 ppi one cell of a 100 lpi newsprint screen is 2 × 2 pixels, in any alignment."""
    limit = plant[1].press.ink_limit
    photos = {ref.idnum: ref.get_object() for page in plant[3].pages for ref in page["/Resources"]["/XObject"].values()
              if ref.get_object()["/Subtype"] == "/Image" and ref.get_object()["/ColorSpace"] == "/DeviceCMYK"}
    assert len(photos) == sum(len(page.pictures) for page in plant[0].pages)
    for xobject in photos.values():
        with Image.open(io.BytesIO(xobject.get_data())) as im:  # Pillow undoes Adobe's inverted CMYK
            worst = worst_cell_ink(im)
        assert 150 < worst <= limit, f"{worst:.1f} % total ink over a cell of a {im.size} photo"


def worst_cell_ink(cmyk: Image.Image) -> float:
    """The highest total ink, in %, of any 2 × 2 pixels."""
    from PIL import ImageMath

    bands = dict(zip("cmyk", cmyk.split()))
    total = ImageMath.lambda_eval(lambda b: b["c"] + b["m"] + b["y"] + b["k"], **bands).convert("F")
    w, h = total.size
    return max(total.crop((dx, dy, w, h)).reduce(2).getextrema()[1] for dx in (0, 1) for dy in (0, 1)) / 255 * 100


@needs_gs
def test_no_cmy_under_body_text_and_text_on_black(plant, separations) -> None:
    display, style, _, _ = plant
    scale = 50 / 72
    checked = 0
    for image, page in zip(separations, display.pages):
        c, m, y, k = image.split()
        for frame in page.frames:
            for line in frame.lines:
                if line.kind != "body" or frame.kind != "column":
                    continue
                size = line.spans[0].size
                box = tuple(round((v + style.bleed) * scale) for v in
                            (line.x, line.baseline - 0.8 * size, line.x + line.measure, line.baseline + 0.1 * size))
                assert all(band.crop(box).getextrema()[1] == 0 for band in (c, m, y)), f"C/M/Y under “{line.text}”"
                assert k.crop(box).getextrema()[1] > 0  # the line is there, on the black plate
                checked += 1
    assert checked > 400


@needs_gs
def test_preflight_of_the_sample_is_clean(plant) -> None:
    display, style, pdf, _ = plant
    assert check_press(pdf, display, style, start_separations(pdf)) == []


# --- the same bytes ------------------------------------------------------------------------------


def build_pages(out: Path, **env: str) -> bytes:
    environ = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"} | env
    subprocess.run([sys.executable, "-c", "from pipeline.cli import main; main()", "pdf", str(SAMPLE), "-o", str(out), "-q"],
                   check=True, cwd=ROOT, env=environ, timeout=300)
    return (out / "pages.pdf").read_bytes()


def test_same_bytes_with_and_without_source_date_epoch(tmp_path) -> None:
    """The second build takes the photos the first one kept: the same bytes again. The third
    separates them anew, and embeds the very same images."""
    edition_midnight = "1736208000"  # 2025-01-07T00:00:00Z, the edition's date
    unset = build_pages(tmp_path / "a", TZ="Asia/Shanghai")
    assert len(list(kept_here(tmp_path).iterdir())) == 15
    set_same = build_pages(tmp_path / "b", TZ="America/New_York", SOURCE_DATE_EPOCH=edition_midnight)
    assert unset == set_same
    assert dates(unset) == ("D:20250107000000Z", "D:20250107000000Z", "2025-01-07T00:00:00Z")
    later = build_pages(tmp_path / "c", SOURCE_DATE_EPOCH="1736294400", XDG_CACHE_HOME=str(tmp_path / "none yet"))
    assert dates(later)[0] == "D:20250108000000Z"  # the date is taken, not the clock
    assert images(later) == images(unset)


def images(pdf: bytes) -> set[bytes]:
    reader = PdfReader(io.BytesIO(pdf))
    return {ref.get_object().get_data() for page in reader.pages for ref in page["/Resources"]["/XObject"].values()
            if ref.get_object()["/Subtype"] == "/Image"}


def dates(pdf: bytes) -> tuple[str, str, str]:
    reader = PdfReader(io.BytesIO(pdf))
    xmp = reader.xmp_metadata.stream.get_data().decode()
    return (reader.metadata["/CreationDate"], reader.metadata["/ModDate"],
            re.search(r"<xmp:CreateDate>([^<]+)<", xmp).group(1))


# --- the preflight finds what is wrong ----------------------------------------------------------


def altered(pdf: Path, tmp_path: Path, change) -> Path:
    writer = PdfWriter(clone_from=PdfReader(str(pdf)))
    change(writer)
    path = tmp_path / "altered.pdf"
    writer.write(path)
    return path


def replace_content(writer: PdfWriter, old: bytes, new: bytes) -> None:
    page = writer.pages[0]
    stream = StreamObject()
    stream.set_data(page.get_contents().get_data().replace(old, new))
    page[NameObject("/Contents")] = writer._add_object(stream)


def codes(findings) -> set[str]:
    return {f.code for f in findings}


def test_preflight_finds_rgb_text(plant, tmp_path) -> None:
    display, style, pdf, _ = plant
    bad = altered(pdf, tmp_path, lambda w: replace_content(w, b"0 0 0 1 k", b"0 0 0 rg"))
    found = check_press(bad, display, style)
    assert codes(found) == {"press-rgb", "press-text-colour"}
    assert all(f.where == "pages.pdf 02版" for f in found)


def test_preflight_finds_rich_black_text(plant, tmp_path) -> None:
    display, style, pdf, _ = plant
    bad = altered(pdf, tmp_path, lambda w: replace_content(w, b"0 0 0 1 k", b"0.4 0.3 0.3 1 k"))
    [found] = check_press(bad, display, style)
    assert found.code == "press-text-colour" and "DeviceCMYK 0.4 0.3 0.3 1" in found.message


def test_preflight_finds_missing_intent_and_wrong_boxes(plant, tmp_path) -> None:
    display, style, pdf, _ = plant

    def spoil(writer: PdfWriter) -> None:
        del writer._root_object["/OutputIntents"]
        writer.pages[1].trimbox = RectangleObject([0, 0, 100, 100])

    found = check_press(altered(pdf, tmp_path, spoil), display, style)
    assert codes(found) == {"press-output-intent", "press-boxes"}
    assert next(f for f in found if f.code == "press-boxes").where == "pages.pdf 03版"


def test_preflight_finds_resolution_lost_below_the_bound(plant) -> None:
    """Built at 200 ppi, checked against 300: every photo whose source had more than 200 ppi as
    placed was resampled below what it had and the bound asks (the lower of the two)."""
    display, style, pdf, _ = plant
    strict = replace(style, press=replace(style.press, min_ppi=300))
    found = check_press(pdf, display, strict)
    assert codes(found) == {"press-resolution"}
    placed = {p.photo_id: min(300, round(p.crop[2] / (p.width / 72))) for page in display.pages for p in page.pictures}
    assert {f.message.split()[1]: int(f.message.split()[-1]) for f in found} == placed
    assert re.fullmatch(r"photo p\d\d prints at 2\d\d ppi, under \d+", found[0].message)


def test_a_small_source_is_not_the_plant_file_s_fault(plant) -> None:
    display, style, pdf, _ = plant
    small = tuple(replace(page, pictures=tuple(replace(p, crop=(0, 0, p.width / 72 * 150, p.height / 72 * 150))
                                               for p in page.pictures)) for page in display.pages)
    assert check_press(pdf, replace(display, pages=small), style) == []  # photo-resolution's to say


def test_preflight_finds_an_rgb_pdf(plant, tmp_path) -> None:
    """A plain WeasyPrint PDF (no press step) fails the preflight in every way it should."""
    import weasyprint

    from pipeline.render.html import pages_html
    from pipeline.render.pdf import url_fetcher_for

    display, style, _, _ = plant
    plain = tmp_path / "plain.pdf"
    weasyprint.HTML(string=pages_html(display, style, faces(style), display_time(display)),
                    url_fetcher=url_fetcher_for([SAMPLE])).write_pdf(plain)
    found = codes(check_press(plain, display, style))
    assert {"press-pdfx", "press-output-intent", "press-rgb", "press-text-colour", "press-boxes"} <= found


def faces(style):
    from pipeline.fonts import load_face

    return {f.key: load_face(f.key, f.family, f.weight) for f in style.faces}


def display_time(display):
    from pipeline.render.html import display_time as when

    return when(display)


def ink_pdf(style, path: Path, cmyk: tuple[float, ...], box: tuple[float, float, float, float]) -> Path:
    """Two pages the size of the bleed box, one rectangle in `cmyk` at `box` (display coordinates)."""
    from reportlab.pdfgen.canvas import Canvas

    b = style.bleed
    canvas = Canvas(str(path), pagesize=(style.page_width + 2 * b, style.page_height + 2 * b), invariant=1)
    for _ in range(2):
        x, y, w, h = box
        canvas.setFillColorCMYK(*cmyk)
        canvas.rect(x + b, style.page_height + b - y - h, w, h, stroke=0, fill=1)
        canvas.showPage()
    canvas.save()
    return path


@needs_gs
def test_ink_over_the_limit_is_found(plant, tmp_path) -> None:
    display, style, _, _ = plant
    pdf = ink_pdf(style, tmp_path / "ink.pdf", (1, 1, 1, 1), (100, 100, 60, 60))
    found = [f for f in check_press(pdf, display, style, start_separations(pdf)) if f.code == "press-ink"]
    assert [f.message for f in found] == ["400 % total ink, over the limit of 240 %"] * 2


@needs_gs
def test_colour_under_body_text_is_found(plant, tmp_path) -> None:
    display, style, _, _ = plant
    frame = next(f for f in display.pages[0].frames if f.kind == "column")
    line = next(li for li in frame.lines if li.kind == "body")
    pdf = ink_pdf(style, tmp_path / "tint.pdf", (0.3, 0, 0, 0), (line.x, line.baseline - 6, 30, 6))
    found = [f for f in check_press(pdf, display, style, start_separations(pdf)) if f.code == "press-text-ink"]
    assert found and found[0].where.startswith("02版·第1栏") and found[0].block_id


# --- the separation itself ----------------------------------------------------------------------


@given(st.tuples(*[st.integers(0, 255)] * 4), st.integers(300, 800))
def test_limit_ink_holds_the_bound_and_changes_nothing_under_it(cmyk, limit) -> None:
    out = limit_ink(*cmyk, limit)
    assert sum(out) <= limit + 1e-6
    assert all(0 <= v <= 255 for v in out)
    if sum(cmyk) <= limit:
        assert out == cmyk
    else:
        assert out[3] >= cmyk[3]  # grey goes to black, never the other way


def picture_of(path: Path, size: tuple[int, int], width: float):
    from pipeline.display import Picture

    w, h = size
    return Picture("t1", "02", 0, 0, width, width * h / w, str(path), size, (0.0, 0.0, float(w), float(h)))


def test_a_grey_photo_is_k_only_and_a_colour_photo_within_the_limit(plant, tmp_path) -> None:
    press = plant[1].press
    grey, colour = tmp_path / "grey.jpg", tmp_path / "colour.jpg"
    ramp = Image.linear_gradient("L").resize((600, 400))
    Image.merge("RGB", [ramp] * 3).save(grey, quality=90)
    dark = Image.new("RGB", (600, 400), (20, 10, 40))
    dark.paste((200, 30, 30), (0, 0, 300, 400))
    dark.save(colour, quality=90)
    before = hashlib.sha256(colour.read_bytes()).digest()

    g = separate_picture(picture_of(grey, (600, 400), 72), press)
    with Image.open(io.BytesIO(g.plant)) as im:
        assert im.mode == "L" and im.size == (200, 134)  # 1 inch at 200 ppi, never upsampled
        assert im.getextrema()[0] < 40  # the ramp's dark end prints dark
    c = separate_picture(picture_of(colour, (600, 400), 72), press)
    with Image.open(io.BytesIO(c.plant)) as im:
        assert im.mode == "CMYK"
        data = im.tobytes()
        worst = max(map(sum, zip(data[0::4], data[1::4], data[2::4], data[3::4])))
        assert 0.6 * press.ink_limit < worst / 255 * 100 <= press.ink_limit
    with Image.open(io.BytesIO(c.review)) as im:
        assert im.mode == "RGB"
    assert hashlib.sha256(colour.read_bytes()).digest() == before


def test_no_colour_is_separated_over_the_ink_limit(plant) -> None:
    """Every pixel of a 64-level RGB cube (black, white and the full primaries included), before JPEG."""
    press = plant[1].press
    steps = [round(i * 255 / 63) for i in range(64)]
    cube = Image.new("RGB", (64 * 64, 64))
    cube.putdata([(r, g, b) for b in steps for g in steps for r in steps])
    cmyk = separated(cube, None, press)
    assert cmyk.mode == "CMYK"
    data = cmyk.tobytes()
    worst = max(map(sum, zip(data[0::4], data[1::4], data[2::4], data[3::4]))) / 255 * 100
    assert press.ink_limit - INK_MARGIN - 2 < worst <= press.ink_limit - INK_MARGIN + 1  # 4 channels rounded to 8 bits


@pytest.mark.parametrize("wanted", [390, 401, 799, 801, 1600])
def test_a_jpeg_is_decoded_small_but_never_under_the_placed_pixels(plant, tmp_path, monkeypatch, wanted) -> None:
    """Pillow's draft decodes a JPEG at 1/2, 1/4 or 1/8 for free: the smallest that still has
    the pixels the placed size asks for, so the resolution as placed is kept."""
    press = plant[1].press
    source = tmp_path / "big.jpg"
    Image.linear_gradient("L").resize((1600, 1200)).convert("RGB").save(source, quality=90)
    p = picture_of(source, (1600, 1200), wanted * 72 / press.image_ppi)
    target = target_size(p, press.image_ppi)
    decoded = []
    resize = Image.Image.resize
    monkeypatch.setattr(Image.Image, "resize", lambda im, *a, **kw: decoded.append(im.size) or resize(im, *a, **kw))
    with Image.open(io.BytesIO(separate_picture(p, press).plant)) as im:
        assert im.size == target
    scale = max(s for s in (1, 2, 4, 8) if -(-1600 // s) >= target[0] and -(-1200 // s) >= target[1])
    assert decoded == [(-(-1600 // scale), -(-1200 // scale))]


def test_separated_in_the_pool_as_alone_and_the_switch_interval_given_back(plant) -> None:
    display, style, _, _ = plant
    before = sys.getswitchinterval()
    with ThreadPoolExecutor(2) as pool:
        jobs = separate_photos(display, style.press, pool)
        made = {url: (job.result().plant, job.result().review) for url, job in jobs.items()}
    assert len(made) == sum(len(page.pictures) for page in display.pages)
    for p in (display.pages[0].pictures[0], display.pages[1].pictures[-1]):
        alone = separate_picture(p, style.press)
        assert made[photo_url(p)] == (alone.plant, alone.review)
    assert sys.getswitchinterval() == before


def test_colour_operators_become_k_and_solid_black_overprints() -> None:
    convert = rgb_to_cmyk("/usr/share/color/icc/ghostscript/default_cmyk.icc")
    content = (b"q\n/DeviceCMYK cs\n0 0 0 1 scn\n0.5 g\n.25 G\n0.6 0.6 0.6 RG\n1 0 0 rg\n/P1 scn\n/a1.0 gs\n"
               b"[<0031 0032> -120 <0033>] TJ\n/DeviceCMYK CS\n0 0 0 0.13 SCN\nQ")
    out = press_content(content, convert).split(b"\n")
    assert out[2:6] == [b"0 0 0 1 k /PbOPf gs", b"0 0 0 0.5 k /PbKOf gs", b"0 0 0 0.75 K /PbKOs gs",
                        b"0 0 0 0.4 K /PbKOs gs"]  # grey and neutral RGB to K alone; solid black overprints
    c, m, y, k, op, state, gs = out[6].split()
    assert (op, state, gs) == (b"k", b"/PbKOf", b"gs")  # red, separated, knocking out
    assert float(m) > 0.8 and float(y) > 0.8 and float(c) < 0.2 and float(k) < 0.2
    assert out[7:10] == [b"/P1 scn", b"/a1.0 gs", b"[<0031 0032> -120 <0033>] TJ"]  # not colours: untouched
    assert out[11] == b"0 0 0 0.13 K /PbKOs gs"


class MadeAgain(Exception):
    pass


def made_again(*_) -> None:
    raise MadeAgain


def test_kept_copies_are_the_made_ones_and_any_change_makes_them_anew(plant, tmp_path, monkeypatch) -> None:
    press = plant[1].press
    photo = tmp_path / "colour.jpg"
    Image.new("RGB", (600, 400), (200, 30, 30)).save(photo, quality=90)
    p = picture_of(photo, (600, 400), 72)
    made = separate_picture(p, press)
    monkeypatch.setattr(press_module, "placed_pixels", made_again)
    again = separate_picture(p, press)
    assert (again.plant, again.review) == (made.plant, made.review)
    changes = [(replace(p, crop=(10.0, 0.0, 590.0, 400.0)), press), (replace(p, width=60.0), press),
               (p, replace(press, ink_limit=260.0)), (p, replace(press, image_ppi=300.0))]
    for changed, changed_press in changes:
        with pytest.raises(MadeAgain):
            separate_picture(changed, changed_press)
    Image.new("RGB", (600, 400), (30, 30, 200)).save(photo, quality=90)  # another photo under the same name
    with pytest.raises(MadeAgain):
        separate_picture(p, press)


def test_a_cache_folder_that_keeps_nothing_or_a_damaged_copy_changes_nothing(plant, tmp_path, monkeypatch) -> None:
    press = plant[1].press
    photo = tmp_path / "colour.jpg"
    Image.new("RGB", (600, 400), (200, 30, 30)).save(photo, quality=90)
    p = picture_of(photo, (600, 400), 72)
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder would be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    made = separate_picture(p, press)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    separate_picture(p, press)
    [copy] = kept_here(tmp_path).iterdir()
    copy.write_bytes(copy.read_bytes()[:-100])  # cut short
    again = separate_picture(p, press)
    assert (again.plant, again.review) == (made.plant, made.review)
    assert press_module.kept(copy.name) == (made.plant, made.review)  # made anew, kept whole again


def test_the_least_recently_used_copies_go_first(tmp_path, monkeypatch) -> None:
    folder = kept_here(tmp_path)
    folder.mkdir(parents=True)
    for n, name in enumerate(["used-last", "used-first", "used-second"]):
        (folder / name).write_bytes(bytes(1000))
        os.utime(folder / name, ns=(0, {"used-first": 1, "used-second": 2, "used-last": 3}[name] * 10**9))
    monkeypatch.setattr(press_module, "KEPT_BYTES", 2000)
    press_module.trim_kept.__wrapped__(folder)
    assert sorted(f.name for f in folder.iterdir()) == ["used-last", "used-second"]


def test_photos_are_resampled_to_the_placed_size_never_up(plant, tmp_path) -> None:
    press = plant[1].press
    p = picture_of(tmp_path / "x.jpg", (3000, 2000), 144)  # 2 in wide: 400 px at 200 ppi
    assert target_size(p, press.image_ppi) == (400, 267)
    small = picture_of(tmp_path / "x.jpg", (300, 200), 144)  # 150 ppi as it is: kept
    assert target_size(small, press.image_ppi) == (300, 200)


# --- [press] in the house style ----------------------------------------------------------------


def style_with(tmp_path: Path, old: str, new: str) -> Path:
    styles = tmp_path / "styles"
    shutil.copytree(ROOT / "styles" / "broadsheet", styles / "broadsheet")
    toml = styles / "broadsheet" / "style.toml"
    text = toml.read_text(encoding="utf-8")
    assert old in text
    toml.write_text(text.replace(old, new), encoding="utf-8")
    return styles


def line_of(styles: Path, key: str) -> int:
    lines = (styles / "broadsheet" / "style.toml").read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.startswith(f"{key} ="))


@pytest.mark.parametrize(("old", "new", "key", "says"), [
    ("ink_limit = 240", "ink_limit = 500", "ink_limit", "500 is not a number from 100 to 400"),
    ("min_ppi = 200", 'min_ppi = "high"', "min_ppi", "'high' is not a number"),
    ("image_ppi = 200", "image_ppi = 150", "image_ppi", "150 is not a number from 200"),
    ('output_profile = "/usr/share/color/icc/ghostscript/default_cmyk.icc"', 'output_profile = "plant.icc"',
     "output_profile", "plant.icc cannot be read"),
    ('output_profile = "/usr/share/color/icc/ghostscript/default_cmyk.icc"', 'output_profile = "style.toml"',
     "output_profile", "style.toml is not an ICC profile"),
])
def test_bad_press_values_are_one_line_errors(tmp_path, old, new, key, says) -> None:
    styles = style_with(tmp_path, old, new)
    with pytest.raises(PinbanError) as err:
        load_style(styles, "broadsheet")
    assert says in err.value.message and err.value.message.startswith(f"[press] {key}:")
    assert err.value.where == f"styles/broadsheet/style.toml:{line_of(styles, key)}"
    assert "\n" not in str(err.value)


def test_an_rgb_profile_is_refused(tmp_path) -> None:
    rgb = Path("/usr/share/color/icc/ghostscript/srgb.icc")
    if not rgb.exists():
        pytest.skip("Ghostscript's profiles are not installed")
    styles = style_with(tmp_path, 'output_profile = "/usr/share/color/icc/ghostscript/default_cmyk.icc"',
                        f'output_profile = "{rgb}"')
    with pytest.raises(PinbanError, match="srgb.icc is a RGB profile, not CMYK"):
        load_style(styles, "broadsheet")


def test_the_plant_profile_sits_beside_the_style(tmp_path) -> None:
    styles = style_with(tmp_path, 'output_profile = "/usr/share/color/icc/ghostscript/default_cmyk.icc"\n'
                        'output_condition = "STAND-IN Artifex CMYK SWOP (not the plant\'s profile)"',
                        'output_profile = "plant.icc"')
    shutil.copy("/usr/share/color/icc/ghostscript/default_cmyk.icc", styles / "broadsheet" / "plant.icc")
    press = load_style(styles, "broadsheet").press
    assert press.output_profile == styles / "broadsheet" / "plant.icc"
    assert press.output_condition == "plant"  # named after the file when not given


def test_an_exif_turned_photo_is_separated_as_it_is_shown(plant, tmp_path) -> None:
    """A camera JPEG stored landscape with EXIF orientation 6 shows portrait: the plant gets it
    turned, at the shown aspect, like the review copy and the layout (never distorted)."""
    from PIL import ImageOps

    press = plant[1].press
    turned = tmp_path / "turned.jpg"
    stored = Image.new("RGB", (600, 400), (30, 30, 200))
    stored.paste((220, 30, 30), (0, 0, 300, 400))  # left half red as stored
    exif = Image.Exif()
    exif[0x0112] = 6
    stored.save(turned, quality=90, exif=exif)
    with Image.open(turned) as im:
        shown = ImageOps.exif_transpose(im)  # 400 × 600, red on top
    sep = separate_picture(picture_of(turned, shown.size, 72), press)
    for data in (sep.plant, sep.review):
        with Image.open(io.BytesIO(data)) as im:
            assert im.size == (200, 300)  # 1 inch wide at 200 ppi, portrait
            rgb = im.convert("RGB")
            top, bottom = rgb.getpixel((100, 50)), rgb.getpixel((100, 250))
            assert top[0] > top[2] and bottom[2] > bottom[0], (top, bottom)


def operations_read(operations) -> list:
    """(operator, what the preflight reads of the operands): numbers, names, the rest as one kind."""
    from pipeline.checks.press import TEXT_OPS

    def value(v):
        if isinstance(v, bool) or v is None:
            return v
        if isinstance(v, int | float):
            return float(v)
        return str(v) if str(v).startswith("/") else "other"

    return [(op,) if op in TEXT_OPS else (op, tuple(value(v) for v in operands)) for operands, op in operations]


def test_the_preflight_reads_content_streams_as_pypdf_does(plant) -> None:
    from pipeline.checks.press import quick_operations

    _, _, _, reader = plant
    for page in reader.pages:
        contents = page.get_contents()
        assert operations_read(quick_operations(contents.get_data())) == operations_read(
            ContentStream(contents, reader).operations)
    crafted = (b"q 1 0 0 1 10.5 -.25 cm /F#31 9 Tf [(a\\)b) (c\\\\) <00ff> -5 (\\(nested (x)\\))] TJ "
               b"/OC << /MCID 3 /Open true >> BDC 0 0 0 1 k /P0 gs (s) Tj ' null Q EMC % note\n/Im0 Do")
    stream = StreamObject()
    stream.set_data(crafted)
    assert operations_read(quick_operations(crafted)) == operations_read(ContentStream(stream, None).operations)
    assert quick_operations(b"q BI /W 1 /H 1 ID \x00 EI Q") is None  # an inline image: pypdf reads it
    assert quick_operations(b"(unclosed Tj") is None
