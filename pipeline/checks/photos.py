"""Checks of the photo files: readable, whole, large enough, no transparency; their colour."""

from __future__ import annotations

from dataclasses import dataclass

from ..messages import N_, finding
from ..model import Edition, Finding, Photo
from ..sources.photos import HUGE_PIXELS, REFUSED_PIXELS, ImageInfo, inspect_image
from ..style import Style

MIN_PPI = 150.0
GOOD_PPI = 200.0


@dataclass(frozen=True)
class ImageKind:
    """What a photo file is, for the colour note: format, pixel mode, ICC profile."""

    format: str
    mode: str
    icc: str

    def __str__(self) -> str:
        return f"{self.format}, {self.mode}, {self.icc}"


def check_photos(edition: Edition, style: Style) -> list[Finding]:
    findings: list[Finding] = []
    kinds: dict[ImageKind, list[tuple[Photo, tuple[int, int]]]] = {}
    for photo in edition.photos:
        if photo.path is None:  # a missing file is already a loader notice
            continue
        info = inspect_image(photo.path)
        findings += image_findings(photo, info, style)
        if info.format:
            kinds.setdefault(ImageKind(info.format, info.mode, info.icc), []).append((photo, info.size))
    return findings + [colour_note(kind, photos) for kind, photos in kinds.items()]


def colour_note(kind: ImageKind, photos: list[tuple[Photo, tuple[int, int]]]) -> Finding:
    """One note per kind of file (JPEG, RGB, no ICC profile …), not one per photo."""
    if len(photos) == 1:
        photo, (w, h) = photos[0]
        return photo_finding(photo, "info", "photo-colour", N_("photo {photo} ({file}): {w}×{h} px, {kind}"),
                             w=w, h=h, kind=str(kind))
    ids = ", ".join(photo.id for photo, _ in photos)
    return finding("info", "photo-colour", N_("photos {ids}: {kind}"), str(photos[0][0].source), args={"ids": ids, "kind": str(kind)})


def photo_finding(photo: Photo, severity: str, code: str, msgid: str, hint: str = "", **args: str | float) -> Finding:
    # Anchored to the photo (photo.<id>, no offsets) so the proof boxes it and the DOCX comments
    # on its caption; the colour notes on every photo stay unanchored, they ask nothing of anyone.
    anchor = f"photo.{photo.id}" if severity != "info" else ""
    return finding(severity, code, msgid, str(photo.source), hint, {"photo": photo.id, "file": photo.rel, **args},
                   block_id=anchor)


def image_findings(photo: Photo, info: ImageInfo, style: Style) -> list[Finding]:
    if info.refused and info.size[0]:
        return size_findings(photo, *info.size, style)
    if info.refused:
        return [photo_finding(photo, "error", "photo-huge", N_("photo {photo} ({file}): refused: too many pixels to decode safely"),
                              SCALE_DOWN)]
    if info.unreadable:
        return [photo_finding(photo, "error", "photo-unreadable", N_("photo {photo} ({file}): not an image pinban can read ({reason})"),
                              N_("save it again as JPEG or PNG"), reason=info.unreadable)]
    findings = size_findings(photo, *info.size, style)
    if info.damage:
        findings.append(photo_finding(photo, "error", "photo-corrupt", N_("photo {photo} ({file}): the file is damaged ({reason})"),
                                      N_("export the photo again from the original"), reason=info.damage))
    if info.alpha:
        findings.append(photo_finding(photo, "warning", "photo-alpha", N_("photo {photo} ({file}): has an alpha channel (transparency)"),
                                      N_("print has no transparency: flatten it onto white and save as JPEG")))
    if info.mode not in ("RGB", "L", "CMYK", "RGBA", "LA", "P", "1"):
        findings.append(photo_finding(photo, "warning", "photo-mode", N_("photo {photo} ({file}): unusual pixel mode {mode}"),
                                      N_("save it as 8-bit RGB or CMYK"), mode=info.mode))
    return findings


SCALE_DOWN = N_("scale it down to at most 6000 px on the long side")


def size_findings(photo: Photo, w: int, h: int, style: Style) -> list[Finding]:
    # A photo is at least one column wide; below that at 150 ppi no placement can print it.
    min_px = int(style.column_width / 72 * MIN_PPI)
    if w * h > REFUSED_PIXELS:
        return [photo_finding(photo, "error", "photo-huge", N_("photo {photo} ({file}): {w}×{h} px is too large to decode safely"),
                              SCALE_DOWN, w=w, h=h)]
    if w * h > HUGE_PIXELS:
        return [photo_finding(photo, "warning", "photo-huge",
                              N_("photo {photo} ({file}): {w}×{h} px ({mpx:.0f} Mpx) is far more than print needs and "
                                 "slows every build"), SCALE_DOWN, w=w, h=h, mpx=w * h / 1e6)]
    if min(w, h) < min_px * 0.5 or w < min_px:
        return [photo_finding(photo, "error", "photo-tiny",
                              N_("photo {photo} ({file}): {w}×{h} px is too small to print (one column needs {px} px at "
                                 "{ppi:.0f} ppi)"), N_("get the original, full-size photo"), w=w, h=h, px=min_px, ppi=MIN_PPI)]
    return []
