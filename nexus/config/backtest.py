"""The schema of ``backtest.toml``: every key of ``nexus backtest`` with type, default, range and help.

Two profiles move defaults: ``"default"`` (the values below) and ``"original"``,
the original system verbatim (no time stop, no minimum hold, trading ends at the
drawdown stop). Checks that need more than one key or the data layer (book
clocks, durations, dates, Kelly's stop-loss) live in
:meth:`nexus.pipeline.config.BacktestConfig.validate`.

>>> BACKTEST.key("risk.stop_loss").allowed()
'a number 0 <= x <= 1'
>>> BACKTEST.defaults("original")["risk"]["min_hold"]
''
"""

from __future__ import annotations

from nexus.config.common import CAPITAL, CLOCK, END, FEE, PROGRESS, SEED, SLIPPAGE, START
from nexus.config.schema import Key, Schema, Section

UNIT = {"lo": 0.0, "hi": 1.0}
FILL_CHOICES = ("realistic", "aggressive", "conservative", "next_open", "close", "next_worst")
FUNCTION = Key("function", "str", "", 'function replacing this layer, "package.module:function" (empty = the built-in layer)')
DEFAULT_MAIN = ["BTCUSDT/1m", "ETHUSDT/1m", "BNBUSDT/1m", "SOLUSDT/1m", "XRPUSDT/1m", "NQ/5m"]


def _layer(name: str, help: str, *keys: Key) -> Section:
    """``[layers.<name>]``: ``enabled``, the layer's own keys, then ``function``."""
    enabled = Key("enabled", "bool", True, f"false: the {name} layer's thresholds are off (it rejects nothing)")
    return Section(f"layers.{name}", (enabled, *keys, FUNCTION), help=help)


