"""A report folder is the old complete report or the new one, whatever moment the writer is killed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from nexus.errors import ConfigError
from nexus.report import write_report

ROOT = Path(__file__).resolve().parents[2]

# In one process: run the backtest once, then for every step k of writing the report fork a child that
# writes the new report and SIGKILLs itself at step k; the parent checks the folder after each death.
_SCRIPT = textwrap.dedent("""
    import hashlib, json, os, shutil, signal, sys
    from pathlib import Path
    from nexus.pipeline import backtest
    from tests import killpoints
    from nexus.report import write_report
    from tests.pipeline.conftest import small_config

    store, work = Path(sys.argv[1]), Path(sys.argv[2])
    cfg = small_config(store)
    cfg.books = cfg.books[:1]
    cfg.books[0].symbols = ["BTCUSDT/1m", "ETHUSDT/1m"]
    res = backtest(cfg, echo=False)

    def snap(folder):
        if not folder.is_dir():
            return None
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if not p.name.startswith(".")}

    write_report(res, work / "old_ref", figures=False, html=True)
    write_report(res, work / "new_ref", figures=True, html=True)
    old, new = snap(work / "old_ref"), snap(work / "new_ref")
    assert old != new

    def child(k, out):
        killpoints.install(k)
        write_report(res, out, figures=True, html=True)
        os._exit(3)

    out = work / "rep"
    def trial(k):
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(work / "old_ref", out)
        pid = os.fork()
        if pid == 0:
            try:
                child(k, out)
            finally:
                os._exit(4)
        _, status = os.waitpid(pid, 0)
        return status

    # a first child writes the whole report and reports how many kill points it passed
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(work / "old_ref", out)
        killpoints.install(0)
        write_report(res, out, figures=True, html=True)
        os.write(w, str(killpoints.count()).encode())
        os._exit(0)
    os.close(w)
    os.waitpid(pid, 0)
    total = int(os.read(r, 100))
    results = []
    # every 4th step while the files are written, every step of the fsync-and-swap at the end
    ks = sorted(set(range(1, total + 1, 4)) | set(range(max(1, total - 14), total + 1)))
    for k in ks:
        status = trial(k)
        got = snap(out)
        results.append({"k": k, "killed": os.WIFSIGNALED(status) and os.WTERMSIG(status) == 9,
                        "state": "old" if got == old else "new" if got == new else repr(sorted(got or {}))})
    print(json.dumps({"total": total, "results": results}))
""")


@pytest.mark.slow
def test_report_writer_killed_at_every_step_leaves_old_or_new_complete_report(small_store, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    proc = subprocess.run([sys.executable, "-c", _SCRIPT, str(small_store), str(tmp_path)], env=env,
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["total"] > 20  # every file write, fsync and the swap are kill points
    assert all(r["killed"] for r in out["results"])
    states = [r["state"] for r in out["results"]]
    assert set(states) <= {"old", "new"}, [r for r in out["results"] if r["state"] not in ("old", "new")]
    assert states[0] == "old" and states[-1] == "new"


def test_report_refuses_a_folder_holding_other_files(small_result, tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.md").write_text("keep me")
    with pytest.raises(ConfigError, match=r"holds files that are not part of a nexus report \(notes.md\)"):
        write_report(small_result, out, figures=False, html=False)
    assert (out / "notes.md").read_text() == "keep me"
    rep = tmp_path / "rep"
    write_report(small_result, rep, figures=False, html=True)
    first = json.loads((rep / "result.json").read_text())
    write_report(small_result, rep, figures=False, html=False)  # an earlier report is replaced whole
    assert not (rep / "report.html").exists()
    assert json.loads((rep / "result.json").read_text())["manifest"] == first["manifest"]
