"""``nexus config show`` and the key tables of docs/pipeline.md."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from nexus.cli import main
from nexus.commands.sweep import load_config
from nexus.config import BACKTEST, SWEEP, markdown_table, to_toml
from nexus.config.render import sync_doc, toml_value
from nexus.pipeline.config import BacktestConfig

ROOT = Path(__file__).resolve().parents[2]


def show(capsys, *argv) -> tuple[int, str, str]:
    rc = main(["config", "show", *argv])
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_show_defaults_is_the_resolved_default_config(capsys):
    rc, out, _ = show(capsys, "--defaults")
    assert rc == 0
    assert tomllib.loads(out) == BacktestConfig.from_dict({}).to_dict()
    assert out.startswith('profile = "default"\n\n[run]\nstore = "data/bars"\n')
    assert out.count("[[books]]") == 3 and "[layers.sizing]\nenabled = true\nmethod = \"kelly\"\n" in out


def test_show_file_with_sets_reads_back_to_the_same_config(capsys, tmp_path):
    cfg = tmp_path / "bt.toml"
    cfg.write_text('profile = "original"\n[[books]]\nname = "eth"\nsymbols = ["ETHUSDT/1m"]\n')
    rc, out, _ = show(capsys, "--config", str(cfg), "--set", "risk.stop_loss=0.03", "--set", "run.start=2026-06-01")
    assert rc == 0
    again = BacktestConfig.from_dict(tomllib.loads(out))
    expected = BacktestConfig.from_toml(cfg, ["risk.stop_loss=0.03", "run.start=2026-06-01"])
    assert again.to_dict() == expected.to_dict()
    assert again.risk.stop_loss == 0.03 and again.risk.min_hold == "" and again.run.start == "2026-06-01"
    assert [b.name for b in again.books] == ["eth"]


def test_show_sweep_file_and_schema_flag(capsys):
    rc, out, _ = show(capsys, "--config", str(ROOT / "sweep_sma.toml"))
    assert rc == 0
    assert tomllib.loads(out) == load_config(ROOT / "sweep_sma.toml")
    assert "[grid]\nfast = [5, 10, 15, 20, 25, 30, 35, 40, 45, 50]\n" in out
    # the shipped sweep.toml has a [backtest] table: a pipeline sweep, its grid keys backtest keys
    rc, out, _ = show(capsys, "--config", str(ROOT / "sweep.toml"), "--set", "sweep.workers=1")
    assert rc == 0
    shown = tomllib.loads(out)
    assert shown["sweep"]["workers"] == 1 and shown["grid"]["risk.stop_loss"] == [0.01, 0.02, 0.03]
    rc, out2, _ = show(capsys, "--schema", "sweep", "--defaults", "--set", "costs.fees=0.002")
    assert rc == 0 and tomllib.loads(out2)["costs"]["fees"] == 0.002


@pytest.mark.parametrize("argv, err", [
    (["--set", "risk.stop_loss=-0.1"], "nexus: error: --set: risk.stop_loss = -0.1 is out of range: allowed 0 <= x <= 1"),
    (["--set", "risk.stop_loss"], "nexus: error: --set 'risk.stop_loss': expected SECTION.KEY=VALUE, e.g. --set risk.stop_loss=0.03"),
    (["--schema", "sweep", "--set", "costs.fee=0.1"],
     "nexus: error: --set: unknown key costs.fee: allowed keys in [costs]: fees, slippage, price, init_cash"),
    (["--defaults", "--config", "backtest.toml"], "nexus: error: config show: give --config FILE or --defaults, not both"),
])
def test_show_errors_are_one_line_with_status_2(capsys, argv, err):
    rc, out, got = show(capsys, *argv)
    assert rc == 2 and out == "" and got == err + "\n"


def test_show_bad_file_names_it(capsys, tmp_path):
    cfg = tmp_path / "bt.toml"
    cfg.write_text("[risk]\nstop_loss = -0.1\n")
    rc, _, err = show(capsys, "--config", str(cfg))
    assert rc == 2 and err == f"nexus: error: {cfg}: risk.stop_loss = -0.1 is out of range: allowed 0 <= x <= 1\n"


def test_backtest_and_sweep_commands_refuse_a_bad_set_the_same_way(capsys):
    assert main(["backtest", "--set", "risk.stop_loss=-0.1"]) == 2
    assert capsys.readouterr().err == "nexus: error: --set: risk.stop_loss = -0.1 is out of range: allowed 0 <= x <= 1\n"
    assert main(["sweep", "--set", "costs.fees=-0.1"]) == 2
    assert capsys.readouterr().err == "nexus: error: --set: costs.fees = -0.1 is out of range: allowed 0 <= x <= 0.1\n"


def test_toml_writer_round_trips_every_kind():
    data = {"s": 'a "quoted" \\ path\n', "b": False, "i": -3, "f": 1e-05, "big": 1e16, "l": ["x", "y"],
            "t": {"from": 5, "to": 50, "step": 0.5}, "e": [], "key with space": 1}
    text = "\n".join(f"{toml_value(k) if ' ' in k else k} = {toml_value(v)}" for k, v in data.items())
    assert tomllib.loads(text) == data
    assert toml_value(float("inf")) == "inf" and toml_value(float("-inf")) == "-inf"
    with pytest.raises(TypeError, match="cannot write"):
        toml_value(object())


def test_key_table_lists_every_key_once():
    table = markdown_table(BACKTEST)
    rows = table.splitlines()[2:]
    assert len(rows) == sum(1 for _ in BACKTEST.keys())
    assert "| `risk.stop_loss` | float | `0.02` | 0 <= x <= 1 | stop-loss distance" in table
    assert '| `risk.max_hold` | str | `"3d"` (`original`: `""`) | - |' in table
    assert "| `grid.*` | any | - | - |" in markdown_table(SWEEP)


def test_docs_key_tables_match_the_schema():
    doc = ROOT / "docs" / "pipeline.md"
    text = doc.read_text()
    assert markdown_table(BACKTEST) in text and markdown_table(SWEEP) in text
    assert sync_doc(text) == text, (
        "docs/pipeline.md's key tables differ from nexus.config's schemas; regenerate them with "
        "`.venv/bin/python -m nexus.config docs/pipeline.md` and commit the result")


def test_sync_doc_rewrites_a_stale_table_and_leaves_the_rest():
    text = (ROOT / "docs" / "pipeline.md").read_text()
    stale = text.replace("| `risk.stop_loss` | float | `0.02` |", "| `risk.stop_loss` | float | `0.05` |")
    assert stale != text and sync_doc(stale) == text
    assert sync_doc("no markers here\n") == "no markers here\n"
    assert to_toml(SWEEP, SWEEP.defaults()).endswith("[grid]\n")
