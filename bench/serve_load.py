"""Feed server load: the old stdlib server and the new ASGI one, side by side, on loopback.

Both servers run as child processes on the same store, built here: one
athlete with about 2,000 imported activities and nine months of check-ins.
The old server is the code of an earlier commit (default 36e67e9, the last
stdlib ``http.server`` version), unpacked from git into a temporary folder.
Keep-alive clients (asyncio, one connection each) measure requests/s and
p50/p99 latency for: a feed poll, a conditional poll answered 304, the coach
page, and a feed poll right after a check-in. Every scenario is bounded in
requests and seconds, and the servers are stopped at the end.

Run: python bench/serve_load.py [--baseline COMMIT] [--seconds S] [--workers N]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import re
import signal
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "36e67e9"  # the last stdlib http.server version of `walkrun serve`
INJURY = dt.date(2025, 1, 6)
TODAY = INJURY + dt.timedelta(days=270)
ACTIVITIES = 2000
MAX_REQUESTS = 5000  # per scenario and concurrency, whatever the time budget


def build_store(home: Path) -> dict[str, str]:
    """The athlete and the coach token; returns the tokens by scope."""
    from walkrun.domain.activities import Activity
    from walkrun.domain.models import AthleteProfile, CheckIn, ClinicalTestResult
    from walkrun.plugins.manager import make_plugin_manager
    from walkrun.store import Store

    registry = make_plugin_manager(load_entrypoints=False, env={})
    required = registry.protocol("femoral-neck-bsi").gate.required_tests
    with Store(home) as store:
        profile = {"athlete_id": "big", "condition": "femoral-neck-bsi", "injury_date": INJURY}
        store.save_profile(AthleteProfile.model_validate(profile))
        day = INJURY + dt.timedelta(weeks=8)
        while day < TODAY:
            if day.weekday() in (0, 2, 4):
                store.add_checkin("big", CheckIn(date=day, walk_min=40, pain_during=0, pain_after=0))
            day += dt.timedelta(days=1)
        for test in required:
            store.add_clinical("big", ClinicalTestResult(test=test, date=INJURY + dt.timedelta(weeks=12), passed=True))
        run = store.start_import("big", ["bench"])
        first = dt.datetime.combine(INJURY + dt.timedelta(weeks=8), dt.time(6), tzinfo=dt.UTC)
        step = (dt.datetime.combine(TODAY, dt.time(6), tzinfo=dt.UTC) - first) / ACTIVITIES
        for i in range(ACTIVITIES):
            walk = Activity(
                source=f"bench/{i}.fit",
                content_hash=f"{i:064x}",
                sport="walking",
                start_utc=first + i * step,
                elapsed_s=1800 + (i % 7) * 120,
                distance_m=2500 + (i % 5) * 150,
            )
            store.add_activity("big", run, walk)
        return {"big": store.feed_token("big"), "coach": store.feed_token(Store.COACH_SCOPE)}


def add_checkin(home: Path, n: int) -> None:
    """A check-in for today: the feed must be rebuilt (it may or may not change)."""
    from walkrun.domain.models import CheckIn
    from walkrun.store import Store

    with Store(home) as store:
        store.add_checkin("big", CheckIn(date=TODAY, walk_min=20 + n % 5, pain_during=n % 2, pain_after=0))


def unpack(commit: str, into: Path) -> Path:
    tar = subprocess.run(["git", "-C", str(ROOT), "archive", commit, "src"], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(tar)) as t:
        t.extractall(into, filter="data")
    return into / "src"


class Server:
    """`walkrun serve` from a given source tree, in a child process, on a free loopback port."""

    def __init__(self, src: Path, home: Path, workers: int) -> None:
        args = ["--home", str(home), "--today", TODAY.isoformat(), "serve", "--port", "0"]
        if workers > 1:
            args += ["--workers", str(workers)]
        env = {**os.environ, "PYTHONPATH": str(src), "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "walkrun", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # one log line per request: not worth the pipe
            text=True,
            env=env,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:(\d+)", line)
        if not found:
            self.stop()
            raise RuntimeError(f"server did not start: {line!r}")
        self.port = int(found.group(1))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Client:
    """One keep-alive HTTP/1.1 connection; just enough parsing for these responses."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n{extra}\r\n".encode())
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split()[1])
        fields = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:] if line)}
        body = await self.reader.readexactly(int(fields.get("content-length", "0"))) if status != 304 else b""
        if fields.get("connection", "").lower() == "close":
            await self.close()
        return status, fields, body

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


@dataclass
class Result:
    requests: int
    seconds: float
    latencies: list[float]

    def row(self) -> tuple[str, str, str]:
        if not self.latencies:
            return "-", "-", "-"
        lat = sorted(self.latencies)
        p99 = lat[min(len(lat) - 1, round(0.99 * (len(lat) - 1)))]
        return f"{self.requests / self.seconds:,.1f}", _ms(statistics.median(lat)), _ms(p99)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f}" if seconds < 10 else f"{seconds:,.0f} s"


