"""The schemas of ``nexus sweep``: a pipeline sweep (``sweep.toml``) and a one-strategy sweep (``sweep_sma.toml``).

:data:`PIPELINE_SWEEP` (a file with a ``[backtest]`` table; the shipped
``sweep.toml``) sweeps keys of the backtest config, each combination run by
``nexus backtest``'s pipeline; its ``[grid]`` keys are backtest keys, checked
against :data:`nexus.config.BACKTEST`. :data:`SWEEP` is the one-strategy sweep
over one series; its defaults are the shipped ``sweep_sma.toml``. ``[data]`` and ``[costs]`` use the
backtest's key definitions (:mod:`nexus.config.common`), spelled as sweep.toml
spells them (``fees``, ``init_cash``). ``[grid]`` is open: its keys are the
strategy's parameters, checked by ``nexus sweep`` against the strategy.

>>> SWEEP.key("costs.fees").allowed()
'a number 0 <= x <= 0.1'
"""

from __future__ import annotations

from nexus.config.common import CAPITAL, END, FEE, PROGRESS, SEED, SLIPPAGE, START
from nexus.config.schema import Key, Schema, Section
from nexus.errors import ConfigError

# the short names of nexus.sweep.METRICS (a test keeps the two equal)
METRIC_NAMES = ("sharpe", "sortino", "calmar", "total_return", "cagr", "max_drawdown")
COUNT = {"lo": 0}

# [sweep] and [output] keys both sweep files hold with one meaning (check_sweep_section reads them in both)
METHOD = Key("method", "str", "grid", "grid (every combination) or random (n_iter of them, drawn with seed)",
             choices=("grid", "random"))
N_ITER = Key("n_iter", "int", 0, "combinations drawn by method = random", **COUNT)
ADDRESS = Key("address", "str", "", 'ray: join this cluster (e.g. "ray://head:10001"); empty starts a local one')
NUM_CPUS = Key("num_cpus", "int", 0, "ray, local instance: CPUs to use (0 = all)", **COUNT)
PBO_BLOCKS = Key("pbo_blocks", "int", 16, "CSCV blocks for the probability of backtest overfitting", **COUNT)
TOP = Key("top", "int", 10, "rows printed", **COUNT)

SWEEP = Schema(
    file="sweep_sma.toml",
    example="costs.fees=0.002",
    sections=(
        Section("data", (
            Key("symbol", "str", "BTCUSDT", "any symbol in the store (`nexus data info`)"),
            Key("timeframe", "str", "1m", "bar timeframe of the series"),
            START,
            END,
        ), help="the series swept over"),
        Section("strategy", (
            Key("name", "str", "sma_crossover", "any registered strategy or baseline (docs/strategies.md)"),
            Key("direction", "str", "long", "long, short or both (-1 also opens a short)", choices=("long", "short", "both")),
        ), help="the strategy whose parameters are swept"),
        Section("sweep", (
            METHOD,
            N_ITER,
            Key("metric", "str", "sharpe", "the statistic that ranks the combinations", choices=METRIC_NAMES),
            SEED,
            Key("where", "list[str]", [], 'constraints "name OP name-or-number", OP one of < <= > >= == != '
                '(sma_crossover with fast and slow: "fast < slow" when empty)'),
            Key("engine", "str", "local", "local or ray", choices=("local", "ray")),
            ADDRESS,
            NUM_CPUS,
            Key("chunk_columns", "int", 0, "combinations per simulator call; 0 = chosen from free memory", **COUNT),
            PBO_BLOCKS,
        ), help="how the combinations are drawn, run and ranked"),
        Section("costs", (
            FEE.named("fees"),
            SLIPPAGE,
            Key("slippage_model", "str", "fixed", '"fixed": `slippage` x price; "spread": `slippage` x the fill bar\'s '
                'high - low; "volume": square-root impact `slippage` x price x sqrt(size / volume)',
                choices=("fixed", "spread", "volume")),
            Key("price", "str", "next_open", "fill price", choices=("next_open", "close", "next_worst")),
            CAPITAL.named("init_cash", default=10_000.0),
        ), help="what a fill costs"),
        Section("output", (
            Key("folder", "str", "sweeps", "results.parquet, results.csv, heatmap.png, sweep.json"),
            TOP,
            Key("heatmap", "bool", True, "first two swept parameters, the others at the best row's values"),
            PROGRESS,
        ), help="what the sweep writes"),
        Section("grid", (), open=True,
                help="parameter = [values] | value | {from, to, step} (inclusive) | {steps = n}; without [grid] "
                     "in the file, sma_crossover sweeps fast 5..50 step 5 and slow 20..200 step 20"),
    ),
)

