"""A small synthetic store with about three weeks of minutes: enough days for PSR / DSR / PBO and walk-forward."""

from __future__ import annotations

import pytest

SCALE = 0.03


@pytest.fixture(scope="session")
def sweep_store(tmp_path_factory):
    from nexus.data.sources.synth import build_default_store
    from nexus.data.store import BarStore

    root = tmp_path_factory.mktemp("sweep_store")
    build_default_store(BarStore(root, fsync=False), symbols=["BTCUSDT", "ETHUSDT", "NQ"], scale=SCALE, progress=False)
    return root


def sweep_base(root) -> dict:
    """A two-book backtest over the small store: two pairs on the minute clock, NQ hourly; rules only."""
    return {"run": {"store": str(root), "use_models": False, "progress": False, "models": f"{root}/no-models"},
            "books": [{"name": "main", "symbols": ["BTCUSDT/1m", "ETHUSDT/1m"], "clock": "1m", "capital": 1e6},
                      {"name": "NQ-1h", "symbols": ["NQ/1h"], "clock": "1h", "capital": 1e6}]}
