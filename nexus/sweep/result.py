"""Sweep results: the table (pandas / polars), the best row, overfitting statistics, heatmaps."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from nexus.errors import ConfigError


@dataclass
class SweepResult:
    """One row per parameter combination, sorted by ``metric`` (best first).

    ``trial_returns`` is the [days, combinations] matrix of daily returns in
    the table's original (unsorted) column order, kept for the overfitting
    statistics; ``overfitting`` holds PSR / DSR of the best row and PBO.
    """

    table: pd.DataFrame
    metric: str
    params: list[dict]
    trial_returns: np.ndarray
    overfitting: dict[str, float] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def metric_key(self) -> str:
        """The statistics column the table is sorted by, e.g. 'Sharpe Ratio'."""
        return self.meta.get("metric_key", self.metric)

    @property
    def best(self) -> pd.Series:
        return self.table.iloc[0]

    @property
    def best_params(self) -> dict:
        return dict(self.params[int(self.table.iloc[0]["combo"])])

    def to_polars(self):
        import polars as pl

        return pl.from_pandas(self.table.reset_index())

    def heatmap(self, x: str, y: str, *, value: str | None = None, fixed: dict | None = None, path: str | None = None, ax=None):
        """Heatmap of ``value`` (default: the sweep metric) over two parameters.

        Other parameters are fixed at ``fixed`` (default: the best row's values).
        """
        import matplotlib.pyplot as plt

        value = value or self.metric_key
        names = list(self.table.index.names)
        for p in (x, y):
            if p not in names:
                raise ConfigError(f"heatmap: {p!r} is not a swept parameter; swept: {names}")
        flat = self.table.reset_index()
        fixed = dict(fixed or {k: v for k, v in self.best_params.items() if k not in (x, y)})
        for k, v in fixed.items():
            flat = flat[flat[k] == v]
        grid = flat.pivot_table(index=y, columns=x, values=value, aggfunc="first").sort_index()
        own = ax is None
        if own:
            fig, ax = plt.subplots(figsize=(7, 5))
        im = ax.imshow(grid.to_numpy(dtype=float), origin="lower", aspect="auto", cmap="RdYlGn")
        ax.set_xticks(range(grid.shape[1]), [str(c) for c in grid.columns], rotation=45)
        ax.set_yticks(range(grid.shape[0]), [str(i) for i in grid.index])
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        title = f"{value}" + (f" ({', '.join(f'{k}={v}' for k, v in fixed.items())})" if fixed else "")
        ax.set_title(title)
        ax.figure.colorbar(im, ax=ax)
        if own and path:
            ax.figure.savefig(path, dpi=110, bbox_inches="tight")
            plt.close(ax.figure)
        return ax

    def summary(self, top: int = 10) -> str:
        of = self.overfitting
        lines = [
            f"sweep: {len(self.table)} combinations, sorted by {self.metric_key}",
            self.table.head(top).to_string(float_format=lambda v: f"{v:.4g}"),
        ]
        if of:
            lines.append(
                "overfitting: PSR {psr:.3f}  DSR {dsr:.3f}  (trials {n_trials:.0f}, E[max SR] {expected_max_sharpe:.4f} per day)"
                .format(**of) + (f"  PBO {of['pbo']:.3f}" if "pbo" in of else "")
            )
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.summary(5)


def overfitting_line(of: dict[str, float]) -> str:
    """PSR / DSR / PBO of a sweep on one line (what `nexus sweep` prints)."""
    if not of:
        return "overfitting: not enough days or trials for PSR / DSR / PBO"
    parts = []
    if "psr" in of:
        parts.append(f"PSR {of['psr']:.3f}  DSR {of['dsr']:.3f} (trials {of['n_trials']:.0f}, "
                     f"daily SR {of['sharpe']:.4f}, E[max SR] {of['expected_max_sharpe']:.4f}, "
                     f"skew {of['skew']:.3f}, kurtosis {of['kurtosis']:.3f} raw, {of['n_obs']:.0f} days)")
    if "pbo" in of:
        parts.append(f"PBO {of['pbo']:.3f} ({of['pbo_blocks']:.0f} blocks)")
    return "overfitting: " + "  ".join(parts)
