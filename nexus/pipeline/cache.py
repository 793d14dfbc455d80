"""Stage results shared between backtests whose configs differ only in keys a stage does not read.

A sweep runs the same pipeline code as ``nexus backtest`` once per
combination; a :class:`StageCache` handed to :func:`nexus.pipeline.backtest`
lets combinations that agree on everything a stage reads reuse that stage's
result. :data:`STAGE_KEYS` names the config keys each stage reads (a stage's
cache key also holds the key of every stage it consumes), so a sweep over
risk keys computes bars, MQScore and signals once per series, and a sweep
over costs only re-runs the simulation.

Stages, upstream first:

- ``data``: the series' bars (``run.start``, ``run.end``).
- ``mqscore``: MQScore of the bars (no config key).
- ``signals``: the strategy signal matrix (``layers.signals.strategies``) and the SMA baseline signal.
- ``symbol``: layers 1-7 with inference (every ``layers.*`` key, ``run.warmup_bars``,
  ``run.use_models``, ``run.models``, and the sizing layer's ``risk.stop_loss``,
  ``risk.take_profit``, ``risk.position_cap``).
- ``clock``: the series placed on the book's clock (``books.clock``).
- ``simulation``: layer 8 and the simulator, which owns every book rule (every ``risk.*``, ``costs.*`` and
  ``execution.*`` key, the book's capital); ``limits`` names the rule keys alone, to group a sweep's
  combinations.
- ``baselines``: the simulator without the book's rules (every ``costs.*`` key, the book's capital).

Entries are dropped oldest first beyond ``max_entries`` per stage (a number, or one per
stage), which bounds memory when the sweep visits combinations grouped by their upstream
keys: a backtest's working set (one entry per series, per book, per baseline) is enough.

>>> c = StageCache()
>>> c.get("mqscore", "k", lambda: 41) + c.get("mqscore", "k", lambda: 0)
82
>>> c.hits["mqscore"], c.misses["mqscore"]
(1, 1)
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from typing import Any, Callable, Iterable

DATA_KEYS = ("run.start", "run.end")
SIGNAL_KEYS = ("layers.signals.strategies", "run.baselines")
SYMBOL_KEYS = ("layers", "run.warmup_bars", "run.use_models", "run.models", "risk.stop_loss", "risk.take_profit",
               "risk.position_cap")
LIMIT_KEYS = ("risk", "execution")
SIMULATION_KEYS = ("costs",)

STAGE_KEYS: dict[str, tuple[str, ...]] = {
    "data": DATA_KEYS,
    "mqscore": (),
    "signals": SIGNAL_KEYS,
    "symbol": SYMBOL_KEYS,
    "clock": ("books.clock", "run.trade_start"),
    "limits": LIMIT_KEYS,
    "simulation": LIMIT_KEYS + SIMULATION_KEYS,
    "baselines": SIMULATION_KEYS + ("run.baselines",),
}


def _pick(d: dict[str, Any], dotted: str) -> Any:
    cur: Any = d
    for part in dotted.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return None
        cur = cur[part]
    return cur


def config_key(resolved: dict[str, Any], keys: Iterable[str], *extra: Any) -> str:
    """A stable text key of the values of ``keys`` in a resolved config dict, plus ``extra`` parts."""
    vals = {k: _pick(resolved, k) for k in keys}
    return json.dumps([vals, [str(e) for e in extra]], sort_keys=True, default=str)


class StageCache:
    """Per-stage memo of results; ``enabled=False`` computes every time (what a single backtest uses)."""

    def __init__(self, enabled: bool = True, max_entries: int | dict[str, int] = 8) -> None:
        self.enabled = enabled
        # one number for every stage, or {stage: n} (stages not named keep 8)
        self.max_entries = dict(max_entries) if isinstance(max_entries, dict) else int(max_entries)
        self._data: dict[str, OrderedDict[str, tuple[Any, float]]] = {}
        self.hits: dict[str, int] = {}
        self.misses: dict[str, int] = {}
        self.computed_seconds: dict[str, float] = {}
        self.saved_seconds: dict[str, float] = {}

    def get(self, stage: str, key: str, compute: Callable[[], Any]) -> Any:
        if not self.enabled:
            return compute()
        d = self._data.setdefault(stage, OrderedDict())
        if key in d:
            d.move_to_end(key)
            value, seconds = d[key]
            self.hits[stage] = self.hits.get(stage, 0) + 1
            self.saved_seconds[stage] = self.saved_seconds.get(stage, 0.0) + seconds
            return value
        t0 = time.perf_counter()
        value = compute()
        dt = time.perf_counter() - t0
        self.misses[stage] = self.misses.get(stage, 0) + 1
        self.computed_seconds[stage] = self.computed_seconds.get(stage, 0.0) + dt
        d[key] = (value, dt)
        cap = self.max_entries.get(stage, 8) if isinstance(self.max_entries, dict) else self.max_entries
        while len(d) > cap:
            d.popitem(last=False)
        return value

    def report(self) -> dict[str, dict[str, float]]:
        """Per stage: computed, reused, seconds spent computing, seconds the reuse saved."""
        stages = list(dict.fromkeys([*self.misses, *self.hits]))
        return {s: {"computed": self.misses.get(s, 0), "reused": self.hits.get(s, 0),
                    "seconds": round(self.computed_seconds.get(s, 0.0), 3),
                    "saved_seconds": round(self.saved_seconds.get(s, 0.0), 3)} for s in stages}

    def clear(self) -> None:
        self._data.clear()


__all__ = ["StageCache", "STAGE_KEYS", "config_key"]
