"""Server-side charts for the operation report: horizontal bar charts drawn with Pillow (no
matplotlib here), Chinese labels in the embedded font, returned as data: URIs the PDF helper's
link callback passes through."""

import base64
import io
from functools import cache

from django.contrib.staticfiles import finders
from PIL import Image, ImageDraw, ImageFont

from config.pdf import FONT_FILE

PALETTE = ["#2f6db5", "#e39a2d", "#c4463a", "#5b9b4c", "#7a5ba6", "#8a8f98"]
SCALE = 2  # drawn at twice the size printed, so the PDF stays sharp


@cache
def _font_path() -> str:
    return finders.find(FONT_FILE)


def _font(size: int):
    return ImageFont.truetype(_font_path(), size * SCALE, index=0)


def _fmt(value, unit: str) -> str:
    if value is None:
        return "—"
    text = f"{value:,.1f}" if isinstance(value, float) and not value.is_integer() else f"{int(value):,}"
    return f"{text}{unit}"


def bar_chart(title: str, labels: list[str], series: list[tuple[str, list]], *, unit: str = "",
              maximum: float | None = None, width: int = 620) -> str:
    """A horizontal bar chart: one group per label, one bar per series, the value printed at the
    end of each bar. Returns a PNG data: URI."""
    bar, gap, pad = 18, 10, 12
    title_font, font, small = _font(16), _font(14), _font(13)
    label_width = max([_text_width(font, label) for label in labels] + [60 * SCALE]) // SCALE + 8
    rows = max(len(labels), 1)
    group = bar * len(series) + gap
    legend = 26 if len(series) > 1 else 0
    height = 34 + legend + rows * group + pad
    image = Image.new("RGB", (width * SCALE, height * SCALE), "white")
    draw = ImageDraw.Draw(image)
    s = SCALE
    draw.text((pad * s, 6 * s), title, fill="#111111", font=title_font)
    x = pad
    if legend:
        for index, (name, _values) in enumerate(series):
            draw.rectangle([x * s, 36 * s, (x + 12) * s, 48 * s], fill=PALETTE[index % len(PALETTE)])
            draw.text(((x + 16) * s, 34 * s), name, fill="#333333", font=small)
            x += 24 + _text_width(small, name) // s
    top = 34 + legend
    left, right = pad + label_width, width - pad - 60
    values = [v for _name, vs in series for v in vs if v is not None]
    peak = maximum or max(values + [0]) or 1
    if not labels:
        draw.text((left * s, top * s), "无数据", fill="#666666", font=font)
    for row_index, label in enumerate(labels):
        y = top + row_index * group
        draw.text((pad * s, (y + (group - gap) / 2 - 9) * s), label, fill="#222222", font=font)
        for index, (_name, vs) in enumerate(series):
            value = vs[row_index]
            y0 = y + index * bar
            length = 0 if value is None else (right - left) * min(float(value) / float(peak), 1.0)
            if length:
                draw.rectangle([left * s, y0 * s, (left + length) * s, (y0 + bar - 2) * s],
                               fill=PALETTE[index % len(PALETTE)])
            draw.text(((left + length + 4) * s, (y0 - 1) * s), _fmt(value, unit), fill="#222222", font=small)
    draw.line([left * s, top * s, left * s, (top + rows * group - gap) * s], fill="#888888", width=s)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def _text_width(font, text: str) -> int:
    left, _top, right, _bottom = font.getbbox(text)
    return int(right - left)
