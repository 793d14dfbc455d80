"""Rotation strategies: open_drive (open drive vs fade) and profile_rotation.

Bar proxies: the session open and the opening range come from timestamps
(UTC days by default); the auction's value area comes from a rolling volume
profile of the prior window.
"""

from __future__ import annotations

import math

from nexus.strategies import rotation_nb as nb
from nexus.strategies.context import Context
from nexus.strategies.registry import Param, strategy

MINUTE_NS = 60_000_000_000


def _od_warmup(p, base_ns):
    return math.ceil(p["session_minutes"] * MINUTE_NS / base_ns) + p["atr_n"] + 1


@strategy(
    name="open_drive", group="rotation", _builtin=True,
    params={"session_minutes": Param(1440, 60, 1440), "open_minutes": Param(30, 5, 240),
            "k": Param(0.7, 0.2, 3.0), "atr_n": Param(20, 10, 120)},
    warmup=_od_warmup,
)
def open_drive(bars, ctx: Context, session_minutes=1440, open_minutes=30, k=0.7, atr_n=20):
    """Open drive vs fade.

    Bar proxy for the exchange session: UTC-aligned blocks of
    ``session_minutes`` (a UTC day by default; crypto has no open). When the bar completing the first ``open_minutes`` closes, the
    drive is ``(C - session open) / (ATR_atr_n * sqrt(opening bars))``; beyond
    ``k`` the strategy holds ``sign(drive)``. If price later crosses back
    through the session open the drive failed: it holds the fade
    (``-sign(drive)``) to the session's end. Sessions joined after their
    opening window are skipped. Confidence ``|drive| / (2k)``.
    """
    if open_minutes >= session_minutes:
        from nexus.errors import ConfigError

        raise ConfigError(f"open_drive: open_minutes ({open_minutes}) must be below session_minutes ({session_minutes})")
    return nb.open_drive_nb(ctx.ts, ctx.open, ctx.close, ctx.atr(atr_n), ctx.timeframe_ns,
                            int(session_minutes) * MINUTE_NS, int(open_minutes) * MINUTE_NS, float(k), *ctx.outputs())


@strategy(
    name="profile_rotation", group="rotation", _builtin=True,
    params={"window": Param(240, 60, 1440), "bin_bps": Param(10.0, 2.0, 50.0), "va_frac": Param(0.7, 0.5, 0.9)},
    warmup=lambda p: p["window"] + 1,
)
def profile_rotation(bars, ctx: Context, window=240, bin_bps=10.0, va_frac=0.7):
    """Rotate back to the point of control after re-entering the value area.

    Bar proxy for the auction: a volume profile of the prior ``window`` bars
    (closes binned at ``bin_bps`` basis points), its point of control and the
    value area holding ``va_frac`` of the volume. A close that re-enters the
    value area from below (previous close's bin under it) signals +1, from
    above -1. Confidence ``0.5 + 0.5 * min(1, bins left to the POC / half the
    value area)``.
    """
    node, _, poc, val, vah, bins = ctx.profile(int(window), float(bin_bps), float(va_frac))
    return nb.profile_rotation_nb(bins, node, poc, val, vah, *ctx.outputs())
