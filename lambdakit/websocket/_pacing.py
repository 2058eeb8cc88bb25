"""Client-side pacing for calls under an account limit that answers 429 when it is exceeded.

``Pacer`` spaces the start of calls ``1 / rate`` apart (a token bucket without a burst) and
learns ``rate`` from the answers, AIMD-like: no pace until the first 429; then the rate
observed lately, cut by ``DECREASE`` at most once per round trip (a 429 for a call started
before the last cut says nothing new) but never below the rate of successes lately (over the
limit, that is the limit itself: cutting under it would only idle), and raised by
``INCREASE`` of itself a second while calls succeed. A throttled call costs a round trip
and nothing of the limit, so the pace hovers a little above the limit rather than under it:
the server's bucket, not ours, is what runs empty. ``max_rate`` caps it (a fan-out batch's
share of the account limit).
"""

from __future__ import annotations

import asyncio
import time

__all__ = ["Pacer"]

DECREASE = 0.85
INCREASE = 0.25  # of the rate, per second of successes at that rate
MIN_RATE = 1.0
WINDOW = 0.25  # seconds over which rates are observed


class Pacer:
    def __init__(self, *, rate: float | None = None, max_rate: float | None = None) -> None:
        if max_rate is not None and max_rate <= 0:
            raise ValueError("max_rate must be positive")
        self.max_rate = max_rate
        self.rate = rate if rate is not None else max_rate
        self._next = 0.0  # when the next call may start
        self._last_cut = float("-inf")
        self._started = 0  # calls started since _window_start
        self._window_start = time.monotonic()
        self._recent_rate = 0.0
        self._successes = 0  # since _success_start
        self._success_start = self._window_start
        self._success_rate = 0.0  # successes a second lately (smoothed)
        self.cuts = 0

    async def wait(self, deadline: float = float("inf")) -> float | None:
        """Wait for this call's turn; the time it starts (``time.monotonic``), or ``None``
        without waiting when its turn would come after ``deadline``."""
        now = time.monotonic()
        if not self.rate:
            self._count(now)
            return now
        slot = max(now, self._next)
        if slot > deadline:
            return None
        self._count(now)
        self._next = slot + 1.0 / self.rate
        if slot > now:
            await asyncio.sleep(slot - now)
            return slot
        return now

    def _count(self, now: float) -> None:
        self._started += 1
        elapsed = now - self._window_start
        if elapsed >= WINDOW:
            self._recent_rate = self._started / elapsed
            self._started, self._window_start = 0, now

    def throttled(self, started: float) -> None:
        """A call started at ``started`` was answered 429."""
        if started < self._last_cut:
            return
        now = time.monotonic()
        if self.rate is None:
            elapsed = now - self._window_start
            observed = max(self._recent_rate, self._started / elapsed if elapsed > 0 else 0.0)
            self.rate = observed or MIN_RATE
        self.rate = max(MIN_RATE, self.rate * DECREASE, self._success_rate)
        self._last_cut = now
        self.cuts += 1

    def succeeded(self) -> None:
        """A call succeeded: raise the pace a little (``INCREASE`` a second, at that pace)."""
        self._successes += 1
        now = time.monotonic()
        elapsed = now - self._success_start
        if elapsed >= WINDOW:
            latest = self._successes / elapsed
            self._success_rate = (self._success_rate + latest) / 2 if self._success_rate else latest
            self._successes, self._success_start = 0, now
        if self.rate is not None:
            self.rate += INCREASE
            if self.max_rate is not None and self.rate > self.max_rate:
                self.rate = self.max_rate
