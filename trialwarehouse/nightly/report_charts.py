"""The report's charts as PNG images: mail clients drop `<svg>`, and keep images.

Drawn with Pillow at twice the size and scaled down (smooth edges and text). matplotlib drew
them before: importing it and laying out two figures took 1.1 s of every night, most of a
quiet night's report, for two bar charts whose layout is fixed here.
"""

from __future__ import annotations

import base64
import io
import math
from dataclasses import dataclass
from functools import cache

from PIL import Image, ImageDraw, ImageFont

from trialwarehouse.nightly.report_data import SEVERITIES, SEVERITY_COLOUR, ReportData

SCALE = 2  # drawn at twice the size, then scaled down
WIDTH = 720  # px, as the report and the email lay them out
INK, GRID, FRAME = "#222222", "#e4e4e4", "#555555"
NEW_COLOUR, RESOLVED_COLOUR, OPEN_COLOUR = "#b35c00", "#2e7d32", "#1f3b73"

# Font sizes in px of the final image (about 8, 10 and 11 points at 100 dpi).
SMALL, LABEL, TITLE = 11, 13, 15


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size * SCALE)  # Pillow's own font: the same on every machine


def nice_ticks(top: float, most: int = 6) -> list[int]:
    """Whole-number axis ticks from 0 to at least `top`, with a step of 1, 2 or 5 times a
    power of ten, at most `most` + 1 of them."""
    if top <= 0:
        return [0, 1]
    raw = top / most
    power = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return list(range(0, int(math.ceil(top / step)) * step + 1, step))