BACKTEST = Schema(
    file="backtest.toml",
    example="risk.stop_loss=0.03",
    sections=(
        Section("", (
            Key("profile", "str", "default", '"default": the original thresholds plus a 1-day minimum hold, a 3-day '
                'time stop and a 7-day pause after the drawdown stop; "original": the original system verbatim',
                choices=("default", "original")),
        )),
        Section("run", (
            Key("store", "str", "data/bars", "bar store root"),
            Key("models", "str", "data/models", "model registry; slots without a usable model use their rule fallback"),
            Key("use_models", "bool", True, "false: rule fallbacks in every slot"),
            SEED,
            START,
            END,
            Key("warmup_bars", "int", 200, "bars per series before any decision (MQScore window)", lo=0),
            Key("trade_start", "str", "", 'first clock bar (UTC) whose decisions send orders; bars from `start` on '
                'before it are warm-up only (what a paper session read before it began); empty = from `start`'),
            Key("out", "str", "reports", "report folder"),
            Key("runs", "str", "runs", 'run records: each backtest writes a folder here ("" = none)'),
            Key("baselines", "list[str]", ["sma_crossover", "buy_and_hold"],
                "baselines run on the same clock, data and costs", choices=("sma_crossover", "buy_and_hold")),
            PROGRESS,
        ), help="what to run, on which data"),
        Section("books", (
            Key("name", "str", "main", "book name (unique)"),
            Key("symbols", "list[str]", list(DEFAULT_MAIN), 'series "SYMBOL/timeframe", none finer than the clock'),
            CLOCK,
            CAPITAL,
            Key("instruments", "any", {}, "this book's costs over nexus/data/instruments.toml, a table per "
                "instrument of the book: [books.instruments.NQ] commission_per_contract = 0.5 (keys: maker_fee, "
                "taker_fee, commission_per_contract, exchange_fee_per_contract; needs costs.instrument_fees = true)"),
        ), help="books trade from their own capital", many=True, rows=(
            {"name": "main", "symbols": list(DEFAULT_MAIN), "clock": "1m", "capital": 10_000_000.0},
            {"name": "NQ-1h", "symbols": ["NQ/1h"], "clock": "1h", "capital": 10_000_000.0},
            {"name": "NQ-1d", "symbols": ["NQ/1d"], "clock": "1d", "capital": 10_000_000.0},
        )),
        Section("costs", (
            Key("fill", "str", "next_open", '"realistic" (alias "next_open"): a decision on bar t fills at the open of '
                't+1 plus slippage; "aggressive" ("close"): at its close; "conservative" ("next_worst"): at t+1\'s worst '
                'price against the order among open, high and low', choices=FILL_CHOICES),
            Key("instrument_fees", "bool", True, "true: each instrument's maker / taker fractions and per-contract "
                "commission and exchange fees from nexus/data/instruments.toml (see `fees`); false: `fee` and "
                "`maker_fee` for every instrument (taker / maker fractions, no per-contract fees)"),
            FEE,
            FEE.named("maker_fee", lo=-0.01, help="maker commission (limit fills); with instrument_fees = false"),
            Key("slippage_model", "str", "fixed", '"none"; "fixed": `slippage` x price; "ticks": `slippage_ticks` '
                'ticks; "spread": half the quoted spread (Corwin-Schultz from high/low without one); "volume": '
                'square-root impact `impact` x sigma x price x sqrt(size / volume), capped by `max_participation`',
                choices=("none", "fixed", "ticks", "spread", "volume")),
            SLIPPAGE,
            Key("slippage_ticks", "float", 1.0, 'ticks against each order, slippage_model = "ticks"', lo=0.0, hi=100.0),
            Key("impact", "float", 1.0, 'square-root impact coefficient, slippage_model = "volume"', lo=0.0, hi=100.0),
            Key("max_participation", "float", 0.1, "volume model: an order takes at most this share of a bar's "
                "volume; the rest fills over the next bars", lo=0.0, hi=1.0, lo_open=True),
            Key("funding_rate_8h", "float", 0.0, "perpetual funding per 8 h, charged 00/08/16 UTC", lo=-0.01, hi=0.01),
            Key("fill_sensitivity", "bool", True, "run each book's targets again under the three fill models for the "
                "headline table"),
        ), help="what a fill costs"),
        Section("risk", (
            Key("stop_loss", "float", 0.02, "stop-loss distance, fraction of the entry price (0 = none)", **UNIT),
            Key("take_profit", "float", 0.04, "take-profit distance, fraction of the entry price (0 = none)", lo=0.0, hi=10.0),
            Key("position_cap", "float", 0.10, "one decision's size, fraction of book equity", lo=0.0, hi=1.0, lo_open=True),
            Key("symbol_cap", "float", 0.20, "adds to a position stop here (>= position_cap)", lo=0.0, hi=1.0, lo_open=True),
            Key("gross_cap", "float", 1.0, "sum of |weights| across the book", lo=0.0, hi=10.0, lo_open=True),
            Key("daily_loss_limit", "float", 0.02, "flat until the next UTC day after this loss on the day", **UNIT),
            Key("max_drawdown", "float", 0.15, "flat after this drawdown from the peak ...", **UNIT),
            Key("drawdown_cooloff", "str", "7d", '... for this long, then resume from a new peak ("" = for the rest of the run)'),
            Key("max_hold", "str", "3d", 'time stop ("" = none)'),
            Key("min_hold", "str", "1d", 'no reversal before this age ("" = reverse at once)'),
            Key("pyramid", "bool", True, "same-direction decisions add up to symbol_cap"),
            Key("trailing_stop", "float", 0.0, "trailing stop distance from the best price since entry (0 = none)",
                **UNIT),
            Key("intrabar", "str", "nearest_first", 'a bar reaching both stop and take profit: "nearest_first" (the '
                'extreme nearer the open came first) or "stop_first" (conservative)',
                choices=("nearest_first", "stop_first")),
        ), help="stops and book limits (the simulator applies them)"),
        Section("execution", (
            Key("order_type", "str", "market", '"market", "limit", "stop" or "stop_limit" entries (exits are always '
                'market)', choices=("market", "limit", "stop", "stop_limit")),
            Key("limit_offset", "float", 1.0, "a limit entry rests this far inside the decision close; a stop or "
                "stop-limit entry's stop this far beyond it", lo=0.0, hi=1000.0),
            Key("stop_limit_offset", "float", 0.0, "a stop-limit entry's limit lies this far beyond its stop (same "
                "unit; 0 = at the stop)", lo=0.0, hi=1000.0),
            Key("limit_offset_unit", "str", "ticks", '"ticks" or "spreads" (quoted spreads)', choices=("ticks", "spreads")),
            Key("limit_timeout", "str", "15m", 'a resting entry order (limit, stop, stop-limit) lives this long ("" = '
                "until cancelled)"),
            Key("timeout_action", "str", "cancel", '"cancel" the entry at the time-out, or "cross" (fill at market)',
                choices=("cancel", "cross")),
            Key("time_in_force", "str", "gtc", '"gtc" (the time-out alone), "day" (also expires with the UTC day) or '
                '"ioc" (only the next bar may fill it)', choices=("gtc", "day", "ioc")),
        ), help="order types of layer 8"),
        _layer("quality", "layer 1: market quality gate",
            Key("min_composite", "float", 0.5, "MQScore composite at least this", **UNIT),
            Key("min_liquidity", "float", 0.3, "MQScore liquidity at least this", **UNIT),
            Key("block_crisis", "bool", True, "no trades in the HIGH_VOLATILITY_LOW_LIQUIDITY regime"),
            Key("max_data_quality", "float", 0.9, "data-quality anomaly score at most this", **UNIT),
            Key("use_regime_model", "bool", True, "regime from the regime model when one is trained"),
        ),
        _layer("signals", "layer 2: strategy signals",
            Key("strategies", "list[str]", ["all"], 'strategy names or groups, e.g. ["breakout", "vwap_reversion"]'),
            Key("min_confidence", "float", 0.57, "a strategy's confidence at least this", **UNIT),
        ),
        _layer("meta", "layer 3: strategy weights",
            Key("max_anomaly", "float", 0.8, "anomaly score above this skips the bar", **UNIT),
            Key("weights", "str", "regime_table", "strategy weights: regime table (meta_selector model when trained), "
                "equal, or the model", choices=("regime_table", "equal", "model")),
        ),
        _layer("aggregate", "layer 4: weighted vote",
            Key("threshold", "float", 0.3, "|weighted vote| above this decides a direction", **UNIT),
            Key("min_mean_confidence", "float", 0.5, "mean confidence of the voters at least this", **UNIT),
        ),
        _layer("governance", "layer 5: router and governor",
            Key("min_probability", "float", 0.6, "act when P(direction) > this", lo=0.5, hi=1.0),
            Key("min_confidence", "float", 0.7, "and the router's confidence >= this", **UNIT),
        ),
        _layer("risk", "layer 6: risk filter",
            Key("min_confidence", "float", 0.57, "router confidence at least this", **UNIT),
            Key("min_multiplier", "float", 0.3, "risk multiplier at least this", **UNIT),
            Key("block_adverse", "bool", True, "no trades when the risk class is adverse"),
            Key("block_low_quality", "bool", True, "no trades in the LOW_QUALITY_CHOPPY regime"),
            Key("low_liquidity", "float", 0.3, "liquidity below this is flagged and refused", **UNIT),
        ),
        _layer("sizing", "layer 7: position size",
            Key("method", "str", "kelly", '"kelly" (the original quarter Kelly) or "vol_target"', choices=("kelly", "vol_target")),
            Key("kelly_fraction", "float", 0.25, "fraction of the Kelly bet", lo=0.0, hi=1.0, lo_open=True),
            Key("min_fraction", "float", 0.001, "floor of the Kelly fraction: f = max(min_fraction, ...)", **UNIT),
            Key("favourable", "float", 1.2, "size multiplier in a favourable risk class", lo=0.0, hi=5.0),
            Key("adverse", "float", 0.5, "size multiplier in an adverse risk class", lo=0.0, hi=5.0),
            Key("vol_target", "float", 0.01, 'daily volatility per position for method = "vol_target"', lo=0.0, hi=1.0,
                lo_open=True),
        ),
        Section("layers.execution", (
            Key("enabled", "bool", True, "always true: execution turns targets into trades"),
            FUNCTION,
        ), help="layer 8: book limits and fills"),
        Section("report", (
            Key("figures", "bool", True, "write the PNG figures"),
            Key("html", "bool", True, "write report.html"),
            Key("max_points", "int", 4000, "points per plotted line", lo=100),
        ), help="what the report writes"),
    ),
    # "original" is the original system verbatim: positions live until stop-loss / take-profit or an
    # opposite decision reverses them. Minute signals reverse within minutes and each reversal pays two
    # commissions and two slippages, so that book bleeds into its drawdown stop. "default" keeps every
    # layer threshold and adds execution rules beside them: no reversal before a position is a day old
    # (stops, take-profits and book limits still close it at any time), a 3-day time stop, and a 7-day
    # pause after the 15 % drawdown stop instead of the end of trading. docs/pipeline.md shows both.
    profiles={
        "default": {},
        "original": {"risk": {"max_hold": "", "min_hold": "", "drawdown_cooloff": ""}},
    },
)
