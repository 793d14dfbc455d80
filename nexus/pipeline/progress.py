"""Per-stage wall-clock timings and one-line progress on the console.

>>> t = Timings(echo=False)
>>> with t.stage("data"):
...     pass
>>> list(t.seconds)
['data']
"""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from typing import Iterator

STAGES = ("data", "mqscore", "signals", "inference", "layers", "simulation", "baselines", "report")


class Timings:
    """Accumulates seconds per stage; nested or repeated stages add up."""

    def __init__(self, echo: bool = True, stream=None) -> None:
        self.seconds: dict[str, float] = {}
        self.echo = echo
        self.stream = stream or sys.stderr
        self._t0 = time.perf_counter()

    @contextmanager
    def stage(self, name: str, label: str = "") -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            dt = time.perf_counter() - t0
            self.seconds[name] = self.seconds.get(name, 0.0) + dt
            if self.echo and label:
                self.say(f"{name:<10s} {label:<40s} {dt:7.2f} s")

    def add(self, name: str, seconds: float) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds

    def say(self, text: str) -> None:
        if self.echo:
            print(f"[nexus] {text}", file=self.stream, flush=True)

    @property
    def total(self) -> float:
        return time.perf_counter() - self._t0

    def table(self) -> list[tuple[str, float]]:
        order = [s for s in STAGES if s in self.seconds] + [s for s in self.seconds if s not in STAGES]
        return [(s, self.seconds[s]) for s in order]
