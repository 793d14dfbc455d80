"""Every report file is written, readable and consistent with the result; the HTML embeds every figure."""

from __future__ import annotations

import base64
import json
import struct
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from nexus.report.figures import FIGURES

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class ImgParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs))


def png_size(blob: bytes) -> tuple[int, int]:
    assert blob[:8] == PNG_MAGIC
    assert blob[12:16] == b"IHDR"
    return struct.unpack(">II", blob[16:24])


@pytest.fixture(scope="module")
def written(small_result, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    return small_result.report(out), out


def test_all_files_present(written):
    paths, out = written
    for name in ("summary.txt", "result.json", "trades.parquet", "trades.csv", "report.html"):
        assert (out / name).stat().st_size > 0, name
    for name in FIGURES:
        blob = (out / f"{name}.png").read_bytes()
        w, h = png_size(blob)
        assert w > 200 and h > 100, name


def test_trade_log_matches_result(written, small_result):
    _, out = written
    pq = pd.read_parquet(out / "trades.parquet")
    csv = pd.read_csv(out / "trades.csv")
    tr = small_result.trades
    assert len(pq) == len(csv) == len(tr) > 0
    np.testing.assert_allclose(pq["pnl"].to_numpy(), tr["pnl"].to_numpy())
    np.testing.assert_allclose(csv["pnl"].to_numpy(), tr["pnl"].to_numpy(), rtol=1e-9)
    # trade P&L of a book adds up to the P&L in the portfolio's trade records
    for name, b in small_result.books.items():
        assert pq.loc[pq["book"] == name, "pnl"].sum() == pytest.approx(float(b.portfolio.trades["pnl"].sum()))


def test_json_round_trip(written, small_result):
    _, out = written
    d = json.loads((out / "result.json").read_text())
    assert set(d["books"]) == set(small_result.books)
    main = d["books"]["main"]
    assert main["trades"] == len(small_result.main.trades)
    assert main["funnel"]["total"]["bars seen"] == int(small_result.main.funnel.loc["bars seen", "total"])
    assert set(main["baselines"]) == {"sma_crossover", "buy_and_hold"}
    assert d["manifest"]["data_fingerprint"] and d["manifest"]["versions"]["numpy"] == np.__version__


def test_summary_has_tables(written, small_result):
    _, out = written
    text = (out / "summary.txt").read_text()
    for needle in ("Performance", "main:sma_crossover", "Funnel: main", "Reasons", "Strategy attribution", "Models",
                   "Timings", "bars seen"):
        assert needle in text
    assert small_result.summary().count("\n") > 20


def test_html_embeds_every_figure(written):
    _, out = written
    html = (out / "report.html").read_text()
    p = ImgParser()
    p.feed(html)
    by_name = {img.get("data-figure"): img["src"] for img in p.images}
    assert set(FIGURES) <= set(by_name)
    for name, src in by_name.items():
        assert src.startswith("data:image/png;base64,"), name
        blob = base64.b64decode(src.split(",", 1)[1])
        w, h = png_size(blob)
        assert w > 200 and h > 100 and len(blob) > 2000, name
        assert blob == (out / f"{name}.png").read_bytes()
    assert "http://" not in html and "https://" not in html  # self-contained: nothing fetched


def test_files_are_readable_by_others(written):
    import os
    import stat

    _, out = written
    umask = os.umask(0)
    os.umask(umask)
    mode = stat.S_IMODE((out / "report.html").stat().st_mode)
    assert mode == 0o666 & ~umask
