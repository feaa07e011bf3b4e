"""Inline SVG charts for the HTML report: score bars per group, score history per unit.

Plain SVG strings with text kept as <text> in DejaVu Sans (Debian's default fonts), so the
report needs no script, no network and no font download, and Vietnamese diacritics render.
Written here rather than through a charting engine: a run writes the report every time, and
two chart kinds do not justify starting a JavaScript runtime per run.
"""

from __future__ import annotations

from html import escape

FONT = "DejaVu Sans, Noto Sans, Arial, sans-serif"
FRAMEWORK_COLOURS = {"dti": "#2166ac", "ict_index": "#b2182b"}


def _text(x: float, y: float, text: str, size: int = 11, anchor: str = "start", extra: str = "") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" font-family="{FONT}"{extra}>'
        f"{escape(text)}</text>"
    )


def bar_chart(
    bars: list[tuple[str, float, str]],
    colours: dict[str, str],
    thresholds: list[tuple[str, float]],
    title: str = "% of maximum",
) -> str:
    """Horizontal bars (label, percent 0..100, tier code) in the given order, with dashed tier thresholds."""
    label_w, plot_w, row_h, top = 300, 420, 16, 34
    height = top + row_h * len(bars) + 40
    width = label_w + plot_w + 150
    x = lambda pct: label_w + plot_w * max(0.0, min(pct, 100.0)) / 100  # noqa: E731
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">'
    ]
    bottom = top + row_h * len(bars)
    for tick in range(0, 101, 10):
        out.append(f'<line x1="{x(tick):.1f}" y1="{top}" x2="{x(tick):.1f}" y2="{bottom}" stroke="#e5e5e5"/>')
        out.append(_text(x(tick), bottom + 14, str(tick), 10, "middle"))
    out.append(_text(label_w + plot_w / 2, bottom + 30, title, 11, "middle"))
    for i, (label, pct, tier) in enumerate(bars):
        y = top + i * row_h
        out.append(_text(label_w - 6, y + row_h - 4, label, 11, "end"))
        out.append(
            f'<rect x="{label_w}" y="{y + 2}" width="{x(pct) - label_w:.1f}" height="{row_h - 4}" '
            f'fill="{colours.get(tier, "#999")}"><title>{escape(label)}: {pct:.2f}%</title></rect>'
        )
        out.append(_text(x(pct) + 3, y + row_h - 4, f"{pct:.2f}".replace(".", ","), 9))
    for code, pct in thresholds:
        out.append(
            f'<line x1="{x(pct):.1f}" y1="{top - 4}" x2="{x(pct):.1f}" y2="{bottom}" stroke="#333" stroke-dasharray="4 3"/>'
        )
        out.append(_text(x(pct) + 2, top - 8, f"{code} > {pct:g}%", 9))
    legend_x = label_w + plot_w + 16
    for i, tier in enumerate(dict.fromkeys(t for _, _, t in bars if t)):
        out.append(
            f'<rect x="{legend_x}" y="{top + i * 16}" width="12" height="12" fill="{colours.get(tier, "#999")}"/>'
        )
        out.append(_text(legend_x + 16, top + i * 16 + 10, tier, 10))
    out.append("</svg>")
    return "".join(out)


def history_chart(series: dict[str, list[tuple[int, float, str]]]) -> str:
    """Small multiples: per unit name, (year, percent, framework) points joined by year, 4 per row."""
    cell_w, cell_h, cols = 200, 120, 4
    names = list(series)
    rows = (len(names) + cols - 1) // cols
    years = sorted({y for points in series.values() for y, _, _ in points})
    if not years:
        return ""
    width, height = cell_w * cols, cell_h * rows + 20
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">'
    ]
    span = max(1, years[-1] - years[0])
    for k, name in enumerate(names):
        ox, oy = (k % cols) * cell_w, (k // cols) * cell_h
        left, right, top, bottom = ox + 30, ox + cell_w - 12, oy + 24, oy + cell_h - 22
        px = lambda year, left=left, right=right: left + (right - left) * (year - years[0]) / span  # noqa: E731
        py = lambda pct, top=top, bottom=bottom: bottom - (bottom - top) * max(0.0, min(pct, 100.0)) / 100  # noqa: E731
        label = name if len(name) <= 30 else name[:29] + "…"
        out.append(_text(ox + 4, oy + 14, label, 10, extra=' font-weight="bold"'))
        out.append(
            f'<rect x="{left}" y="{top}" width="{right - left}" height="{bottom - top}" fill="none" stroke="#ccc"/>'
        )
        for pct in (0, 50, 100):
            out.append(_text(left - 3, py(pct) + 3, str(pct), 8, "end"))
        for year in years:
            out.append(_text(px(year), bottom + 11, str(year), 8, "middle"))
        points = sorted(series[name])
        for framework in dict.fromkeys(f for _, _, f in points):
            mine = [(y, p) for y, p, f in points if f == framework]
            colour = FRAMEWORK_COLOURS.get(framework, "#555")
            if len(mine) > 1:
                path = " ".join(f"{px(y):.1f},{py(p):.1f}" for y, p in mine)
                out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="1.5"/>')
            for y, p in mine:
                out.append(
                    f'<circle cx="{px(y):.1f}" cy="{py(p):.1f}" r="3" fill="{colour}"><title>{y} {framework}: {p:.2f}%</title></circle>'
                )
    legend_y = height - 6
    for i, (framework, colour) in enumerate(FRAMEWORK_COLOURS.items()):
        out.append(f'<circle cx="{10 + i * 120}" cy="{legend_y - 4}" r="4" fill="{colour}"/>')
        out.append(_text(18 + i * 120, legend_y, framework, 10))
    out.append("</svg>")
    return "".join(out)
