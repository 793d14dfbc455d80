"""``paper.toml`` -> the backtest config a session runs (its one book, its store) and the live loop's settings.

>>> pc = load_paper(None, ["paper.poll_seconds=5"])
>>> pc.settings().poll_seconds, pc.book["symbols"][0]
(5.0, 'BTCUSDT/1m')
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nexus.config.literal import read_toml
from nexus.config.paper import PAPER
from nexus.errors import ConfigError
from nexus.paper.live import LiveSettings


@dataclass
class PaperConfig:
    paper: dict[str, Any]
    book: dict[str, Any]
    source: str

    def backtest(self, store: str | None = None) -> Any:
        """The backtest config named by ``paper.backtest`` with ``[book]`` as its only book and ``store``
        (default ``paper.store``) as its store."""
        from nexus.pipeline.config import BacktestConfig, BookConfig

        path = Path(self.paper["backtest"])
        cfg = BacktestConfig.from_toml(path) if path.is_file() else None
        if cfg is None:
            if self.paper["backtest"] != PAPER.key("paper.backtest").default:
                raise ConfigError(f"{self.source}: paper.backtest = {str(path)!r} does not exist; name a backtest "
                                  "config (e.g. backtest.toml)")
            cfg = BacktestConfig.from_dict({}, source="<defaults>")
        cfg.books = [BookConfig(**self.book)]
        cfg.run.store = store or self.paper["store"]
        cfg.validate()
        return cfg

    def settings(self) -> LiveSettings:
        p = self.paper
        return LiveSettings(poll_seconds=float(p["poll_seconds"]), late_seconds=float(p["late_seconds"]),
                            gap_limit=int(p["gap_limit"]), on_gap=p["on_gap"], max_retries=int(p["max_retries"]),
                            backoff_seconds=float(p["backoff_seconds"]))


def load_paper(path: str | Path | None, sets: list[str] | None = None) -> PaperConfig:
    """Read and check ``paper.toml`` (None: the defaults) with ``--set`` overrides."""
    data = read_toml(path, "pass --config PATH or copy paper.toml from the repository root") if path else {}
    source = str(path) if path else "<defaults>"
    r = PAPER.resolve(data, source, sets or ())
    return PaperConfig(r["paper"], r["book"], source)
