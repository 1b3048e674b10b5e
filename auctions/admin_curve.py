"""The price curve as the back office draws it: a step chart with its axes, the floor and the turbo's
start marked, the table of steps, and a warning when the floor is not reached before the close."""

from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from core import l10n

from . import pricing

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 78, 16, 14, 30
# An hour mark this close to the window's start or end would overwrite that end's label.
MARK_CLEARANCE = timedelta(minutes=40)


def _clock(moment: datetime, *, with_day: bool) -> str:
    local = timezone.localtime(moment)
    return formats.date_format(local, "SHORT_DATETIME_FORMAT") if with_day else local.strftime("%H:%M")


def curve_html(settings: pricing.PriceSettings, *, now: datetime) -> SafeString:
    steps = pricing.schedule(settings, limit=pricing.MAX_SCHEDULE_POINTS)
    return format_html(
        "{}{}{}", floor_warning(settings, steps), curve_svg(settings, steps, now=now), _table(steps)
    )


def floor_warning(settings: pricing.PriceSettings, steps: list[pricing.Step]) -> SafeString | str:
    last = steps[-1].price
    if last <= settings.floor_price:
        return ""
    return format_html(
        '<p class="price-curve-warning">{}</p>',
        _(
            "The price stops at %(last)s when the auction closes: it never reaches the floor of "
            "%(floor)s. Drop more, more often, or open the auction earlier."
        )
        % {"last": l10n.money(last), "floor": l10n.money(settings.floor_price)},
    )


def curve_svg(settings: pricing.PriceSettings, steps: list[pricing.Step], *, now: datetime) -> SafeString:
    start, end = settings.start_time, settings.end_time
    span = (end - start).total_seconds() or 1
    low, high = float(settings.floor_price), float(settings.start_price)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(moment: datetime) -> float:
        seconds = (min(max(moment, start), end) - start).total_seconds()
        return round(LEFT + seconds / span * plot_w, 1)

    def y(price: Decimal) -> float:
        return round(TOP + plot_h - (float(price) - low) / ((high - low) or 1) * plot_h, 1)

    points: list[str] = []
    for index, step in enumerate(steps):
        if index:
            points.append(f"{x(step.at)},{y(steps[index - 1].price)}")
        points.append(f"{x(step.at)},{y(step.price)}")
    points.append(f"{x(end)},{y(steps[-1].price)}")
    with_day = timezone.localtime(start).date() != timezone.localtime(end).date()
    bottom, right = TOP + plot_h, LEFT + plot_w
    parts = [
        format_html(
            '<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}"/>'
            '<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}"/>',
            LEFT,
            TOP,
            LEFT,
            bottom,
            LEFT,
            bottom,
            right,
            bottom,
        ),
        format_html(
            '<text class="label" x="{}" y="{}" text-anchor="end">{}</text>',
            LEFT - 6,
            TOP + 4,
            l10n.money(settings.start_price),
        ),
        format_html(
            '<line class="floor" x1="{}" y1="{}" x2="{}" y2="{}"/>'
            '<text class="label floor-label" x="{}" y="{}" text-anchor="end">{}</text>',
            LEFT,
            bottom,
            right,
            bottom,
            LEFT - 6,
            bottom + 4,
            l10n.money(settings.floor_price),
        ),
        format_html(
            '<text class="label floor-label" x="{}" y="{}" text-anchor="end">{}</text>',
            LEFT - 6,
            bottom + 18,
            _("floor"),
        ),
        format_html(
            '<text class="label" x="{}" y="{}" text-anchor="start">{}</text>',
            LEFT,
            HEIGHT - 8,
            _clock(start, with_day=with_day),
        ),
        format_html(
            '<text class="label" x="{}" y="{}" text-anchor="end">{}</text>',
            right,
            HEIGHT - 8,
            _clock(end, with_day=with_day),
        ),
        format_html('<polyline class="price" points="{}"/>', " ".join(points)),
        *(
            format_html(
                '<text class="label" x="{}" y="{}" text-anchor="middle">{}</text>', x(hour), HEIGHT - 8, label
            )
            for hour, label in _hour_marks(start, end)
        ),
    ]
    turbo_at = pricing.turbo_from(settings)
    if turbo_at is not None and start <= turbo_at < end:
        parts.append(
            format_html(
                '<line class="turbo" x1="{}" y1="{}" x2="{}" y2="{}"/>'
                '<text class="label turbo-label" x="{}" y="{}">{} {}</text>',
                x(turbo_at),
                TOP,
                x(turbo_at),
                bottom,
                x(turbo_at) + 4,
                TOP + 12,
                _("turbo"),
                _clock(turbo_at, with_day=False),
            )
        )
    if start <= now <= end:
        parts.append(
            format_html('<line class="now" x1="{}" y1="{}" x2="{}" y2="{}"/>', x(now), TOP, x(now), bottom)
        )
    return format_html(
        '<svg class="price-curve-chart" width="{}" height="{}" viewBox="0 0 {} {}" role="img" '
        'aria-label="{}">{}</svg>',
        WIDTH,
        HEIGHT,
        WIDTH,
        HEIGHT,
        _("price curve"),
        format_html_join("", "{}", ((part,) for part in parts)),
    )


def _hour_marks(start: datetime, end: datetime) -> list[tuple[datetime, str]]:
    """Whole hours inside a window of at most 12 hours, clear of its two ends' own labels."""
    if end - start > timedelta(hours=12):
        return []
    hour = timezone.localtime(start).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    marks = []
    while hour < end:
        if hour - start >= MARK_CLEARANCE and end - hour >= MARK_CLEARANCE:
            marks.append((hour, hour.strftime("%H:%M")))
        hour += timedelta(hours=1)
    return marks


def _table(steps: list[pricing.Step]) -> SafeString:
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td></tr>",
        (
            (
                formats.date_format(timezone.localtime(step.at), "SHORT_DATETIME_FORMAT"),
                l10n.money(step.price),
            )
            for step in steps
        ),
    )
    return format_html(
        '<table class="price-curve"><thead><tr><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>',
        _("from"),
        _("price"),
        rows,
    )