PIPELINE_SWEEP = Schema(
    file="sweep.toml",
    example="sweep.metric=sortino",
    sections=(
        Section("backtest", (
            Key("config", "str", "", 'base backtest TOML ("" = the built-in defaults, as `nexus backtest`)'),
            Key("set", "list[str]", [], 'overrides of the base, as `nexus backtest --set`, e.g. ["run.start=2026-09-01"]'),
            Key("book", "str", "", 'the book whose statistics rank the combinations ("" = the first)'),
        ), help="the backtest every combination starts from"),
        Section("sweep", (
            METHOD,
            N_ITER,
            Key("metric", "str", "sharpe", "the statistic that ranks the combinations (walk-forward: the objective)",
                choices=METRIC_NAMES),
            SEED,
            Key("engine", "str", "local", "local (a process pool) or ray", choices=("local", "ray")),
            ADDRESS,
            NUM_CPUS,
            Key("workers", "int", 0, "local: processes (0 = the CPUs, at most 2, no more than the groups of "
                "combinations that differ in layers 1-7; 1 = this process)", **COUNT),
            Key("chunk", "int", 0, "combinations per task (0 = spread evenly over the workers)", **COUNT),
            PBO_BLOCKS,
            Key("n_boot", "int", 1000, "stationary-bootstrap resamples for the intervals", lo=10),
            Key("level", "float", 0.9, "bootstrap interval level", lo=0.5, hi=1.0, hi_open=True),
            Key("yes", "bool", False, "run a grid above 2,000 combinations"),
        ), help="how the combinations are drawn, run and ranked"),
        Section("walk_forward", (
            Key("windows", "int", 0, "0 = a plain sweep; n: choose on each in-sample window, trade the next", **COUNT),
            Key("train_ratio", "float", 3.0, "in-sample length over out-of-sample length", lo=0.0, lo_open=True),
            Key("anchored", "bool", False, "in-sample windows grow from the first day instead of sliding"),
        ), help="walk-forward optimisation over the same grid"),
        Section("output", (
            Key("folder", "str", "sweeps", "results.parquet, results.csv, best.toml, sweep.json"),
            TOP,
            PROGRESS,
            Key("runs", "str", "runs", 'run records: the sweep writes a folder here ("" = none)'),
        ), help="what the sweep writes"),
        Section("grid", (), open=True,
                help='backtest key = [values] | value | {from, to, step} | {steps = n}, e.g. "risk.stop_loss" = [0.01, 0.02]'),
    ),
)


def check_sweep_section(cfg: dict, where: str) -> None:
    """The rules across keys of a resolved ``[sweep]`` section, shared by both sweep files."""
    s = cfg["sweep"]
    if s["method"] == "random" and s["n_iter"] < 1:
        raise ConfigError(f"{where}: sweep.method = 'random' needs sweep.n_iter >= 1")
    if s["method"] == "grid" and s["n_iter"]:
        raise ConfigError(f"{where}: sweep.n_iter applies to method = 'random' only; set it to 0 or switch method")
    if s["address"] and s["engine"] != "ray":
        raise ConfigError(f"{where}: sweep.address is for engine = 'ray'")
