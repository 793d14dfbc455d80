"""``simulate_book``: the one execution engine of a book (shared cash, every rule, per-instrument costs).

The pipeline's layers decide *what* to hold (signed target weights of book
equity, NaN = no decision); this module decides what the venue gives for it.
One walk over the bars (``kernels_book.book_bars_nb``), per bar:

1. **Pending market orders** decided at the last close fill: ``realistic`` at
   this bar's open, ``conservative`` at this bar's worst price against the
   order among open, high and low (the high for a buy, the low for a sell),
   each moved by the slippage model. (``aggressive`` fills at the deciding
   bar's close instead, in step 5.) A reversal is a close and then an open.
   A weight becomes a size on book equity marked at the fill bar's open,
   rounded toward zero to the lot.
2. **Resting limit entries** (``order_type="limit"``) fill only when the bar
   trades *through* the limit by at least one tick (a buy needs low <=
   limit - tick); a bar that only touches the limit does not fill, since
   the queue ahead of the order may take all the volume at that price. The
   fill is at the limit price, pays the maker fee and no slippage. An order
   rests ``limit_timeout`` bars (0 = until cancelled); then it expires or,
   with ``timeout_action="cross"``, fills at market at the next open. A new
   decision on the symbol (including the opposite signal), a book limit or
   the time stop cancels it. Time in force: ``gtc`` (the time-out alone),
   ``day`` (also expires at the first bar of the next trading day), ``ioc``
   (only the bar after the decision may fill it; then it expires).
   **Stop entries** (``order_type="stop"``) rest ``limit_offset`` beyond the
   decision close (a buy stop above it, rounded away from it to the tick) and
   fire when the bar trades at the stop (high >= stop for a buy): they fill
   at the stop, or at the open when the bar gaps through it, plus slippage,
   paying the taker fee (whole: the volume model prices its impact, but
   the participation cap splits only market orders). **Stop-limit entries** (``"stop_limit"``) fire the
   same way and then rest as a limit ``stop_limit_offset`` beyond the stop
   (0 = at the stop; a buy limit rounds down), filled by the limit rule:
   on the firing bar, after a gap through the stop the whole bar counts,
   otherwise only its close is surely after the trigger; from the next bar
   on, its low (a buy) or high (a sell). Stops and stop-limits share the
   limits' time-out, time in force and cancellation, and their records
   (``limits``: order type, stop, the bar it fired, the outcome). Stop
   levels of a position filled by any resting order start the next bar.
3. **Stops, intrabar**, from the bar's open, high and low: stop loss and take
   profit at a fraction of the average entry fill price, a trailing stop
   from the best price of the bars *before* this one. A gap through a level
   fills at the open. When a bar reaches both the stop and the take profit,
   the extreme nearer the open is taken to come first (a tie, or
   ``stop_first=True``, the conservative option: the stop first). Stops fill
   at the level plus slippage, taker fee. Stops see a position from the bar
   it filled at the open (realistic) or the next bar (other fills).
4. **Mark to market** at the close, funding charged on perpetual positions;
   then the **hard daily loss limit** (equity at or below the day's opening
   equity x (1 - limit) flattens the book at this bar's close plus slippage
   and refuses entries until the next UTC day) and the **drawdown stop**
   (flat, then no entries for ``cooloff_rows`` bars, after which the peak
   restarts; 0 = for the rest of the run). A series out of session is
   flattened at its next fill.
0. **Futures rolls** (``roll_gap``), before everything else on a roll bar:
   a position in the expiring contract is closed at its price (the bar's
   open, quoted in the new contract, less the calendar spread) and reopened
   at the open in the new contract, both legs paying fees and slippage
   (order reason "roll"); stop levels and a resting limit follow the
   contract. Prices are the contracts' own, so P&L is too.
5. **Time stop** (``max_hold_rows`` from the entry fill) sends an exit order;
   then this bar's **decisions** under the book limits: the minimum hold (no
   reversal younger than ``min_hold_rows``), pyramiding up to ``symbol_cap``,
   the gross cap. A refused decision gets a reason code (80 daily limit, 81
   drawdown stop, 82 symbol cap, 83 not tradable / just exited, 84 gross cap,
   85 minimum hold).

Fees of a fill: notional x (taker or maker fraction) + contracts x (commission
+ exchange fee per contract), recorded split in ``fills``. Slippage models
(``slippage`` is the coefficient): ``none``; ``fixed``: fraction of the price;
``ticks``: that many ticks; ``spread``: half the quoted spread (the bars'
``spread`` column) or, without one, half the Corwin-Schultz (2012) estimate
from two bars' highs and lows; ``volume``: square-root impact, coef x sigma x
price x sqrt(size / bar volume) with sigma the 20-bar return volatility, and
a participation cap: a decision's order takes at most ``max_participation`` x
the last bar's volume, the rest fills in parts on the next bars (status
"partial"). Every fill at an open reads the spread, volatility and volume of
the bar before it, so nothing is read ahead.

>>> import numpy as np
>>> px = np.array([[100.0], [100.0], [110.0], [110.0]])
>>> dec = np.full((4, 1), np.nan); dec[0, 0] = 1.0
>>> sim = simulate_book(px, px, px, px, dec, init_cash=1000.0, fill="realistic", taker_fee=0.001)
>>> sim.fills["size"].tolist(), round(float(sim.value[-1]), 6)
([10.0], 1099.0)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from nexus.errors import ConfigError
from nexus.portfolio import enums
from nexus.portfolio.kernels_book import C_FUNDING, S_CNT, S_NLIM, book_bars_nb, new_book_state
from nexus.portfolio.records import fill_dt, limit_dt, order_dt

FILL_ALIASES = {"close": "aggressive", "next_open": "realistic", "next_worst": "conservative"}
SIGMA_WINDOW = 20


@dataclass
class BookSim:
    """What :func:`simulate_book` returns. ``pf`` is a :class:`Portfolio` over the same fills."""

    pf: Any
    fills: np.ndarray  # fill_dt, time order
    limits: np.ndarray  # limit_dt
    value: np.ndarray  # [n]
    cash: np.ndarray  # [n]
    position: np.ndarray  # [n, k]
    held: np.ndarray  # [n, k] weights held or ordered
    reason: np.ndarray  # [n, k] uint8 rejection code of a decision
    exit_code: np.ndarray  # [n, k] uint8 enums.Reason of an exit decided on that bar
    fill: str
    slippage_model: str
    funding_paid: np.ndarray  # [k] funding paid per column (negative: received)


def corwin_schultz(high: np.ndarray, low: np.ndarray) -> np.ndarray:
    """Relative bid-ask spread estimated from two consecutive bars' high and low (Corwin & Schultz 2012).

    Row t uses bars t-1 and t (so it is known at t's close); row 0 and negative estimates give 0.

    >>> import numpy as np
    >>> s = corwin_schultz(np.array([[101.0], [101.0]]), np.array([[99.0], [99.0]]))
    >>> round(float(s[1, 0]), 4)
    0.02
    """
    h = np.asarray(high, dtype=np.float64)
    lo = np.asarray(low, dtype=np.float64)
    out = np.zeros_like(h)
    if h.shape[0] < 2:
        return out
    with np.errstate(divide="ignore", invalid="ignore"):
        b1 = np.log(h[1:] / lo[1:]) ** 2
        b0 = np.log(h[:-1] / lo[:-1]) ** 2
        beta = b0 + b1
        gamma = np.log(np.maximum(h[1:], h[:-1]) / np.minimum(lo[1:], lo[:-1])) ** 2
        k = 3.0 - 2.0 * np.sqrt(2.0)
        alpha = (np.sqrt(2.0 * beta) - np.sqrt(beta)) / k - np.sqrt(gamma / k)
        s = 2.0 * (np.exp(alpha) - 1.0) / (1.0 + np.exp(alpha))
    out[1:] = np.where(np.isfinite(s) & (s > 0.0), s, 0.0)
    return out


def rolling_sigma(close: np.ndarray, window: int = SIGMA_WINDOW) -> np.ndarray:
    """Causal standard deviation of the last ``window`` close-to-close returns (NaN before there are enough)."""
    c = np.asarray(close, dtype=np.float64)
    n = c.shape[0]
    out = np.full(c.shape, np.nan)
    if n <= window:
        return out
    r = np.zeros_like(c)
    r[1:] = c[1:] / c[:-1] - 1.0
    cs = np.cumsum(np.vstack([np.zeros((1, c.shape[1])), r[1:]]), axis=0)
    cs2 = np.cumsum(np.vstack([np.zeros((1, c.shape[1])), r[1:] ** 2]), axis=0)
    # returns 1..t end at row t; a window of them ends at t for t >= window
    s1 = cs[window:] - cs[:-window]
    s2 = cs2[window:] - cs2[:-window]
    var = (s2 - s1 * s1 / window) / (window - 1)
    out[window:] = np.sqrt(np.maximum(var, 0.0))
    return out


def _cols(x: Any, k: int, name: str) -> np.ndarray:
    a = np.asarray(x, dtype=np.float64).ravel()
    if a.size == 1:
        a = np.full(k, a[0])
    if a.size != k or not np.all(np.isfinite(a)) or np.any(a < 0):
        raise ConfigError(f"simulate_book: {name} needs one finite value >= 0 or one per column ({k})")
    return a


def _grid(x: Any, n: int, k: int, name: str, default: float) -> np.ndarray:
    if x is None:
        return np.full((n, k), default)
    a = np.asarray(x, dtype=np.float64)
    if a.ndim == 1 and a.shape[0] == n:
        a = a[:, None]
    try:
        return np.ascontiguousarray(np.broadcast_to(a, (n, k)), dtype=np.float64)
    except ValueError:
        raise ConfigError(f"simulate_book: {name} has shape {a.shape}; give [n_bars, n_cols] = ({n}, {k})") from None


def fill_name(value: str) -> str:
    """A fill model's canonical name (``next_open`` = realistic, ``close`` = aggressive, ``next_worst`` = conservative)."""
    v = str(value).strip().lower()
    v = FILL_ALIASES.get(v, v)
    if v not in enums.FillModel._fields:
        valid = list(enums.FillModel._fields) + list(FILL_ALIASES)
        raise ConfigError(f"fill={value!r} is not a fill model; use one of {', '.join(repr(x) for x in valid)}")
    return v


class BookInputs(NamedTuple):
    """The kernel's arguments before the record buffers, validated and in kernel order (``book_bars_nb``)."""

    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    tradable: np.ndarray
    decision: np.ndarray
    day_id: np.ndarray
    half_spread: np.ndarray
    sigma: np.ndarray
    volume: np.ndarray
    funding: np.ndarray
    limit_offset: np.ndarray
    stop_limit_offset: np.ndarray
    roll_gap: np.ndarray
    mult: np.ndarray
    tick: np.ndarray
    lot: np.ndarray
    taker: np.ndarray
    maker: np.ndarray
    per_comm: np.ndarray
    per_exch: np.ndarray
    init_cash: float
    fill_model: int
    slip_model: int
    slip_coef: float
    max_part: float
    stop_loss: float
    take_profit: float
    trailing: float
    stop_first: bool
    symbol_cap: float
    gross_cap: float
    daily_loss_limit: float
    max_drawdown: float
    cooloff_rows: int
    max_hold_rows: int
    min_hold_rows: int
    pyramid: bool
    order_type: int
    limit_timeout: int
    timeout_cross: bool
    tif: int


def prepare_book(
    open: Any, high: Any, low: Any, close: Any, decision: Any, *,
    tradable: Any = None, day_id: Any = None, ts: Any = None, spread: Any = None, volume: Any = None,
    roll_gap: Any = None,
    funding: Any = None, init_cash: float = 10_000.0,
    multiplier: Any = 1.0, tick_size: Any = 0.0, lot_size: Any = 0.0, taker_fee: Any = 0.0, maker_fee: Any = 0.0,
    commission_per_contract: Any = 0.0, exchange_fee_per_contract: Any = 0.0,
    fill: str = "realistic", slippage_model: str = "none", slippage: float = 0.0, max_participation: float = 0.1,
    stop_loss: float = 0.0, take_profit: float = 0.0, trailing_stop: float = 0.0, stop_first: bool = False,
    symbol_cap: float = 1.0, gross_cap: float = 1.0, daily_loss_limit: float = 0.0, max_drawdown: float = 0.0,
    cooloff_rows: int = 0, max_hold_rows: int = 0, min_hold_rows: int = 0, pyramid: bool = True,
    order_type: str = "market", limit_offset: float = 0.0, limit_offset_unit: str = "ticks", limit_timeout: int = 0,
    timeout_action: str = "cancel", time_in_force: str = "gtc", stop_limit_offset: float = 0.0,
) -> BookInputs:
    """Validate :func:`simulate_book`'s arguments and derive what the kernel reads (spreads, volatility,
    limit offsets); every derived row depends on its own and earlier rows only, so the inputs of a
    prefix of the bars are the prefix of the inputs (what the paper broker's stepping relies on).

    ``spread`` is the quoted spread in price units (NaN / None: Corwin-Schultz),
    ``funding`` the rate charged at each bar's close on position value (perpetuals only),
    ``day_id`` the trading day of each bar (default: UTC days of ``ts``, else one day).
    ``order_type`` is ``"market"``, ``"limit"``, ``"stop"`` or ``"stop_limit"`` (entries; exits are market);
    ``limit_offset`` and ``stop_limit_offset`` are in ``limit_offset_unit`` (ticks or quoted spreads).
    ``roll_gap[t, j]`` (futures): the first bar of a new front contract, prices from then on quoted in
    it, and the calendar spread new - old (NaN = no roll); the held position rolls at that bar's open.
    """
    c = np.ascontiguousarray(np.asarray(close, dtype=np.float64))
    if c.ndim == 1:
        c = c[:, None]
    n, k = c.shape
    if n == 0:
        raise ConfigError("simulate_book: close is empty; give at least one bar")
    o, h, lo = (_grid(x, n, k, name, 0.0) for x, name in ((open, "open"), (high, "high"), (low, "low")))
    for name, a in (("open", o), ("high", h), ("low", lo), ("close", c)):
        if not (np.all(np.isfinite(a)) and np.all(a > 0.0)):
            r, j = np.argwhere(~(np.isfinite(a) & (a > 0.0)))[0]
            raise ConfigError(f"simulate_book: {name} row {r}, column {j} is {a[r, j]!r}; prices must be finite and "
                              "positive (clean the bars first)")
    if np.any(h < np.maximum(o, c) - 1e-12 * c) or np.any(lo > np.minimum(o, c) + 1e-12 * c):
        raise ConfigError("simulate_book: a bar's high is below its open/close or its low above them; clean the bars")
    dec = _grid(decision, n, k, "decision", np.nan)
    if np.isinf(dec).any():
        raise ConfigError("simulate_book: decision holds inf; use NaN for no decision")
    trad = np.ones((n, k), np.bool_) if tradable is None else np.ascontiguousarray(
        np.broadcast_to(np.asarray(tradable, dtype=np.bool_), (n, k)))
    if day_id is None:
        day = (np.asarray(ts, dtype=np.int64) // 86_400_000_000_000) if ts is not None else np.zeros(n, np.int64)
    else:
        day = np.asarray(day_id, dtype=np.int64)
    if day.shape != (n,):
        raise ConfigError(f"simulate_book: day_id / ts need {n} values")
    fm = enums.parse(enums.FillModel, fill_name(fill), "fill")
    sm = enums.parse(enums.BookSlippage, slippage_model, "slippage_model")
    ot = enums.parse(enums.OrderType, order_type, "order_type")
    tif = {"gtc": 0, "day": 1, "ioc": 2}.get(str(time_in_force).lower())
    if tif is None:
        raise ConfigError(f"time_in_force={time_in_force!r} is not understood; use one of 'gtc', 'day', 'ioc'")
    if timeout_action not in ("cancel", "cross"):
        raise ConfigError(f"timeout_action={timeout_action!r}; use 'cancel' or 'cross'")
    if limit_offset_unit not in ("ticks", "spreads"):
        raise ConfigError(f"limit_offset_unit={limit_offset_unit!r}; use 'ticks' or 'spreads'")
    if not (0.0 < max_participation <= 1.0):
        raise ConfigError("max_participation must be in (0, 1]")
    for name, v in (("slippage", slippage), ("stop_loss", stop_loss), ("take_profit", take_profit),
                    ("trailing_stop", trailing_stop), ("daily_loss_limit", daily_loss_limit),
                    ("max_drawdown", max_drawdown), ("limit_offset", limit_offset),
                    ("stop_limit_offset", stop_limit_offset)):
        if not (np.isfinite(v) and v >= 0.0):
            raise ConfigError(f"simulate_book: {name}={v!r} must be a finite number >= 0")
    mult = _cols(multiplier, k, "multiplier")
    if np.any(mult <= 0):
        raise ConfigError("simulate_book: multiplier must be > 0")
    tick = _cols(tick_size, k, "tick_size")
    lot = _cols(lot_size, k, "lot_size")
    taker = _cols(taker_fee, k, "taker_fee")
    maker = np.asarray(maker_fee, dtype=np.float64).ravel()
    maker = np.full(k, maker[0]) if maker.size == 1 else maker  # a maker rebate may be negative
    comm = _cols(commission_per_contract, k, "commission_per_contract")
    exch = _cols(exchange_fee_per_contract, k, "exchange_fee_per_contract")
    vol = _grid(volume, n, k, "volume", 0.0)
    if sm == enums.BookSlippage.volume and volume is None:
        raise ConfigError("slippage_model='volume' needs volume=; pass the bars' volume")
    # the estimates cost a pass over every bar: made only for the models that read them
    if sm == enums.BookSlippage.spread or (ot != enums.OrderType.market and limit_offset_unit == "spreads"):
        quoted = _grid(spread, n, k, "spread", np.nan)
        half = np.where(np.isfinite(quoted), quoted / 2.0, corwin_schultz(h, lo) * c / 2.0)
    else:
        half = np.zeros((n, k))
    sig = rolling_sigma(c) if sm == enums.BookSlippage.volume else np.zeros((n, k))
    fund = _grid(funding, n, k, "funding", 0.0)
    rolls = _grid(roll_gap, n, k, "roll_gap", np.nan)
    if np.isinf(rolls).any():
        raise ConfigError("simulate_book: roll_gap holds inf; use NaN where no roll happens")
    def offset(x: float) -> np.ndarray:  # ticks, or quoted spreads (twice the half spread)
        a = np.broadcast_to(x * tick[None, :], (n, k)) if limit_offset_unit == "ticks" else x * 2.0 * half
        return np.ascontiguousarray(a, dtype=np.float64)

    # read only when an entry order rests: market books skip the two grids
    zeros = np.zeros((n, k)) if ot != enums.OrderType.stop_limit else None
    off = offset(limit_offset) if ot != enums.OrderType.market else zeros
    off2 = offset(stop_limit_offset) if ot == enums.OrderType.stop_limit else zeros
    return BookInputs(o, h, lo, c, trad, dec, day, half, sig, vol, fund, off, off2, rolls, mult, tick, lot, taker, maker,
                      comm, exch, float(init_cash), fm, sm, float(slippage), float(max_participation), float(stop_loss),
                      float(take_profit), float(trailing_stop), bool(stop_first), float(symbol_cap), float(gross_cap),
                      float(daily_loss_limit), float(max_drawdown), int(cooloff_rows), int(max_hold_rows),
                      int(min_hold_rows), bool(pyramid), ot, int(limit_timeout), timeout_action == "cross", tif)


def simulate_book(open: Any, high: Any, low: Any, close: Any, decision: Any, **options: Any) -> BookSim:
    """Simulate one book of ``k`` columns sharing ``init_cash``; see the module doc for every rule.

    Prices are ``[n, k]``; ``decision[t, j]`` is the signed target weight decided at bar t's close
    (NaN = none). ``options`` are :func:`prepare_book`'s keywords (bars' spread, volume, sessions,
    rolls and funding; costs; fill and slippage models; stops and book limits; order types).
    """
    from nexus.portfolio.wrapper import Portfolio

    x = prepare_book(open, high, low, close, decision, **options)
    n, k = x.close.shape
    dec, ot, fm, sm, mult, c = x.decision, x.order_type, x.fill_model, x.slip_model, x.mult, x.close
    ts, init_cash = options.get("ts"), x.init_cash
    cap_f = max(16, int(np.isfinite(dec).sum()) * 3 + 4 * k)
    cap_l = max(4, int(np.isfinite(dec).sum()) + 1) if ot != enums.OrderType.market else 1
    while True:
        fills = np.zeros(cap_f, dtype=fill_dt)
        limits = np.zeros(cap_l, dtype=limit_dt)
        fs, is_, cf, ci = new_book_state(k, init_cash)
        value, cash = np.empty(n), np.empty(n)
        pos, held = np.zeros((n, k)), np.zeros((n, k))
        reason, exit_code = np.zeros((n, k), np.uint8), np.zeros((n, k), np.uint8)
        book_bars_nb(0, n, n, *x, fills, limits, fs, is_, cf, ci, value, cash, pos, held, reason, exit_code)
        nf, nl = int(is_[S_CNT]), int(is_[S_NLIM])
        if nf <= cap_f and nl <= cap_l:
            break
        cap_f, cap_l = max(cap_f, nf), max(cap_l, nl)
    fills = fills[:nf]
    limits = limits[:nl]
    orders = np.empty(nf, dtype=order_dt)
    for name in order_dt.names:
        orders[name] = fills[name]
    orders = orders[np.argsort(orders["col"], kind="stable")]
    ts_arr = None if ts is None else np.asarray(ts, dtype=np.int64)
    v2, c2 = value[:, None], cash[:, None]
    pf = Portfolio(n=n, n_cols=k, close=c, mult=mult[None, :], orders=orders, value=v2,
                   init_cash=np.array([float(init_cash)]), cash_groups=np.array([0, k], dtype=np.int64),
                   report_groups=np.array([0, k], dtype=np.int64), group_names=["group"], columns=list(range(k)),
                   ts=ts_arr, freq=None, was_1d=False, rerun=lambda save_cash, save_pos: (v2, c2, pos))
    return BookSim(pf, fills, limits, value, cash, pos, held, reason, exit_code, enums.FillModel._fields[fm],
                   enums.BookSlippage._fields[sm], cf[C_FUNDING].copy())
