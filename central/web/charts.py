"""Charts for the web pages as inline SVG, drawn on the server: no script, no CDN, escaped labels."""

from __future__ import annotations

from markupsafe import Markup, escape

W, H, PAD_L, PAD_R, PAD_T, PAD_B = 720, 240, 48, 16, 16, 40
COLORS = ("#1f5fbf", "#b3261e", "#1b7f3b", "#a15c00", "#6b3fa0", "#00838f")


def line_chart(labels: list[str], series: dict[str, list[float | None]], title: str, percent: bool = False) -> Markup:
    """One x axis (labels), one line per series; gaps (None) break the line."""
    vals = [v for s in series.values() for v in s if v is not None]
    top = max(vals + [1.0 if percent else 1])
    n = max(len(labels), 2)
    x = lambda i: PAD_L + i * (W - PAD_L - PAD_R) / (n - 1)  # noqa: E731
    y = lambda v: PAD_T + (H - PAD_T - PAD_B) * (1 - v / top)  # noqa: E731
    parts = [_frame(title, top, percent)]
    for ci, (name, points) in enumerate(series.items()):
        path, pen = [], "M"
        for i, v in enumerate(points):
            if v is None:
                pen = "M"
                continue
            path.append(f"{pen}{x(i):.1f},{y(v):.1f}")
            pen = "L"
        color = COLORS[ci % len(COLORS)]
        if path:
            parts.append(f'<path d="{" ".join(path)}" fill="none" stroke="{color}" stroke-width="2"/>')
        parts.append(f'<text x="{PAD_L + 8 + ci * 160}" y="{H - 6}" fill="{color}">■ {escape(name)}</text>')
    for i in sorted({0, len(labels) // 2, len(labels) - 1}):
        if 0 <= i < len(labels):
            parts.append(f'<text x="{x(i):.1f}" y="{H - PAD_B + 14}" text-anchor="middle">{escape(labels[i])}</text>')
    return _svg(parts, title)


def bar_chart(groups: list[str], series: dict[str, list[float]], title: str) -> Markup:
    """Grouped bars: one group per label, one bar per series."""
    vals = [v for s in series.values() for v in s]
    top = max(vals + [1])
    ng, ns = max(len(groups), 1), max(len(series), 1)
    gw = (W - PAD_L - PAD_R) / ng
    bw = max(2.0, gw * 0.8 / ns)
    parts = [_frame(title, top, False)]
    for si, (name, values) in enumerate(series.items()):
        color = COLORS[si % len(COLORS)]
        for gi, v in enumerate(values):
            h = (H - PAD_T - PAD_B) * v / top
            bx = PAD_L + gi * gw + gw * 0.1 + si * bw
            parts.append(f'<rect x="{bx:.1f}" y="{H - PAD_B - h:.1f}" width="{bw:.1f}" height="{h:.1f}" '
                         f'fill="{color}"><title>{escape(groups[gi])} · {escape(name)}: {v:g}</title></rect>')
        if ns > 1:
            parts.append(f'<text x="{PAD_L + si * 160}" y="{H - 4}" fill="{color}">■ {escape(name)}</text>')
    for gi, g in enumerate(groups):
        parts.append(f'<text x="{PAD_L + gi * gw + gw / 2:.1f}" y="{H - PAD_B + 14}" '
                     f'text-anchor="middle">{escape(g[:14])}</text>')
    return _svg(parts, title)


def _frame(title: str, top: float, percent: bool) -> str:
    lab = lambda v: f"{v:.0%}" if percent else f"{v:g}"  # noqa: E731
    return (f'<line x1="{PAD_L}" y1="{H - PAD_B}" x2="{W - PAD_R}" y2="{H - PAD_B}" stroke="#999"/>'
            f'<line x1="{PAD_L}" y1="{PAD_T}" x2="{PAD_L}" y2="{H - PAD_B}" stroke="#999"/>'
            f'<text x="{PAD_L - 4}" y="{PAD_T + 4}" text-anchor="end">{lab(round(top, 2))}</text>'
            f'<text x="{PAD_L - 4}" y="{H - PAD_B}" text-anchor="end">0</text>')


def _svg(parts: list[str], title: str) -> Markup:
    return Markup(f'<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-label="{escape(title)}">'
                  f'<title>{escape(title)}</title>{"".join(parts)}</svg>')
