"""What a feed depends on, reduced to a key that is cheap to recompute, and the rendered feeds it keys.

A calendar app polls the same URL all day and the plan rarely changes, so the
server answers from a cache that is only valid while the athlete's stored
inputs are unchanged. The key hashes those inputs (profile, check-in and
clinical-test logs, activity count, latest plan revision, the plan date and
the code that plans), never the plan itself, so a 304 is decided without
building one. Everything here is safe to lose: a fresh process recomputes it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar, cast
from zoneinfo import ZoneInfo

from walkrun import __version__
from walkrun.plugins.manager import Registry
from walkrun.store import Store

T = TypeVar("T")

__all__ = ["ContentKeys", "FeedCache", "Rendered", "data_version", "registry_fingerprint", "today_in"]


def registry_fingerprint(registry: Registry) -> str:
    """The planning code and protocols in use: a stored ETag from other code must not produce a 304."""
    digest = hashlib.sha256(__version__.encode())
    for protocol_id, protocol in sorted(registry.protocols.items()):
        digest.update(protocol_id.encode())
        digest.update(protocol.model_dump_json().encode())
    for name, info in sorted(registry.plugins.items()):
        digest.update(f"{name}={info.version}".encode())
    return digest.hexdigest()[:32]


@lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def today_in(timezone: str) -> dt.date:
    """The current date where the athlete lives: the feed's plan date."""
    return dt.datetime.now(_zone(timezone)).date()


def data_version(store: Store) -> int | None:
    """The store's change counter (``Store.data_version``): equal readings mean no commit in between.

    SQLite: ``PRAGMA data_version`` on a connection of the store's own that never writes, so
    every commit, this process's included, moves it (the pragma ignores only the commits of the
    connection it is read on). PostgreSQL: the counter every write transaction bumps, one
    indexed read shared by every server instance. Either costs far less than rescanning an
    athlete's inputs. None means "cannot tell": the caller rescans (correct, only slower).

    The server's own writes (a feed's SEQUENCE state, its stored validators, a new token for
    the coach page) move it too; they happen only when something is rendered, so they cost one
    rescan on the next poll, after which the reading is stable again.
    """
    return store.data_version()


@dataclass(frozen=True)
class _Inputs:
    digest: str
    timezone: str


def _inputs(store: Store, athlete_id: str, code: str) -> _Inputs | None:
    """Everything stored that the feed is computed from, hashed. None when the athlete is gone."""
    profile = store.find_profile(athlete_id)
    if profile is None:
        return None
    checkins = store.checkins(athlete_id)
    clinical = store.clinical(athlete_id)
    revisions = store.revisions(athlete_id)
    # Check-ins and clinical tests are append-only logs: their length and last entry identify them.
    parts = [
        code,
        profile.model_dump_json(),
        str(len(checkins)),
        checkins[-1].model_dump_json() if checkins else "",
        str(len(clinical)),
        clinical[-1].model_dump_json() if clinical else "",
        str(store.activity_count(athlete_id)),
        str(revisions[-1]["plan_hash"]) if revisions else "",
    ]
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
    return _Inputs(digest, profile.preferences.timezone)


class ContentKeys:
    """Content keys for one store connection (one per thread): not shared, so no lock."""

    def __init__(self, code: str, fixed_today: dt.date | None) -> None:
        self._code = code
        self._fixed_today = fixed_today
        self._version: int | None = None
        self._memo: dict[str, _Inputs | None] = {}
        self._tokens: dict[tuple[str, str], object] = {}

    def sync(self, store: Store) -> int | None:
        """Read the store's change counter once; what was remembered under another reading is dropped."""
        version = data_version(store)
        if version is None or version != self._version:
            self._memo.clear()
            self._tokens.clear()
            self._version = version
        return version

    def scope(self, store: Store, token: str) -> str | None:
        """Which athlete (or the coach scope) a feed token opens, as of the last :meth:`sync`."""
        return self.remember(("feed", token), lambda: store.scope_for_token(token))

    def remember(self, key: tuple[str, str], compute: Callable[[], T | None]) -> T | None:
        """``compute()``, remembered until the change counter moves (see :meth:`sync`).

        For token lookups: adding, regenerating or removing a secret is a commit,
        which moves the counter, so a remembered answer never outlives its secret.
        Misses (unknown tokens) are not remembered, so probes cannot fill the memory.
        """
        if self._version is not None and key in self._tokens:
            return cast("T", self._tokens[key])
        found = compute()
        if found is not None and self._version is not None:
            if len(self._tokens) >= 4096:
                self._tokens.clear()
            self._tokens[key] = found
        return found

    def key(self, store: Store, athlete_id: str, *, synced: bool = False) -> tuple[str, dt.date] | None:
        """(content key, plan date) for the athlete's feed; None when the athlete does not exist.

        ``synced``: the caller has just called :meth:`sync` for this request.
        """
        version = self._version if synced else self.sync(store)
        if version is not None and athlete_id in self._memo:
            inputs = self._memo[athlete_id]
        else:
            inputs = _inputs(store, athlete_id, self._code)
            if len(self._memo) >= 4096:
                self._memo.clear()  # bounded: a store with more athletes just rescans more often
            self._memo[athlete_id] = inputs
        if inputs is None:
            return None
        today = self._fixed_today or today_in(inputs.timezone)
        return f"{inputs.digest}:{today.isoformat()}", today

    def all_keys(self, store: Store, athlete_ids: list[str]) -> str:
        """One key for a page that shows every athlete (the coach page)."""
        parts = []
        for athlete_id in athlete_ids:
            found = self.key(store, athlete_id)
            parts.append(f"{athlete_id}={found[0] if found else '-'}")
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Rendered:
    """A response body with its validators, valid while ``key`` is the current content key."""

    key: str
    body: bytes
    etag: str
    last_modified: dt.datetime


class FeedCache:
    """The latest rendering per name (an athlete, or a coach page), least recently used evicted first.

    Only the latest rendering is kept: an older one carries SEQUENCE numbers a
    client has already seen superseded, so it must never be served again.
    """

    def __init__(self, max_entries: int = 2048, max_bytes: int = 64 * 1024 * 1024) -> None:
        self._entries: OrderedDict[str, Rendered] = OrderedDict()
        self._max = max_entries
        self._max_bytes = max_bytes
        self._bytes = 0
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}

    def get(self, name: str, key: str) -> Rendered | None:
        with self._guard:
            entry = self._entries.get(name)
            if entry is None or entry.key != key:
                return None
            self._entries.move_to_end(name)
            return entry

    def put(self, name: str, entry: Rendered) -> None:
        with self._guard:
            old = self._entries.pop(name, None)
            self._bytes -= len(old.body) if old else 0
            self._entries[name] = entry
            self._bytes += len(entry.body)
            # Bounded in count and bytes (a year-long feed is ~100 kB); the newest entry always stays.
            while len(self._entries) > 1 and (len(self._entries) > self._max or self._bytes > self._max_bytes):
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped.body)

    def __len__(self) -> int:
        return len(self._entries)

    def lock(self, name: str) -> threading.Lock:
        """One render at a time per name: the feed's SEQUENCE state is read, bumped and written back,
        and eight clients polling right after a check-in should cost one render, not eight."""
        with self._guard:
            if len(self._locks) > 4 * self._max:
                # Dropping a lock nobody holds is harmless; one being held is kept by its holder.
                self._locks = {k: v for k, v in self._locks.items() if v.locked()}
            return self._locks.setdefault(name, threading.Lock())
