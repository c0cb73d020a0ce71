"""The report's charts as PNG images (matplotlib's Agg canvas, no display): mail clients
drop `<svg>`, and keep images."""

from __future__ import annotations

import base64
import io

from trialwarehouse.nightly.report_data import SEVERITIES, SEVERITY_COLOUR, ReportData

# ---------------------------------------------------------------- charts (PNG)


def _figure(width: float, height: float):
    # The Figure API with the Agg canvas: no pyplot, no global state, no display needed.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(figure)
    return figure


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


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
    ranked.reverse()  # barh draws bottom up: the biggest on top
    labels = [check for check, _ in ranked]
    figure = _figure(7.2, 0.9 + 0.32 * len(ranked))
    axes = figure.add_subplot()
    left = [0] * len(ranked)
    for severity in SEVERITIES:
        values = [by_sev.get(severity, 0) for _, by_sev in ranked]
        if any(values):
            axes.barh(labels, values, left=left, color=SEVERITY_COLOUR[severity], label=severity)
            left = [a + b for a, b in zip(left, values, strict=True)]
    for y, total in enumerate(left):
        axes.annotate(f"{total:,}", (total, y), xytext=(3, 0), textcoords="offset points", va="center", fontsize=8)
    axes.set_xlabel("open findings")
    axes.set_ylabel("check")
    axes.set_title("Open findings by check and severity", fontsize=11)
    axes.tick_params(labelsize=8)
    axes.set_xlim(0, max(left) * 1.15 or 1)
    axes.legend(fontsize=8, loc="lower right")
    return _png(figure)


def trend_chart_png(trend: list[tuple]) -> bytes | None:
    """From the second run on: open findings after each run (line), and the findings each
    run raised and resolved (bars)."""
    if len(trend) < 2:
        return None
    runs = [str(r[0]) for r in trend]
    x = list(range(len(trend)))
    figure = _figure(7.2, 3.2)
    axes = figure.add_subplot()
    new_bars = axes.bar([i - 0.2 for i in x], [r[2] for r in trend], width=0.4, color="#b35c00", label="new in the run")
    resolved_bars = axes.bar(
        [i + 0.2 for i in x], [r[3] for r in trend], width=0.4, color="#2e7d32", label="resolved in the run"
    )
    axes.plot(x, [r[1] for r in trend], color="#1f3b73", marker="o", linewidth=2, label="open after the run")
    if len(trend) <= 12:  # few runs: the numbers fit above the bars
        axes.bar_label(new_bars, fontsize=7)
        axes.bar_label(resolved_bars, fontsize=7)
    axes.set_xticks(x, runs)
    axes.set_xlabel("run")
    axes.set_ylabel("findings")
    axes.set_title("Open findings over the last runs", fontsize=11)
    axes.tick_params(labelsize=8)
    axes.set_ylim(0, max(max(r[1], r[2], r[3]) for r in trend) * 1.2 or 1)
    # Below the plot, where it hides no bar.
    axes.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.28), ncol=3, frameon=False)
    return _png(figure)


def charts(data: ReportData) -> dict[str, bytes]:
    """The report's charts by name (findings, trend), those there is something to show for."""
    made = {"findings": findings_chart_png(data.counts), "trend": trend_chart_png(data.trend)}
    return {name: png for name, png in made.items() if png}


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
