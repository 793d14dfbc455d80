"""``nexus mqscore``: market quality of one stored series, as a table and optionally a plot.

    nexus mqscore BTCUSDT [--timeframe 1m] [--start 2024-01-01] [--end ...] [--plot out.png]
                  [--window 200] [--min-composite 0.5] [--imbalance-source auto] [--truth]

``--truth`` scores the rule regimes against the true regimes the synthetic
store keeps beside the bars (aux data ``regime``).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from nexus.errors import ConfigError, UnknownSymbolError


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("mqscore", help="six-dimension market quality, regimes and gate of a stored series")
    p.add_argument("symbol")
    p.add_argument("--timeframe", default="1m")
    p.add_argument("--start", default=None, help="first bar (UTC), e.g. 2024-01-01")
    p.add_argument("--end", default=None, help="end bound (UTC, exclusive)")
    p.add_argument("--window", type=int, default=200, help="bars per score (default 200)")
    p.add_argument("--min-composite", type=float, default=0.5, help="gate threshold (the original used 0.45)")
    p.add_argument("--imbalance-source", default="auto", choices=("auto", "bar_direction", "taker_buy"))
    p.add_argument("--regime-rule", default="reference", choices=("reference", "consistent"))
    p.add_argument("--truth", action="store_true", help="score the regimes against the store's true regimes (synthetic data)")
    p.add_argument("--plot", default=None, metavar="PNG", help="write close + composite + regime shading")
    p.set_defaults(func=cmd_mqscore)


def cmd_mqscore(args: argparse.Namespace) -> int:
    from nexus.data.store import BarStore
    from nexus.mqscore import DIMENSIONS, REGIME_NAMES, MQConfig, mqscore

    cfg = MQConfig(window=args.window, min_composite=args.min_composite,
                   imbalance_source=args.imbalance_source, regime_rule=args.regime_rule)
    store = BarStore(args.store)
    bars = store.read(args.symbol, args.timeframe, args.start, args.end)
    if len(bars) < cfg.window:
        raise ConfigError(f"{args.symbol} {args.timeframe}: {len(bars)} bars in range, fewer than the window {cfg.window}; widen --start/--end or lower --window")
    t0 = time.perf_counter()
    q = mqscore(bars, cfg)
    dt = time.perf_counter() - t0
    s = q.summary()
    print(f"{args.symbol} {args.timeframe}: {s['bars']:,} bars, {s['scored']:,} scored (window {cfg.window}), {dt:.2f} s")
    print(f"gate open on {s['gate_share']:.1%} of scored bars (composite >= {cfg.min_composite}, liquidity >= {cfg.min_liquidity}, no crisis regime)")
    print("\nregime                          share")
    for name in REGIME_NAMES:
        print(f"{name:<30s} {s['regimes'][name]:6.1%}")
    print("\ndimension      mean")
    for name in DIMENSIONS + ("composite",):
        print(f"{name:<12s} {s['means'][name]:6.3f}")
    if args.truth:
        _truth(store, args, q, bars)
    if args.plot:
        plot(q, bars.close, args.plot, title=f"{args.symbol} {args.timeframe} MQScore")
        print(f"\nwrote {args.plot}")
    return 0


def _truth(store, args, q, bars) -> None:
    from nexus.mqscore.evaluate import evaluate_regimes, rule_regimes_as_synth

    try:
        aux = store.read_aux(args.symbol, args.timeframe, "regime")
    except UnknownSymbolError as exc:
        raise ConfigError(f"--truth: {exc}") from None
    idx = np.searchsorted(aux["ts"], bars.ts)
    ok = (idx < len(aux["ts"])) & (aux["ts"][np.minimum(idx, len(aux["ts"]) - 1)] == bars.ts)
    true = np.where(ok, aux["regime"][np.minimum(idx, len(aux["ts"]) - 1)], -1)
    rep = evaluate_regimes(rule_regimes_as_synth(q.regime, bars.close), true)
    print("\nrule regimes against the true regimes (mapping: docs/mqscore.md)")
    print(rep.summary())


def plot(q, close: np.ndarray, path: str, title: str = "MQScore", max_points: int = 4000) -> None:
    """Close with the regime as background shading, and the composite with the gate threshold."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    from nexus.mqscore import REGIME_NAMES

    n = len(close)
    step = max(1, n // max_points)
    x = np.arange(0, n, step)
    colors = ["#d62728", "#2ca02c", "#1f77b4", "#17becf", "#ff7f0e", "#dddddd"]
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(12, 6), sharex=True, gridspec_kw={"height_ratios": [2, 1]})
    reg = q.regime[x].astype(float)
    reg[reg < 0] = np.nan
    a1.plot(x, close[x], color="black", lw=0.7)
    lo, hi = np.nanmin(close[x]), np.nanmax(close[x])
    a1.set_ylim(lo - 0.02 * (hi - lo), hi + 0.02 * (hi - lo))
    a2.set_ylim(0, 1)
    for ax in (a1, a2):  # regime as a one-row image behind the lines
        ax.pcolorfast((x[0], x[-1] + step), ax.get_ylim(), reg[np.newaxis, :], cmap=ListedColormap(colors),
                      vmin=-0.5, vmax=5.5, alpha=0.25)
    a1.set_title(title)
    a1.set_ylabel("close")
    a2.plot(x, q.composite[x], color="black", lw=0.7)
    a2.axhline(q.config.min_composite, color="red", lw=0.8, ls="--")
    a2.set_ylim(0, 1)
    a2.set_ylabel("composite")
    a2.set_xlabel("bar")
    handles = [plt.Rectangle((0, 0), 1, 1, color=c, alpha=0.4) for c in colors]
    a1.legend(handles, REGIME_NAMES, fontsize=7, loc="upper left", ncol=3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
