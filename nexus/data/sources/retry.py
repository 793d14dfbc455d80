"""Retries with exponential backoff and jitter for network sources.

Two budgets: before the source ever answered (probably offline, a wrong
host or a firewall) a couple of quick retries, so a download with no network
fails within seconds; once it has answered, transient errors (timeouts, rate
limits, maintenance) get the full budget. ``sleep`` and ``rng`` are injected
so tests never wait.

>>> p = RetryPolicy(base_delay=1.0, jitter=0.0)
>>> [p.delay(a, rate_limited=False, rng=None) for a in range(4)]
[1.0, 2.0, 4.0, 8.0]
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Callable, TypeVar

T = TypeVar("T")


@dataclass
class RetryPolicy:
    """How often and how long to wait after a transient error."""

    max_retries: int = 6
    first_contact_retries: int = 2
    base_delay: float = 1.0
    first_contact_delay: float = 0.5
    max_delay: float = 60.0
    rate_limit_factor: float = 5.0  # the exchange asked us to slow down: back off harder
    jitter: float = 0.5  # delay * (1 + jitter * U[0, 1)) so parallel clients do not retry in step

    def delay(self, attempt: int, *, rate_limited: bool, rng: random.Random | None, first_contact: bool = False) -> float:
        base = self.first_contact_delay if first_contact else self.base_delay
        d = base * (2.0 ** attempt) * (self.rate_limit_factor if rate_limited else 1.0)
        d = min(d, self.max_delay)
        if self.jitter and rng is not None:
            d *= 1.0 + self.jitter * rng.random()
        return d


@dataclass
class RetryState:
    """Shared across the requests of one download: whether the source has answered yet."""

    contacted: bool = False
    retries: int = 0
    slept: float = 0.0
    errors: list[str] = field(default_factory=list)


def call_with_retries(
    fn: Callable[[], T],
    *,
    retryable: tuple[type[BaseException], ...],
    rate_limit_errors: tuple[type[BaseException], ...] = (),
    policy: RetryPolicy,
    state: RetryState,
    sleep: Callable[[float], None],
    rng: random.Random | None,
) -> T:
    """Call ``fn``; on a ``retryable`` error wait and try again, re-raising when the budget is spent."""
    attempt = 0
    while True:
        try:
            out = fn()
        except retryable as exc:
            budget = policy.max_retries if state.contacted else policy.first_contact_retries
            state.errors.append(f"{type(exc).__name__}: {exc}")
            if attempt >= budget:
                raise
            wait = policy.delay(
                attempt,
                rate_limited=isinstance(exc, rate_limit_errors),
                rng=rng,
                first_contact=not state.contacted,
            )
            state.retries += 1
            state.slept += wait
            sleep(wait)
            attempt += 1
            continue
        state.contacted = True
        return out
