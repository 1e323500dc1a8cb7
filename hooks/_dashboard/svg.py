"""The compliance trend: an inline SVG line chart of the overall score over runs, drawn here (no
chart library). Points carry their value in a <title>, the minimum score is a dashed line, and
runs under it are drawn as hollow squares, not only in another colour."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 480, 200
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 40, 12, 12, 30


@dataclass(frozen=True)
class Point:
    label: str  # the run's time, shown in the point's tooltip and on the x axis ends
    value: float  # 0-100


def trend_chart(points: Sequence[Point], *, min_score: float | None = None, title: str = "") -> str:
    """The chart as SVG markup; an empty chart says so in words."""
    label = escape(title or "Overall compliance score per run")
    head = (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{label}" '
        'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMidYMid meet">'
    )
    parts = [head, f"<title>{label}</title>"]
    plot_w = WIDTH - PAD_LEFT - PAD_RIGHT
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM

    def y(value: float) -> float:
        return round(PAD_TOP + plot_h * (1 - max(0.0, min(100.0, value)) / 100), 1)

    for tick in (0, 25, 50, 75, 100):
        parts.append(
            f'<line class="grid" x1="{PAD_LEFT}" x2="{WIDTH - PAD_RIGHT}" y1="{y(tick)}" y2="{y(tick)}"/>'
            f'<text class="axis" x="{PAD_LEFT - 6}" y="{y(tick) + 4}" text-anchor="end">{tick}</text>'
        )
    if min_score is not None:
        parts.append(
            f'<line class="min" x1="{PAD_LEFT}" x2="{WIDTH - PAD_RIGHT}" y1="{y(min_score)}" '
            f'y2="{y(min_score)}"><title>minimum {min_score:g}</title></line>'
        )
    if not points:
        parts.append(
            f'<text class="axis" x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle">'
            "no scored runs yet</text></svg>"
        )
        return "".join(parts)
    step = plot_w / (len(points) - 1) if len(points) > 1 else 0.0
    coords = [
        (round(PAD_LEFT + (i * step if len(points) > 1 else plot_w / 2), 1), y(p.value))
        for i, p in enumerate(points)
    ]
    parts.append(
        '<polyline class="line" fill="none" points="' + " ".join(f"{x},{yy}" for x, yy in coords) + '"/>'
    )
    for (x, yy), point in zip(coords, points, strict=True):
        tip = f"<title>{escape(point.label)}: {point.value:.1f}</title>"
        if min_score is not None and point.value < min_score:
            box = f'x="{x - 4}" y="{yy - 4}" width="8" height="8"'
            parts.append(f'<rect class="dot under" {box}>{tip}</rect>')
        else:
            parts.append(f'<circle class="dot" cx="{x}" cy="{yy}" r="4">{tip}</circle>')
    first, last = escape(points[0].label), escape(points[-1].label)
    base = HEIGHT - 8
    parts.append(f'<text class="axis" x="{PAD_LEFT}" y="{base}">{first}</text>')
    if len(points) > 1:
        parts.append(f'<text class="axis" x="{WIDTH - PAD_RIGHT}" y="{base}" text-anchor="end">{last}</text>')
    parts.append("</svg>")
    return "".join(parts)
