"""The one PDF helper: xhtml2pdf with an embedded CJK TrueType font.

Every printable document renders a template under templates/pdf/ through `render_pdf`. The
font (WenQuanYi Micro Hei, shipped in static/fonts/) is registered once with reportlab and made
xhtml2pdf's default, and bold and italic map to the same face: a bold fallback to Helvetica
would print Chinese as empty boxes.
"""

import hashlib
import io
from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.cache import caches
from django.template.loader import render_to_string

FONT_NAME = "cjk"
FONT_FILE = "fonts/wqy-microhei.ttc"


class PdfRenderError(RuntimeError):
    pass


@cache
def register_font() -> str:
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from xhtml2pdf import default

    path = finders.find(FONT_FILE)
    if not path:
        raise PdfRenderError(f"The CJK font {FONT_FILE} is missing from static/.")
    pdfmetrics.registerFont(TTFont(FONT_NAME, path, subfontIndex=0))
    for bold in (0, 1):
        for italic in (0, 1):
            addMapping(FONT_NAME, bold, italic, FONT_NAME)
    default.DEFAULT_FONT[FONT_NAME] = FONT_NAME
    return FONT_NAME


def _link_callback(uri: str, rel: str) -> str:
    """Map /static/… URLs in templates to files; nothing is fetched over the network. Inline
    data: URIs (drawn signatures) carry their own bytes and pass unchanged."""
    if uri.startswith("data:"):
        return uri
    if uri.startswith(settings.STATIC_URL):
        found = finders.find(uri.removeprefix(settings.STATIC_URL))
        if found:
            return found
    raise PdfRenderError(f"Unresolvable resource in PDF template: {uri}")


def render_pdf(template: str, context: dict) -> bytes:
    """Official documents are Chinese whatever the reader's UI language."""
    from django.utils import translation
    from xhtml2pdf import pisa

    register_font()
    with translation.override("zh-hans"):
        html = render_to_string(template, context | {"pdf_font": FONT_NAME})
    out = io.BytesIO()
    result = pisa.CreatePDF(html, dest=out, encoding="utf-8", link_callback=_link_callback)
    if result.err:
        raise PdfRenderError(f"Rendering {template} failed with {result.err} error(s).")
    return out.getvalue()



def cached_pdf(key: tuple, build: Callable[[], bytes]) -> bytes:
    """A document rendered once and served from the `documents` cache after that.

    Only for documents whose content is final: `key` must name everything the document shows that
    can still change (e.g. a record's version and its findings' last change), so a change renders
    anew. Rendering a long Chinese table takes about a second; reading it back, milliseconds.
    """
    name = "pdf:" + hashlib.sha256(repr(key).encode()).hexdigest()
    store = caches["documents"]
    content = store.get(name)
    if content is None:
        content = build()
        store.set(name, content)
    return content
