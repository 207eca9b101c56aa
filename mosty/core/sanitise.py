"""Metadata stripping for uploaded files, before they are encrypted and stored.

Threat: a file that identifies the person it is about, or who made it, through data nobody sees on screen: a
photo's EXIF (GPS position, time, camera serial number, owner name), XMP (editing history, author), an ICC
profile's device description, PNG text chunks, a PDF's document information (author, creator, producer, title)
or XMP packet, a JPEG inside a PDF that still carries its EXIF. A second threat is a file that is not what it
claims to be (an executable or an HTML page named `.jpg`), and a third a decompression bomb (a small file that
decodes to gigabytes of pixels).

Defences: the type is read from the bytes (magic numbers), never from the name or the declared type, and only an
allow-list passes (JPEG, PNG, WebP, GIF, PDF, UTF-8 plain text). Images are decoded and re-encoded from their
pixels alone (after the EXIF orientation is applied, so the picture still looks right), so nothing but pixels
survives; the size in pixels is checked before decoding. PDFs are rewritten page by page without document
information, XMP, page metadata, annotation authors, embedded files or scripts. Every result is re-read and
checked; a check that fails refuses the file rather than storing it. Plain text is returned unchanged.

Everything happens in memory: no plaintext copy is written to disk.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from mosty.core.exceptions import MostyError

JPEG = "image/jpeg"
PNG = "image/png"
WEBP = "image/webp"
GIF = "image/gif"
PDF = "application/pdf"
TEXT = "text/plain"
ALLOWED_TYPES = frozenset({JPEG, PNG, WEBP, GIF, PDF, TEXT})

_PIL_FORMATS = {JPEG: "JPEG", PNG: "PNG", WEBP: "WEBP", GIF: "GIF"}
# Text that a browser would render as active content is not "plain text".
_MARKUP_STARTS = (b"<!doctype", b"<html", b"<head", b"<body", b"<script", b"<svg", b"<?xml", b"<iframe", b"<meta")
# Metadata keys Pillow exposes in `info`; none may survive re-encoding.
_IMAGE_METADATA_KEYS = frozenset({"exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment", "photoshop", "iptc"})


class SanitiseError(MostyError):
    code = "file_refused"
    status = 400
    message = _("This file cannot be accepted.")


class UnsupportedFileType(SanitiseError):
    """The bytes are not one of the allowed types, or not the type the upload claimed to be."""

    code = "unsupported_file_type"
    status = 415
    message = _("This type of file is not accepted. Upload a photo (JPEG, PNG, WebP, GIF), a PDF or plain text.")


class FileTooLarge(SanitiseError):
    code = "file_too_large"
    status = 413
    message = _("This file is too large.")


class ImageTooLarge(FileTooLarge):
    """Decompression-bomb guard: too many pixels, whatever the file size."""

    code = "image_too_large"
    message = _("This image has too many pixels.")


class FileDamaged(SanitiseError):
    """The bytes start like an allowed type but cannot be read, or the cleaned result failed its check."""

    code = "file_damaged"
    status = 422
    message = _("This file is damaged or cannot be read.")


@dataclass(frozen=True)
class Sanitised:
    content: bytes
    content_type: str


def detect_type(data: bytes) -> str:
    """The file's real type from its first bytes; UnsupportedFileType for anything outside the allow-list."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if len(data) >= 12 and data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return WEBP
    if data.startswith(b"%PDF-"):
        return PDF
    if _is_plain_text(data):
        return TEXT
    raise UnsupportedFileType


def _is_plain_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    if any(ord(c) < 32 and c not in "\t\n\r\f" for c in text):
        return False
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n\f")[:16].lower()
    return not head.startswith(_MARKUP_STARTS)


def _family(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower().split("/", 1)[0]


def sanitise(data: bytes, *, declared_type: str = "") -> Sanitised:
    """Detect the type from the bytes and strip its metadata. A declared image or PDF type that the bytes
    contradict is refused (a disguised file), as is anything over MOSTY_MAX_ATTACHMENT_BYTES."""
    if len(data) > settings.MOSTY_MAX_ATTACHMENT_BYTES:
        raise FileTooLarge
    content_type = detect_type(data)
    declared = declared_type.split(";", 1)[0].strip().lower()
    if declared and declared in ALLOWED_TYPES - {TEXT} and _family(declared) != _family(content_type):
        raise UnsupportedFileType
    if declared.startswith("image/") and not content_type.startswith("image/"):
        raise UnsupportedFileType
    return Sanitised(strip_metadata(data, content_type), content_type)


def strip_metadata(data: bytes, content_type: str) -> bytes:
    """The file without its metadata. `content_type` must be what `detect_type` finds in `data`."""
    if detect_type(data) != content_type:
        raise UnsupportedFileType
    if content_type in _PIL_FORMATS:
        return _strip_image(data, content_type)
    if content_type == PDF:
        return _strip_pdf(data)
    return data


# --- images ------------------------------------------------------------------------------------------------


def _strip_image(data: bytes, content_type: str) -> bytes:
    from PIL import Image, ImageOps, UnidentifiedImageError

    limit = int(settings.MOSTY_MAX_IMAGE_PIXELS)
    fmt = _PIL_FORMATS[content_type]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[fmt]) as im:
                width, height = im.size
                if width * height > limit:
                    raise ImageTooLarge
                im.seek(0)  # animated images keep their first frame only
                im.load()
                oriented = ImageOps.exif_transpose(im)
                pixels = _pixels_only(oriented, fmt)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageTooLarge from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        raise FileDamaged from None
    out = io.BytesIO()
    options: dict[str, Any] = {"format": fmt}
    if fmt == "JPEG":
        options.update(quality=90, optimize=True)
    elif fmt == "WEBP":
        options.update(quality=90)
    elif fmt == "PNG":
        options.update(optimize=True)
    pixels.save(out, **options)
    result = out.getvalue()
    _check_image_clean(result, fmt)
    return result


