"""Uploads are checked by their content, never by their name: a PDF must parse, an image must decode.

Shared by every app that takes files (policy documents, claim documents, inspection photos), so the
rules and their error messages have one home. Each check raises a 400 (ValidationFailed) with a
stable code: file_too_large, not_a_pdf, corrupt_pdf, not_an_image, unsupported_file.
"""

import io
import warnings
from dataclasses import dataclass

from django.utils.translation import gettext as _

from config.errors import ValidationFailed

IMAGE_TYPES = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png")}


@dataclass(frozen=True)
class CheckedFile:
    data: bytes
    content_type: str
    extension: str
    pages: int | None
    original_name: str


def _too_large(max_bytes: int) -> ValidationFailed:
    return ValidationFailed(
        _("The file is larger than %(mb)s MB.") % {"mb": max_bytes // (1024 * 1024)},
        fields={"file": [_("Too large.")]}, code="file_too_large",
    )


def read_capped(uploaded, max_bytes: int) -> bytes:
    size = getattr(uploaded, "size", None)
    if size is not None and size > max_bytes:
        raise _too_large(max_bytes)
    data = uploaded.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise _too_large(max_bytes)
    return data


def _clean_name(uploaded) -> str:
    return "".join(ch for ch in (getattr(uploaded, "name", "") or "") if ch.isprintable())[:200]


def read_pdf(uploaded, *, max_bytes: int) -> tuple[bytes, int]:
    """The bytes of an uploaded PDF and its page count; a clear 400 for anything else."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    data = read_capped(uploaded, max_bytes)
    if not data.startswith(b"%PDF-"):
        raise ValidationFailed(_("The file is not a PDF."), fields={"file": [_("Not a PDF.")]}, code="not_a_pdf")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        pages = len(reader.pages)
        if pages < 1:
            raise PdfReadError("no pages")
    except Exception as exc:  # pypdf raises many kinds of errors for damaged files
        raise ValidationFailed(
            _("The PDF is damaged and cannot be read."), fields={"file": [_("Damaged PDF.")]}, code="corrupt_pdf"
        ) from exc
    return data, pages


def image_type(data: bytes) -> tuple[str, str] | None:
    """(content type, extension) of a JPEG or PNG that fully decodes, else None."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                kind = probe.format
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:  # verify() leaves the image unusable
                image.load()
    except Exception:  # Pillow raises many kinds of errors for damaged or hostile files
        return None
    return IMAGE_TYPES.get(kind)


def _not_an_image(name: str) -> ValidationFailed:
    if name.lower().endswith(".pdf"):
        return ValidationFailed(_("The file is not a PDF."), fields={"file": [_("Not a PDF.")]}, code="not_a_pdf")
    if name.lower().rsplit(".", 1)[-1] in {"jpg", "jpeg", "png"}:
        return ValidationFailed(
            _("The image is damaged or not an image."), fields={"file": [_("Not a readable image.")]},
            code="not_an_image",
        )
    return ValidationFailed(
        _("Upload a PDF or a JPEG or PNG image."), fields={"file": [_("Unsupported file type.")]},
        code="unsupported_file",
    )


def read_attachment(uploaded, *, max_bytes: int) -> CheckedFile:
    """A readable PDF, JPEG or PNG; a clear 400 for anything else."""
    name = _clean_name(uploaded)
    size = getattr(uploaded, "size", None)
    if size is not None and size > max_bytes:
        raise _too_large(max_bytes)
    head = uploaded.read(8)
    uploaded.seek(0)
    if head.startswith(b"%PDF-"):
        data, pages = read_pdf(uploaded, max_bytes=max_bytes)
        return CheckedFile(data, "application/pdf", "pdf", pages, name or "document.pdf")
    data = read_capped(uploaded, max_bytes)
    found = image_type(data)
    if found is None:
        raise _not_an_image(name)
    content_type, extension = found
    return CheckedFile(data, content_type, extension, None, name or f"image.{extension}")


def read_photo(uploaded, *, max_bytes: int, max_side: int = 1600, quality: int = 82) -> CheckedFile:
    """A JPEG or PNG photo, re-encoded as a JPEG no larger than `max_side` on its longer side.

    Phones send 4–12 MB pictures; re-encoding also drops EXIF (location) and anything hidden after
    the image data, and honours the EXIF orientation so the photo stands the right way up."""
    from PIL import Image, ImageOps

    name = _clean_name(uploaded)
    data = read_capped(uploaded, max_bytes)
    if image_type(data) is None:
        raise ValidationFailed(
            _("The photo is damaged or not a JPEG or PNG image."), fields={"file": [_("Not a readable image.")]},
            code="not_an_image",
        )
    with Image.open(io.BytesIO(data)) as image:
        image = ImageOps.exif_transpose(image)
        if image.mode not in ("RGB", "L"):
            background = Image.new("RGB", image.size, "white")
            rgba = image.convert("RGBA")
            background.paste(rgba, mask=rgba.getchannel("A"))
            image = background
        image.thumbnail((max_side, max_side))
        out = io.BytesIO()
        image.convert("RGB").save(out, "JPEG", quality=quality, optimize=True)
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return CheckedFile(out.getvalue(), "image/jpeg", "jpg", None, f"{stem or 'photo'}.jpg")
