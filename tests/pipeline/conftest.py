"""A small fixed synthetic store shared by the end-to-end pipeline tests."""

from __future__ import annotations

import pytest

SCALE = 0.003
SEED = 11
NQ_5M_BARS = 600


@pytest.fixture(scope="session")
def small_store(tmp_path_factory):
    from nexus.data.sources.synth import build_default_store
    from nexus.data.store import BarStore

    from nexus.data.sources.synth import generate

    root = tmp_path_factory.mktemp("pipeline_store")
    store = BarStore(root)
    build_default_store(store, scale=SCALE, seed=SEED, progress=False)
    # enough NQ 5m bars to pass MQScore's warm-up inside the crypto period, so NQ trades in the main book
    nq, _ = generate("NQ", "5m", n=NQ_5M_BARS, seed=SEED)
    store.write(nq, overwrite=True, source="synthetic")
    return root


def small_config(root, **extra):
    """Defaults over the small store, models off (no registry), quiet."""
    from nexus.pipeline.config import BacktestConfig

    data = {"run": {"store": str(root), "use_models": False, "progress": False, "models": str(root) + "/no-models"}}
    for key, value in extra.items():
        section, _, field = key.partition("__")
        data.setdefault(section, {})[field] = value
    return BacktestConfig.from_dict(data)
