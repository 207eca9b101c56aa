"""Metadata stripping: what a photo or a PDF says about its author or its place never survives."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image, PngImagePlugin
from pypdf import PdfReader, PdfWriter

from mosty.core import sanitise
from mosty.core.sanitise import FileTooLarge, ImageTooLarge, UnsupportedFileType

NAME = "Оксана Коваль"
GPS_IFD = 0x8825
ORIENTATION = 0x0112


def _name_variants() -> list[bytes]:
    return [NAME.encode("utf-8"), NAME.encode("utf-16-be"), NAME.encode("utf-16-le")]


def jpeg_with_gps(size: tuple[int, int] = (40, 20), orientation: int = 6) -> bytes:
    image = Image.new("RGB", size, "red")
    image.paste((0, 0, 255), (0, 0, size[0] // 2, size[1]))  # left half blue, to check the orientation
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "ExampleCam"  # Make
    exif[0x013B] = NAME  # Artist
    exif[GPS_IFD] = {1: "N", 2: (50.0, 27.0, 3.5), 3: "E", 4: (30.0, 31.0, 2.25)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, xmp=f"<x:xmpmeta><dc:creator>{NAME}</dc:creator></x:xmpmeta>".encode())
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD)  # the fixture really carries a position
    return data


def pdf_with_author() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata(
        {
            "/Author": NAME,
            "/Title": f"Свідчення {NAME}",
            "/Creator": "Word 2016",
            "/Producer": "Acrobat",
            "/Subject": NAME,
        }
    )
    writer.xmp_metadata = f"<x:xmpmeta><dc:creator>{NAME}</dc:creator></x:xmpmeta>".encode()
    out = io.BytesIO()
    writer.write(out)
    data = out.getvalue()
    metadata = PdfReader(io.BytesIO(data)).metadata
    assert metadata is not None
    assert metadata.author == NAME
    return data


def test_detect_type_reads_the_bytes_not_the_name() -> None:
    assert sanitise.detect_type(jpeg_with_gps()) == sanitise.JPEG
    assert sanitise.detect_type(pdf_with_author()) == sanitise.PDF
    assert sanitise.detect_type("привіт\n".encode()) == sanitise.TEXT
    for refused in (
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00",  # a Windows executable
        b"\x7fELF\x02\x01\x01",
        b"PK\x03\x04 a zip or an office document",
        b"<!DOCTYPE html><script>alert(1)</script>",
        b"  <svg onload=alert(1)>",
        b"text with a \x00 byte",
        "not utf-8 \xe9".encode("latin-1"),
    ):
        with pytest.raises(UnsupportedFileType):
            sanitise.detect_type(refused)


def test_jpeg_loses_exif_gps_and_xmp_but_keeps_its_orientation() -> None:
    clean = sanitise.sanitise(jpeg_with_gps(), declared_type="image/jpeg")
    assert clean.content_type == sanitise.JPEG
    with Image.open(io.BytesIO(clean.content)) as image:
        assert len(image.getexif()) == 0
        assert GPS_IFD not in image.getexif()
        assert not {"exif", "xmp", "icc_profile", "comment"} & set(image.info)
        assert image.size == (20, 40)  # orientation 6 applied: the picture is upright
        top: Any = image.convert("RGB").getpixel((10, 2))
        assert top[2] > 200  # the blue half is now on top
        assert top[0] < 60
    assert b"Exif" not in clean.content
    assert b"ExampleCam" not in clean.content
    assert not any(v in clean.content for v in _name_variants())


def test_png_text_chunks_and_icc_profile_are_dropped() -> None:
    from PIL import ImageCms

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", NAME)
    info.add_itxt("Comment", f"Знято біля {NAME}")
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    Image.new("RGBA", (8, 8), (10, 20, 30, 128)).save(out, format="PNG", pnginfo=info, icc_profile=srgb)
    clean = sanitise.sanitise(out.getvalue())
    with Image.open(io.BytesIO(clean.content)) as image:
        assert not getattr(image, "text", {})
        assert "icc_profile" not in image.info
        pixel: Any = image.getpixel((0, 0))
        assert pixel[3] == 128  # transparency kept
    assert not any(v in clean.content for v in _name_variants())


@pytest.mark.parametrize("fmt", ["WEBP", "GIF"])
def test_webp_and_gif_are_reencoded(fmt: str) -> None:
    exif = Image.Exif()
    exif[0x013B] = NAME
    out = io.BytesIO()
    image = Image.new("RGB", (8, 8), "green")
    if fmt == "GIF":
        image.save(out, format=fmt, comment=NAME.encode())
    else:
        image.save(out, format=fmt, exif=exif)
    clean = sanitise.sanitise(out.getvalue())
    assert clean.content_type == f"image/{fmt.lower()}"
    assert not any(v in clean.content for v in _name_variants())


def test_pdf_loses_document_info_and_xmp() -> None:
    clean = sanitise.sanitise(pdf_with_author(), declared_type="application/pdf")
    reader = PdfReader(io.BytesIO(clean.content))
    assert not reader.metadata
    assert reader.xmp_metadata is None
    assert len(reader.pages) == 1
    assert not any(v in clean.content for v in _name_variants())
    for word in (b"Acrobat", b"Word 2016"):
        assert word not in clean.content


def test_jpeg_inside_a_pdf_loses_its_exif() -> None:
    stripped = sanitise._strip_jpeg_segments(jpeg_with_gps())
    with Image.open(io.BytesIO(stripped)) as image:
        assert len(image.getexif()) == 0
        image.load()  # still a valid picture
    assert not any(v in stripped for v in _name_variants())


def test_plain_text_passes_unchanged() -> None:
    text = f"{NAME}\r\n\t№ 5 — ✓\n".encode()
    assert sanitise.sanitise(text, declared_type="text/plain").content == text


def test_disguised_files_are_refused() -> None:
    with pytest.raises(UnsupportedFileType):
        sanitise.sanitise(b"MZ\x90\x00\x03\x00\x00\x00", declared_type="image/jpeg")
    with pytest.raises(UnsupportedFileType):
        sanitise.sanitise(b"<html><body>hi</body></html>", declared_type="image/jpeg")
    with pytest.raises(UnsupportedFileType):
        sanitise.sanitise(b"just some text", declared_type="image/png")  # text claiming to be an image
    with pytest.raises(UnsupportedFileType):
        sanitise.strip_metadata(jpeg_with_gps(), sanitise.PDF)  # the caller's type must match the bytes


def test_decompression_bomb_is_refused(settings) -> None:
    settings.MOSTY_MAX_IMAGE_PIXELS = 10_000
    out = io.BytesIO()
    Image.new("L", (200, 200)).save(out, format="PNG")  # 40,000 pixels in a few hundred bytes
    with pytest.raises(ImageTooLarge):
        sanitise.sanitise(out.getvalue())


def test_oversized_input_is_refused(settings) -> None:
    settings.MOSTY_MAX_ATTACHMENT_BYTES = 100
    with pytest.raises(FileTooLarge):
        sanitise.sanitise(b"a" * 101)


def test_damaged_image_is_refused() -> None:
    with pytest.raises(sanitise.FileDamaged):
        sanitise.sanitise(jpeg_with_gps()[:200])
