"""The broker interface and the paper broker, by hand examples (fills at the next open, fees, cancels, flatten)."""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pytest

from nexus.errors import ConfigError
from nexus.paper.broker import Broker, Order, PaperBroker
from nexus.portfolio.book import prepare_book

PX = np.array([[100.0, 50.0], [101.0, 51.0], [102.0, 49.0], [104.0, 48.0], [103.0, 50.0]])


def _x(n, **kw):
    p = PX[:n]
    return prepare_book(p, p * 1.01, p * 0.99, p, np.full(p.shape, np.nan), init_cash=10_000.0, taker_fee=0.001,
                        maker_fee=0.0, tick_size=0.01, **kw)


def test_the_paper_broker_is_a_broker_and_fills_at_the_next_open_with_the_fee():
    br = PaperBroker(["A/1m", "B/1m"], 10_000.0)
    assert isinstance(br, Broker)
    br.submit(Order("A/1m", 0.5, row=0))
    br.fill(_x(1))
    assert br.positions() == {} and [o.kind for o in br.open_orders()] == ["market"]
    rows = br.fill(_x(2))
    # 0.5 x 10,000 at the open of row 1 (101: each bar of this example opens at its close)
    units = 0.5 * 10_000.0 / 101.0
    f = rows.new_fills
    assert f["size"].tolist() == [units] and f["price"].tolist() == [101.0] and f["idx"].tolist() == [1]
    assert f["fees"][0] == pytest.approx(units * 101.0 * 0.001, rel=1e-12)
    assert br.positions() == {"A/1m": units}
    assert br.balances()["cash"] == pytest.approx(10_000.0 - units * 101.0 * 1.001, rel=1e-12)
    assert br.balances()["equity"] == pytest.approx(br.balances()["cash"] + units * 101.0, rel=1e-12)


def test_a_cancelled_order_never_fills_and_a_done_row_takes_no_order():
    br = PaperBroker(["A/1m", "B/1m"], 10_000.0)
    oid = br.submit(Order("B/1m", -0.3, row=0))
    assert br.cancel(oid) and not br.cancel(oid)
    br.fill(_x(2))
    assert br.positions() == {} and br.state.n_fills == 0
    with pytest.raises(ConfigError, match="row 1 is done"):
        br.submit(Order("A/1m", 0.1, row=1))
    with pytest.raises(ConfigError, match="no series"):
        br.submit(Order("C/1m", 0.1, row=2))


def test_a_resting_limit_is_listed_and_cancelled_and_its_weight_released():
    br = PaperBroker(["A/1m", "B/1m"], 10_000.0)
    br.submit(Order("A/1m", 0.4, row=0))
    br.fill(_x(1, order_type="limit", limit_offset=500.0))  # 5.00 below the close: never reached here
    lim = [o for o in br.open_orders() if o.kind == "limit"]
    assert len(lim) == 1 and lim[0].price == 95.0 and lim[0].weight == 0.4
    assert br.cancel(lim[0].id)
    assert br.open_orders() == [] and br.state.held.tolist() == [0.0, 0.0]
    fills, limits = br.state.records()
    assert limits["status"].tolist() == [2] and limits["done_idx"].tolist() == [1]
    br.fill(_x(3, order_type="limit", limit_offset=500.0))
    assert br.state.n_fills == 0


def test_flatten_closes_every_position_at_the_next_open():
    br = PaperBroker(["A/1m", "B/1m"], 10_000.0)
    br.submit(Order("A/1m", 0.5, row=0))
    br.submit(Order("B/1m", -0.2, row=0))
    br.fill(_x(2))
    held = br.positions()
    assert set(held) == {"A/1m", "B/1m"}
    assert br.flatten() == ["A/1m", "B/1m"]
    rows = br.fill(_x(3))
    f = rows.new_fills
    assert f["idx"].tolist() == [2, 2] and f["price"].tolist() == PX[2].tolist()
    assert f["size"].tolist() == [abs(held["A/1m"]), abs(held["B/1m"])] and f["side"].tolist() == [1, 0]
    assert br.positions() == {}


@pytest.mark.parametrize("name", ["nexus.paper.broker", "nexus.paper.memo", "nexus.paper.replay", "nexus.paper.config"])
def test_docstring_examples(name):
    res = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert res.failed == 0 and res.attempted > 0