def _pixels_only(im: Any, fmt: str) -> Any:
    """A new image built from the pixels alone: no `info`, no EXIF, no ICC profile, no text chunks. Wide-gamut
    pictures are converted to sRGB first so their colours survive losing the profile."""
    from PIL import Image

    im = _to_srgb(im)
    if im.mode in ("P", "PA") or "transparency" in im.info:
        im = im.convert("RGBA")
    if im.mode not in ("1", "L", "LA", "RGB", "RGBA", "CMYK"):
        im = im.convert("RGBA" if "A" in im.getbands() else "RGB")
    if im.mode == "CMYK" and fmt != "JPEG":
        im = im.convert("RGB")
    if fmt == "JPEG" and im.mode in ("LA", "RGBA"):
        im = im.convert(im.mode[:-1])
    return Image.frombytes(im.mode, im.size, im.tobytes())


def _to_srgb(im: Any) -> Any:
    icc = im.info.get("icc_profile")
    if not icc or im.mode not in ("RGB", "RGBA"):
        return im
    try:
        from PIL import ImageCms

        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.profileToProfile(im, source, ImageCms.createProfile("sRGB"), outputMode=im.mode)
    except Exception:  # a broken profile: keep the pixels as they are, the profile is dropped anyway
        return im


def _check_image_clean(data: bytes, fmt: str) -> None:
    from PIL import Image

    with Image.open(io.BytesIO(data), formats=[fmt]) as im:
        leftovers = _IMAGE_METADATA_KEYS & {str(k) for k in im.info}
        text = getattr(im, "text", None) if fmt == "PNG" else None
        if leftovers or len(im.getexif()) or text:
            raise FileDamaged("metadata survived re-encoding")


# --- PDF ---------------------------------------------------------------------------------------------------

# Keys removed wherever they appear on a page or an annotation: who, when, with what, and active content.
_PDF_PAGE_KEYS = ("/Metadata", "/PieceInfo", "/AA", "/LastModified")
_PDF_ANNOT_KEYS = ("/T", "/M", "/CreationDate", "/Metadata", "/PieceInfo", "/AA", "/RC")
# JPEG segments that carry metadata: APP1 (EXIF, XMP), APP2 (ICC, FlashPix), APP3-APP13 (Photoshop/IPTC and
# vendor data), APP15 and COM. APP0 (JFIF) and APP14 (Adobe colour transform) are needed to decode correctly.
_JPEG_DROP = frozenset({*range(0xE1, 0xEE), 0xEF, 0xFE})


def _strip_pdf(data: bytes) -> bytes:
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PdfReadError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pypdf warns about harmless defects in real-world files
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                raise UnsupportedFileType(_("Password-protected PDFs are not accepted; remove the password first."))
            writer = PdfWriter()
            for page in reader.pages:
                writer.add_page(page)
            writer.metadata = None
            writer.xmp_metadata = None
            for key in ("/Names", "/OpenAction", "/AA", "/AcroForm", "/PieceInfo", "/Metadata"):
                if key in writer.root_object:
                    del writer.root_object[key]
            for page in writer.pages:
                _clean_pdf_page(page)
            writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
            out = io.BytesIO()
            writer.write(out)
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError):
        raise FileDamaged from None
    result = out.getvalue()
    _check_pdf_clean(result)
    return result


def _clean_pdf_page(page: Any) -> None:
    from pypdf.generic import NameObject

    for key in _PDF_PAGE_KEYS:
        if key in page:
            del page[NameObject(key)]
    for ref in page.get("/Annots", None) or []:
        annot = ref.get_object()
        for key in _PDF_ANNOT_KEYS:
            if key in annot:
                del annot[NameObject(key)]
    _clean_pdf_images(page.get("/Resources"), seen=set())


def _clean_pdf_images(resources: Any, *, seen: set[int]) -> None:
    """Drop metadata segments from the JPEGs embedded in a page (a scan from a phone keeps its GPS otherwise)."""
    if resources is None:
        return
    resources = resources.get_object()
    xobjects = resources.get("/XObject")
    if xobjects is None:
        return
    for ref in xobjects.get_object().values():
        obj = ref.get_object()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if "/Metadata" in obj:
            del obj["/Metadata"]
        subtype = obj.get("/Subtype")
        if subtype == "/Form":
            _clean_pdf_images(obj.get("/Resources"), seen=seen)
        elif subtype == "/Image" and obj.get("/Filter") == "/DCTDecode":
            obj._data = _strip_jpeg_segments(obj._data)


def _strip_jpeg_segments(data: bytes) -> bytes:
    """A JPEG without its metadata segments, the compressed picture untouched (lossless)."""
    if not data.startswith(b"\xff\xd8"):
        raise FileDamaged
    out = bytearray(b"\xff\xd8")
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            raise FileDamaged
        marker = data[i + 1]
        if marker == 0xDA:  # start of scan: the rest is the picture
            out += data[i:]
            return bytes(out)
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        segment = data[i : i + 2 + length]
        if length < 2 or len(segment) != 2 + length:
            raise FileDamaged
        if marker not in _JPEG_DROP:
            out += segment
        i += 2 + length
    raise FileDamaged


def _check_pdf_clean(data: bytes) -> None:
    from pypdf import PdfReader

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.metadata or "/Metadata" in reader.root_object:
            raise FileDamaged("metadata survived the rewrite")
