"""Configs are data: `function = "name"` resolves only through registered names and plugin entry points."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nexus.errors import ConfigError
from nexus.pipeline import LayerOutput, backtest, register_function
from nexus.pipeline import chain
from nexus.pipeline import reasons as R
from tests.pipeline.conftest import small_config

ROOT = Path(__file__).resolve().parents[2]


def _longs_only(ctx):
    keep = ctx.get("direction") > 0
    return LayerOutput(keep, np.where(keep, 0, R.ADVERSE_RISK).astype(np.uint8),
                       {"risk_class": np.ones(ctx.m, np.int8), "multiplier": np.ones(ctx.m)})


def _cfg(root, fn_name):
    cfg = small_config(root, layers__risk={"function": fn_name})
    cfg.books = cfg.books[:1]
    cfg.books[0].symbols = ["BTCUSDT/1m", "ETHUSDT/1m"]
    return cfg


def test_registered_name_replaces_a_layer(small_store):
    register_function("test_longs_only", _longs_only)
    res = backtest(_cfg(small_store, "test_longs_only"))
    assert len(res.main.trades) > 0 and (res.main.trades["direction"] == "long").all()
    assert int(res.main.reasons.loc["6 adverse_risk", "total"]) > 0


def test_a_module_path_in_a_config_is_never_imported(tmp_path):
    # a module in the working directory that would leave a trace if a config could import it
    (tmp_path / "evil_layer.py").write_text(
        "from pathlib import Path\nPath(__file__).with_name('IMPORTED').write_text('ran')\ndef fn(ctx):\n    return None\n")
    code = (
        "from nexus.pipeline.chain import load_function\n"
        "from nexus.errors import ConfigError\n"
        "try:\n    load_function('evil_layer:fn', 'cfg.toml: [layers.risk]')\n"
        "except ConfigError as e:\n    print(e)\n"
    )
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}"}
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "is not a registered pipeline function (a config never imports a module path)" in proc.stdout
    assert "register_function('fn', fn)" in proc.stdout and "nexus.pipeline_functions" in proc.stdout
    assert not (tmp_path / "IMPORTED").exists()


def test_unknown_name_lists_the_known_ones():
    register_function("test_known_layer", _longs_only)
    with pytest.raises(ConfigError, match=r"\[layers.meta\]: function = 'nope' is not a registered.*test_known_layer"):
        chain.load_function("nope", "x.toml: [layers.meta]")
    with pytest.raises(ConfigError, match="plain non-empty name"):
        register_function("pkg.mod:fn", _longs_only)


def test_plugin_entry_point_is_loaded_by_name(monkeypatch):
    ep = importlib.metadata.EntryPoint(name="plugin_longs", value="tests.pipeline.test_config_functions:_longs_only",
                                       group=chain.ENTRY_POINT_GROUP)
    broken = importlib.metadata.EntryPoint(name="plugin_broken", value="tests.pipeline.no_such_module:fn",
                                           group=chain.ENTRY_POINT_GROUP)
    real = importlib.metadata.entry_points

    def fake(**kw):
        if kw.get("group") == chain.ENTRY_POINT_GROUP:
            return importlib.metadata.EntryPoints([ep, broken])
        return real(**kw)

    monkeypatch.setattr(importlib.metadata, "entry_points", fake)
    assert "plugin_longs" in chain.registered_functions()
    assert chain.load_function("plugin_longs", "x") is _longs_only
    with pytest.raises(ConfigError, match="plugin entry point 'tests.pipeline.no_such_module:fn' fails to load"):
        chain.load_function("plugin_broken", "x")
