"""Injected faults for the Business Central test server: random 500 / 429 / slow, and rate limits.

>>> faults = Faults(fail_rate=0.3, seed=1, max_per_second=None)
>>> faults.draw() in (None, "500", "429", "slow")
True
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque


class Faults:
    """Random 500 / 429 / slow answers at ``fail_rate`` and an optional request-rate limit."""

    def __init__(self, fail_rate: float, seed: int, max_per_second: float | None) -> None:
        self.fail_rate, self.max_per_second = fail_rate, max_per_second
        self._rng, self._lock, self._recent = random.Random(seed), threading.Lock(), deque[float]()
        self.counts = {"500": 0, "429": 0, "slow": 0, "throttled": 0, "requests": 0}

    def draw(self) -> str | None:
        with self._lock:
            self.counts["requests"] += 1
            if self.max_per_second is not None:
                now = time.monotonic()
                while self._recent and now - self._recent[0] > 1.0:
                    self._recent.popleft()
                if len(self._recent) >= self.max_per_second:
                    self.counts["throttled"] += 1
                    return "throttled"
                self._recent.append(now)
            if self.fail_rate and self._rng.random() < self.fail_rate:
                kind = self._rng.choice(("500", "429", "slow"))
                self.counts[kind] += 1
                return kind
            return None