@dataclass
class _Canvas:
    """A white image at SCALE times the size; coordinates are in final pixels."""

    width: int
    height: int

    def __post_init__(self) -> None:
        self.image = Image.new("RGB", (self.width * SCALE, self.height * SCALE), "white")
        self.draw = ImageDraw.Draw(self.image)

    @staticmethod
    def _s(*values: float) -> list[float]:
        return [v * SCALE for v in values]

    def text(self, x: float, y: float, text: str, size: int = SMALL, anchor: str = "la", fill: str = INK) -> None:
        self.draw.text((x * SCALE, y * SCALE), text, font=_font(size), anchor=anchor, fill=fill)

    def text_width(self, text: str, size: int = SMALL) -> float:
        return self.draw.textlength(text, font=_font(size)) / SCALE

    def vertical_text(self, x: float, y: float, text: str, size: int = LABEL) -> None:
        """Text turned a quarter to the left, centred on (x, y): an axis title."""
        font = _font(size)
        left, top, right, bottom = font.getbbox(text)
        label = Image.new("RGBA", (int(right - left) + 2, int(bottom - top) + 2), (255, 255, 255, 0))
        ImageDraw.Draw(label).text((-left + 1, -top + 1), text, font=font, fill=INK)
        turned = label.rotate(90, expand=True)
        self.image.paste(turned, (int(x * SCALE - turned.width / 2), int(y * SCALE - turned.height / 2)), turned)

    def rectangle(
        self, x0: float, y0: float, x1: float, y1: float, fill: str | None = None, outline: str | None = None
    ):
        self.draw.rectangle(self._s(x0, y0, x1, y1), fill=fill, outline=outline, width=SCALE if outline else 0)

    def line(self, points: list[tuple[float, float]], fill: str, width: float = 1) -> None:
        self.draw.line([tuple(self._s(x, y)) for x, y in points], fill=fill, width=round(width * SCALE), joint="curve")

    def dot(self, x: float, y: float, radius: float, fill: str) -> None:
        self.draw.ellipse(self._s(x - radius, y - radius, x + radius, y + radius), fill=fill)

    def png(self) -> bytes:
        final = self.image.resize((self.width, self.height), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        final.save(buffer, format="PNG")  # no time stamp or software tag: the same data, the same bytes
        return buffer.getvalue()


def _legend_entry(canvas: _Canvas, x: float, y: float, label: str, colour: str, line: bool = False) -> float:
    """One legend key and its label at (x, y), the middle of the line; returns its width."""
    if line:
        canvas.line([(x, y), (x + 22, y)], colour, 2)
        canvas.dot(x + 11, y, 3.5, colour)
    else:
        canvas.rectangle(x, y - 4, x + 22, y + 4, fill=colour)
    canvas.text(x + 28, y, label, anchor="lm")
    return 28 + canvas.text_width(label)


def _legend_row(canvas: _Canvas, entries: list[tuple[str, str, bool]], y: float) -> None:
    """The legend as one centred row at height `y`, below the plot, where it hides no bar:
    (label, colour, drawn as a line) per entry."""
    gap = 24
    total = sum(28 + canvas.text_width(label) for label, _, _ in entries) + gap * (len(entries) - 1)
    x = (canvas.width - total) / 2
    for label, colour, is_line in entries:
        x += _legend_entry(canvas, x, y, label, colour, is_line) + gap


def _fitted(canvas: _Canvas, text: str, width: float) -> str:
    """`text`, cut short with an ellipsis to fit `width` px."""
    if canvas.text_width(text) <= width:
        return text
    while text and canvas.text_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


FINDINGS_ROW = 32  # px a check's bar takes
FINDINGS_FRAME = 112  # px above and below the bars: title, axis, its title and the legend


def findings_chart_png(counts: list[tuple], top: int = 12) -> bytes | None:
    """Open findings per check, one bar per check split by severity; the checks beyond
    `top` are summed into one bar."""
    if not counts:
        return None
    per_check: dict[str, dict[str, int]] = {}
    for check, severity, _, _, total in counts:
        per_check.setdefault(check, {}).setdefault(severity, 0)
        per_check[check][severity] += total
    ranked = sorted(per_check.items(), key=lambda x: (-sum(x[1].values()), x[0]))
    if len(ranked) > top:
        rest: dict[str, int] = {}
        for _, by_sev in ranked[top - 1 :]:
            for severity, n in by_sev.items():
                rest[severity] = rest.get(severity, 0) + n
        ranked = ranked[: top - 1] + [(f"{len(per_check) - top + 1} other checks", rest)]
    row = FINDINGS_ROW
    canvas = _Canvas(WIDTH, FINDINGS_FRAME + row * len(ranked))
    # Check names take at most 40 % of the width; a longer one is cut short.
    labels = [_fitted(canvas, check, WIDTH * 0.4) for check, _ in ranked]
    left = 34 + max(canvas.text_width(label) for label in labels) + 8
    totals = [sum(by_sev.values()) for _, by_sev in ranked]
    ticks = nice_ticks(max(totals) * 1.15)
    # The last tick's number is centred on the frame's right edge: room for its half.
    right = WIDTH - 8 - canvas.text_width(f"{ticks[-1]:,}") / 2
    plot_top, plot_bottom = 40, canvas.height - 72
    span = ticks[-1]

    def x_of(value: float) -> float:
        return left + (right - left) * value / span

    canvas.text(WIDTH / 2, 12, "Open findings by check and severity", TITLE, anchor="mt")
    for tick in ticks:
        canvas.line([(x_of(tick), plot_top), (x_of(tick), plot_bottom)], GRID)
        canvas.line([(x_of(tick), plot_bottom), (x_of(tick), plot_bottom + 4)], FRAME)
        canvas.text(x_of(tick), plot_bottom + 7, f"{tick:,}", anchor="mt")
    shown = [s for s in SEVERITIES if any(by_sev.get(s) for _, by_sev in ranked)]
    for index, ((_, by_sev), label, total) in enumerate(zip(ranked, labels, totals, strict=True)):
        middle = plot_top + row * (index + 0.5)
        start = 0
        for severity in shown:
            if by_sev.get(severity):
                end = start + by_sev[severity]
                canvas.rectangle(
                    x_of(start), middle - row * 0.4, x_of(end), middle + row * 0.4, SEVERITY_COLOUR[severity]
                )
                start = end
        canvas.text(left - 6, middle, label, anchor="rm")
        canvas.text(x_of(total) + 4, middle, f"{total:,}", anchor="lm")
    canvas.rectangle(left, plot_top, right, plot_bottom, outline=FRAME)
    canvas.text((left + right) / 2, plot_bottom + 24, "open findings", LABEL, anchor="mt")
    canvas.vertical_text(12, (plot_top + plot_bottom) / 2, "check")
    _legend_row(canvas, [(severity, SEVERITY_COLOUR[severity], False) for severity in shown], canvas.height - 14)
    return canvas.png()


def trend_chart_png(trend: list[tuple]) -> bytes | None:
    """From the second run on: open findings after each run (line), and the findings each
    run raised and resolved (bars)."""
    if len(trend) < 2:
        return None
    canvas = _Canvas(WIDTH, 320)
    ticks = nice_ticks(max(max(r[1], r[2], r[3]) for r in trend) * 1.2)
    left = 30 + max(canvas.text_width(f"{t:,}") for t in ticks) + 10
    plot_top, plot_bottom, right = 40, 230, WIDTH - 16
    slot = (right - left) / len(trend)

    def y_of(value: float) -> float:
        return plot_bottom - (plot_bottom - plot_top) * value / ticks[-1]

    def x_of(index: int) -> float:
        return left + slot * (index + 0.5)

    canvas.text(WIDTH / 2, 12, "Open findings over the last runs", TITLE, anchor="mt")
    for tick in ticks:
        canvas.line([(left, y_of(tick)), (right, y_of(tick))], GRID)
        canvas.line([(left - 4, y_of(tick)), (left, y_of(tick))], FRAME)
        canvas.text(left - 7, y_of(tick), f"{tick:,}", anchor="rm")
    # Every run's number when they fit, else every k-th (the latest always).
    every = max(1, math.ceil(max(canvas.text_width(str(r[0])) for r in trend) * 1.8 / slot))
    labels_at = {i for i in range(len(trend)) if (len(trend) - 1 - i) % every == 0}
    bar = slot * 0.4
    for index, (run, _, new, resolved) in enumerate(trend):
        for offset, value, colour in ((-bar, new, NEW_COLOUR), (0, resolved, RESOLVED_COLOUR)):
            x0 = x_of(index) + offset
            if value:
                canvas.rectangle(x0, y_of(value), x0 + bar, plot_bottom, colour)
            if len(trend) <= 12:  # few runs: the numbers fit above the bars
                canvas.text(x0 + bar / 2, y_of(value) - 2, f"{value:,}", 10, anchor="md")
        if index in labels_at:
            canvas.line([(x_of(index), plot_bottom), (x_of(index), plot_bottom + 4)], FRAME)
            canvas.text(x_of(index), plot_bottom + 7, str(run), anchor="mt")
    points = [(x_of(i), y_of(r[1])) for i, r in enumerate(trend)]
    canvas.line(points, OPEN_COLOUR, 2)
    for x, y in points:
        canvas.dot(x, y, 3.5, OPEN_COLOUR)
    canvas.rectangle(left, plot_top, right, plot_bottom, outline=FRAME)
    canvas.text((left + right) / 2, plot_bottom + 24, "run", LABEL, anchor="mt")
    canvas.vertical_text(12, (plot_top + plot_bottom) / 2, "findings")
    entries = [
        ("open after the run", OPEN_COLOUR, True),
        ("new in the run", NEW_COLOUR, False),
        ("resolved in the run", RESOLVED_COLOUR, False),
    ]
    _legend_row(canvas, entries, 292)
    return canvas.png()


def charts(data: ReportData) -> dict[str, bytes]:
    """The report's charts by name (findings, trend), those there is something to show for."""
    made = {"findings": findings_chart_png(data.counts), "trend": trend_chart_png(data.trend)}
    return {name: png for name, png in made.items() if png}


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
