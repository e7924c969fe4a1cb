"""Charts drawn on the server as inline SVG.

The Content-Security-Policy allows no inline script and nothing from a CDN,
and the command center has no internet: so no chart library in the browser.
These functions return SVG markup (every text escaped) that scales with its
container through its ``viewBox``; colours come from ``reviews.css``.
"""

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from jintan.formats import percent

from .presenting import count_text

BAR_ROW = 26
LABEL_WIDTH = 150
BAR_WIDTH = 330
WIDTH = LABEL_WIDTH + BAR_WIDTH + 80


def _svg(width: int, height: int, title: str, body: str, css: str) -> SafeString:
    return format_html(
        '<svg class="chart {}" viewBox="0 0 {} {}" role="img" '
        'preserveAspectRatio="xMinYMin meet" aria-label="{}"><title>{}</title>{}</svg>',
        css,
        width,
        height,
        title,
        title,
        mark_safe(body),  # built from format_html parts only
    )


def bars(items: list[dict], *, title: str, rate: bool = False) -> SafeString:
    """Horizontal bars, one row per item: ``{"label", "value", "href"}``.

    ``rate``: values are shares (0–1) drawn against 100 %; otherwise counts
    drawn against the largest.
    """
    values = [item["value"] or 0 for item in items]
    top = 1 if rate else max(values + [1])
    parts = []
    for n, item in enumerate(items):
        y = n * BAR_ROW
        value = item["value"]
        length = 0 if value is None else max(1, round(BAR_WIDTH * value / top))
        if not value:
            length = 0
        text = percent(value) if rate else count_text(value)
        bar = format_html(
            '<text class="label" x="{}" y="{}" text-anchor="end">{}</text>'
            '<rect class="track" x="{}" y="{}" width="{}" height="16" rx="2"></rect>'
            '<rect class="bar" x="{}" y="{}" width="{}" height="16" rx="2"></rect>'
            '<text class="value" x="{}" y="{}">{}</text>',
            LABEL_WIDTH - 8,
            y + 17,
            _clip(item["label"]),
            LABEL_WIDTH,
            y + 4,
            BAR_WIDTH,
            LABEL_WIDTH,
            y + 4,
            length,
            LABEL_WIDTH + BAR_WIDTH + 6,
            y + 17,
            text,
        )
        if item.get("href"):
            bar = format_html('<a href="{}">{}</a>', item["href"], bar)
        parts.append(bar)
    height = max(len(items), 1) * BAR_ROW + 4
    return _svg(WIDTH, height, title, "".join(parts), "bars")


def columns(series: list[dict], *, title: str, legend: tuple[str, str]) -> SafeString:
    """Intake and closures per day, side by side, with a y-axis and a legend."""
    width, height = 900, 240
    left, right, top, bottom = 44, 10, 28, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max([1] + [max(day["intake"], day["closed"]) for day in series])
    scale = _nice(peak)
    slot = plot_w / max(len(series), 1)
    bar_w = max(1.0, slot * 0.38)
    parts = [
        format_html(
            '<line class="grid" x1="{}" x2="{}" y1="{}" y2="{}"></line>'
            '<text class="tick" x="{}" y="{}" text-anchor="end">{}</text>',
            left,
            width - right,
            y,
            y,
            left - 6,
            y + 4,
            count_text(round(scale * k / 4)),
        )
        for k in range(5)
        for y in [round(top + plot_h - plot_h * k / 4, 1)]
    ]
    every = max(1, round(len(series) / 10))
    for n, day in enumerate(series):
        x = left + n * slot + slot * 0.1
        for offset, key, css in ((0, "intake", "a"), (bar_w, "closed", "b")):
            h = plot_h * day[key] / scale
            parts.append(
                format_html(
                    '<rect class="col {}" x="{}" y="{}" width="{}" '
                    'height="{}"><title>{} {}: {}</title></rect>',
                    css,
                    _n(x + offset),
                    _n(top + plot_h - h),
                    _n(bar_w),
                    _n(h),
                    day["day"],
                    legend[0] if key == "intake" else legend[1],
                    day[key],
                )
            )
        if n % every == 0:
            parts.append(
                format_html(
                    '<text class="tick" x="{}" y="{}" text-anchor="middle">{}</text>',
                    _n(x + bar_w),
                    height - 8,
                    day["day"][5:],
                )
            )
    parts.append(
        format_html_join(
            "",
            '<rect class="col {}" x="{}" y="6" width="12" height="12"></rect>'
            '<text class="tick" x="{}" y="16">{}</text>',
            (
                ("a", left, left + 16, legend[0]),
                ("b", left + 110, left + 126, legend[1]),
            ),
        )
    )
    return _svg(width, height, title, "".join(parts), "columns")


def _nice(peak: int) -> int:
    """The axis top: ``peak`` rounded up to four even steps of a round size."""
    unit = max(1, 10 ** (len(str(peak)) - 2))
    return -(-peak // (4 * unit)) * 4 * unit


def _n(value: float) -> str:
    return f"{value:.1f}"


def _clip(label: str, limit: int = 11) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
