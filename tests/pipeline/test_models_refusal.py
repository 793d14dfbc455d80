"""`nexus backtest --models DIR`: a named registry must exist, list models and load; fallback only when asked."""

from __future__ import annotations

import json

from nexus.cli import main as cli_main
from tests.models.test_registry import _save_vol_model

CRYPTO2 = "BTCUSDT/1m,ETHUSDT/1m"


def _run(store, models, tmp_path, *extra):
    return cli_main(["--store", str(store), "backtest", "--symbols", CRYPTO2, "--models", str(models),
                     "--out", str(tmp_path / "rep"), "--quiet", *extra])


def test_missing_or_empty_registry_named_on_the_cli_exits_2(small_store, tmp_path, capsys):
    assert _run(small_store, tmp_path / "nowhere", tmp_path) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no model registry at" in err and "nowhere" in err and "--no-models" in err
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "manifest.json").write_text(json.dumps({"version": 1, "models": {}}))
    assert _run(small_store, empty, tmp_path) == 2
    assert "lists no models" in capsys.readouterr().err
    assert not (tmp_path / "rep").exists()  # refused before anything ran or was written


def test_refused_model_stops_the_run_unless_fallback_is_allowed(small_store, tmp_path, capsys):
    reg = tmp_path / "reg"
    _save_vol_model(reg)
    path = reg / "volatility_forecast.ubj"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    assert _run(small_store, reg, tmp_path) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "does not match its sha256" in err and "--allow-fallback" in err
    assert _run(small_store, reg, tmp_path, "--allow-fallback") == 0
    err = capsys.readouterr().err
    assert "volatility_forecast: model refused, rule fallback" in err and "sha256" in err
    result = json.loads((tmp_path / "rep" / "result.json").read_text())
    assert result["models"]["volatility_forecast"].startswith("refused (") and "rule fallback" in result["models"]["volatility_forecast"]
