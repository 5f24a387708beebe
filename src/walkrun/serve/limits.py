"""Rate limiting of unknown-token probes, per client address, in bounded memory.

Feed URLs are bearer secrets, so guessing them must be slow. Each address has
a bucket of allowed misses that refills slowly; once it is empty every feed or
coach request from that address is refused with 429 until it refills, hits
included, or the answers would still tell a prober which guesses were right.
Known tokens never spend from the bucket, so a calendar polling its own URL is
never limited.
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

__all__ = ["ProbeLimiter", "client_key"]


def client_key(address: str) -> str:
    """The unit that is limited: an IPv4 address, or an IPv6 /64 (one host can own a whole /64)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


class ProbeLimiter:
    """A token bucket per client: ``burst`` misses at once, then one more every ``1 / refill_per_s`` seconds."""

    def __init__(
        self,
        burst: int = 20,
        refill_per_s: float = 0.2,
        max_clients: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if burst < 1 or refill_per_s <= 0 or max_clients < 1:
            raise ValueError("burst and max_clients must be at least 1 and refill_per_s positive")
        self.burst = burst
        self.refill_per_s = refill_per_s
        self.max_clients = max_clients
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # client -> (allowance, when)
        self._guard = threading.Lock()

    def _allowance(self, client: str, now: float) -> float:
        allowance, when = self._buckets.get(client, (float(self.burst), now))
        return min(float(self.burst), allowance + (now - when) * self.refill_per_s)

    def retry_after(self, address: str) -> int | None:
        """Seconds until this client may ask again, or None when it may ask now."""
        client = client_key(address)
        with self._guard:
            if client not in self._buckets:
                return None
            allowance = self._allowance(client, self._clock())
        if allowance >= 1.0:
            return None
        return max(1, math.ceil((1.0 - allowance) / self.refill_per_s))

    def charge(self, address: str) -> None:
        """Record one miss (an unknown or wrong-kind token) from this client."""
        client = client_key(address)
        now = self._clock()
        with self._guard:
            allowance = self._allowance(client, now)
            self._buckets[client] = (max(0.0, allowance - 1.0), now)
            self._buckets.move_to_end(client)
            # Bounded memory: forget the clients heard from least recently. Forgetting
            # a full bucket loses nothing; an evicted prober merely starts afresh.
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)

    def __len__(self) -> int:
        return len(self._buckets)
