"""The report's charts: their axes, their colours, and the same bytes for the same data."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageColor

from trialwarehouse.nightly.report_charts import (
    FINDINGS_FRAME,
    FINDINGS_ROW,
    NEW_COLOUR,
    OPEN_COLOUR,
    RESOLVED_COLOUR,
    WIDTH,
    findings_chart_png,
    nice_ticks,
    trend_chart_png,
)
from trialwarehouse.nightly.report_data import SEVERITY_COLOUR


def _image(png: bytes | None) -> Image.Image:
    assert png is not None and png.startswith(b"\x89PNG")
    return Image.open(io.BytesIO(png)).convert("RGB")


def _has_colour(image: Image.Image, colour: str) -> bool:
    wanted = ImageColor.getrgb(colour)
    return any(rgb == wanted for _, rgb in image.getcolors(maxcolors=image.width * image.height))


@pytest.mark.parametrize("top", [0.5, 1.15, 4.6, 7, 26.4, 99, 1548, 123456])
def test_ticks_are_whole_numbers_from_zero_past_the_top_in_round_steps(top):
    ticks = nice_ticks(top)
    step = ticks[1] - ticks[0]
    assert ticks[0] == 0 and ticks[-1] >= top and len(ticks) <= 7
    assert all(isinstance(t, int) for t in ticks) and all(b - a == step for a, b in zip(ticks, ticks[1:], strict=False))
    assert str(step).strip("0") in {"1", "2", "5"}


def test_findings_chart_one_bar_a_check_in_severity_colours_the_rest_summed():
    counts = [("status_changed", "info", None, None, 4), ("results_overdue", "warning", None, None, 3)]
    counts += [("orphan_version", "error", None, None, 2), ("results_overdue", "error", None, None, 1)]
    image = _image(findings_chart_png(counts))
    assert image.width == WIDTH and image.height == FINDINGS_FRAME + FINDINGS_ROW * 3
    for severity in ("error", "warning", "info"):
        assert _has_colour(image, SEVERITY_COLOUR[severity]), severity
    many = [(f"check_{n:02d}", "warning", None, None, n + 1) for n in range(20)]
    assert (
        _image(findings_chart_png(many, top=12)).height == FINDINGS_FRAME + FINDINGS_ROW * 12
    )  # 11 checks and "9 other checks"
    assert findings_chart_png([]) is None


def test_findings_chart_takes_long_check_names_and_big_counts():
    counts = [("a_check_name_far_longer_than_any_the_checks_have_" * 3, "error", None, None, 150_000)]
    counts += [("results_overdue", "warning", None, None, 3), ("status_changed", "info", None, None, 1)]
    image = _image(findings_chart_png(counts))
    assert image.width == WIDTH
    for severity in ("error", "warning", "info"):
        assert _has_colour(image, SEVERITY_COLOUR[severity]), severity


def test_trend_chart_from_the_second_run_with_its_line_and_bars():
    trend = [(1, 40, 40, 0), (2, 35, 3, 8), (3, 0, 0, 35)]
    image = _image(trend_chart_png(trend))
    assert image.size == (WIDTH, 320)
    for colour in (NEW_COLOUR, RESOLVED_COLOUR, OPEN_COLOUR):
        assert _has_colour(image, colour), colour
    assert trend_chart_png(trend[:1]) is None
    long_history = [(run, 100 + run, run % 7, run % 5) for run in range(1, 91)]
    assert _image(trend_chart_png(long_history)).size == (WIDTH, 320)
    assert _image(trend_chart_png([(1, 0, 0, 0), (2, 0, 0, 0)])).size == (WIDTH, 320)  # nothing open, ever


def test_the_same_data_draws_the_same_bytes():
    counts = [("status_changed", "warning", None, None, 4)]
    trend = [(1, 4, 4, 0), (2, 4, 0, 0)]
    assert findings_chart_png(counts) == findings_chart_png(list(counts))
    assert trend_chart_png(trend) == trend_chart_png(list(trend))
