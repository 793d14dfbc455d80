"""A small synthetic store holding every book shape of the default config, and its test config.

Crypto 1-minute pairs for a little over two days and a half, NQ 5m inside that
period (so the main book trades NQ on the minute clock), NQ 1h and NQ 1d long
enough for a warm-up and a span. ``run.warmup_bars`` is 50 and models are
off, to keep the replays inside the CI budget.
"""

from __future__ import annotations

import pytest

SCALE = 0.004
SEED = 23
WARMUP_BARS = 50


@pytest.fixture(scope="session")
def paper_store(tmp_path_factory):
    from nexus.data.sources.synth import build_default_store, generate
    from nexus.data.store import BarStore

    root = tmp_path_factory.mktemp("paper_store")
    store = BarStore(root)
    build_default_store(store, scale=SCALE, seed=SEED, progress=False)
    for tf, n in (("5m", 900), ("1h", 420), ("1d", 300)):
        nq, _ = generate("NQ", tf, n=n, seed=SEED)
        store.write(nq, overwrite=True, source="synthetic")
    return root


def paper_config(root, **extra):
    """The default books over the small store, models off, quiet."""
    from nexus.pipeline.config import BacktestConfig

    data = {"run": {"store": str(root), "use_models": False, "progress": False, "models": str(root) + "/no-models",
                    "warmup_bars": WARMUP_BARS}}
    for key, value in extra.items():
        section, _, field = key.partition("__")
        data.setdefault(section, {})[field] = value
    return BacktestConfig.from_dict(data)
