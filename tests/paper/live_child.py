"""A live paper session on the fake exchange, run as its own process by the kill test.

    python -m tests.paper.live_child ROOT          # new session in ROOT/state, or resume it

The exchange's clock starts at the first traded bar whatever the process
(a restart polls again from there and catches up); each poll sleeps a
little for real so the parent can kill it half-way.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path


def main(root: str) -> int:
    from nexus.data.store import BarStore
    from nexus.paper.live import LiveLoop, LiveSettings
    from nexus.paper.session import PaperSession
    from nexus.paper.state import has_state
    from tests.paper.fake_exchange import ClockedExchange, FakeClock
    from tests.paper.test_live import MIN, SPAN, WARM, _config, crypto_bars

    root = Path(root)
    bars = crypto_bars()
    t0 = int(bars["BTC/USDT"].ts[0])
    trade = t0 + WARM * MIN
    store = BarStore(root / "bars")
    cfg = _config(root / "bars")
    state = root / "state"
    if has_state(state):
        session = PaperSession.restore(state, cfg, store)
    else:
        session = PaperSession.start(cfg, store, anchor=t0, trade_start=trade, book="paper")
    clock = FakeClock((trade + MIN) / 1e9 + 30.0)

    def sleep(seconds: float) -> None:
        time.sleep(0.03)
        clock.sleep(seconds)

    loop = LiveLoop(session, ClockedExchange(bars, clock), store, LiveSettings(poll_seconds=60.0, late_seconds=20.0),
                    state, clock=clock, sleep=sleep, out=open(root / "log.txt", "a"))
    return loop.run(until_ns=trade + SPAN * MIN)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