Request = Callable[[Client], Awaitable[None]]


async def steady(port: int, clients: int, seconds: float, request: Request) -> Result:
    """``clients`` connections each sending ``request`` back to back until the time or request budget ends."""
    latencies: list[float] = []
    stop = time.perf_counter() + seconds

    async def worker() -> None:
        client = Client(port)
        try:
            while time.perf_counter() < stop and len(latencies) < MAX_REQUESTS:
                t = time.perf_counter()
                await request(client)
                latencies.append(time.perf_counter() - t)
        finally:
            await client.close()

    begin = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return Result(len(latencies), time.perf_counter() - begin, latencies)


async def after_checkin(port: int, clients: int, seconds: float, home: Path, path: str) -> Result:
    """Rounds of: a check-in is stored, then ``clients`` calendars poll the feed at once."""
    latencies: list[float] = []
    busy = 0.0
    stop = time.perf_counter() + seconds
    pool = [Client(port) for _ in range(clients)]
    n = 0
    while time.perf_counter() < stop or n == 0:
        await asyncio.to_thread(add_checkin, home, n)
        n += 1

        async def poll(client: Client) -> None:
            t = time.perf_counter()
            status, _, _ = await client.get(path)
            assert status == 200, status
            latencies.append(time.perf_counter() - t)

        begin = time.perf_counter()
        await asyncio.gather(*(poll(c) for c in pool))
        busy += time.perf_counter() - begin
    for c in pool:
        await c.close()
    return Result(len(latencies), busy, latencies)


async def measure(port: int, home: Path, tokens: dict[str, str], seconds: float) -> dict[tuple[str, int], Result]:
    feed, coach = f"/feeds/{tokens['big']}.ics", f"/coach/{tokens['coach']}"
    warm = Client(port)
    status, fields, _ = await warm.get(feed)
    assert status == 200, status
    etag = fields["etag"]
    await warm.get(coach)
    await warm.close()

    async def get_feed(c: Client) -> None:
        assert (await c.get(feed))[0] == 200

    async def get_304(c: Client) -> None:
        assert (await c.get(feed, {"If-None-Match": etag}))[0] == 304

    async def get_coach(c: Client) -> None:
        assert (await c.get(coach))[0] == 200

    results: dict[tuple[str, int], Result] = {}
    for clients in (1, 8):
        results["feed (cached)", clients] = await steady(port, clients, seconds, get_feed)
        results["304 Not Modified", clients] = await steady(port, clients, seconds, get_304)
        results["coach page", clients] = await steady(port, clients, seconds, get_coach)
    for clients in (1, 8):
        results["feed after a check-in", clients] = await after_checkin(port, clients, seconds, home, feed)
    return results


def run_one(src: Path, workers: int, seconds: float) -> dict[tuple[str, int], Result]:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        tokens = build_store(home)
        server = Server(src, home, workers)
        try:
            return asyncio.run(measure(server.port, home, tokens, seconds))
        finally:
            server.stop()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", default=BASELINE, help="git commit of the old server")
    ap.add_argument("--seconds", type=float, default=3.0, help="time budget per scenario and concurrency")
    ap.add_argument("--workers", type=int, default=1, help="worker processes for the new server")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT / "src"))
    print(
        f"store: 1 athlete, {ACTIVITIES} activities; {args.seconds:g} s per cell; loopback; new server workers: "
        f"{args.workers}",
        flush=True,
    )
    new = run_one(ROOT / "src", args.workers, args.seconds)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            old = run_one(unpack(args.baseline, Path(tmp)), 1, args.seconds)
        except (subprocess.CalledProcessError, OSError, RuntimeError) as exc:
            print(f"old server {args.baseline} could not be measured here ({exc}); new figures only")
            old = {key: Result(0, 1.0, []) for key in new}
    head = f"{'scenario':<22} {'clients':>7} | {'old req/s':>9} {'p50 ms':>8} {'p99 ms':>8} |"
    print(head + f" {'new req/s':>9} {'p50 ms':>8} {'p99 ms':>8} | {'speed-up':>8}")
    print("-" * (len(head) + 38))
    for (name, clients), result in new.items():
        before = old[name, clients]
        ratio = (result.requests / result.seconds) / (before.requests / before.seconds) if before.requests else 0
        o, n = before.row(), result.row()
        print(
            f"{name:<22} {clients:>7} | {o[0]:>9} {o[1]:>8} {o[2]:>8} | {n[0]:>9} {n[1]:>8} {n[2]:>8} | {ratio:>7.0f}x"
        )


if __name__ == "__main__":
    main()
