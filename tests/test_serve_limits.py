"""Unknown-token probes are rate-limited per client in bounded memory; /healthz; methods on it."""

from __future__ import annotations

import http.client
import io
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import INJURY
from walkrun.domain.models import AthleteProfile
from walkrun.plugins.manager import Registry
from walkrun.serve.app import ServeOptions, create_app
from walkrun.serve.http import coach_path, feed_path
from walkrun.serve.limits import ProbeLimiter, client_key
from walkrun.serve.runner import running
from walkrun.store import Store


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_bucket_allows_a_burst_then_refills_slowly() -> None:
    clock = Clock()
    limiter = ProbeLimiter(burst=3, refill_per_s=0.5, clock=clock)
    for _ in range(3):
        assert limiter.retry_after("10.0.0.1") is None
        limiter.charge("10.0.0.1")
    assert limiter.retry_after("10.0.0.1") == 2  # one miss back every 2 s
    assert limiter.retry_after("10.0.0.2") is None  # others are unaffected
    clock.now += 1.0
    assert limiter.retry_after("10.0.0.1") == 1
    clock.now += 1.0
    assert limiter.retry_after("10.0.0.1") is None
    limiter.charge("10.0.0.1")
    assert limiter.retry_after("10.0.0.1") == 2
    clock.now += 3600
    assert limiter.retry_after("10.0.0.1") is None
    for _ in range(3):
        limiter.charge("10.0.0.1")
    assert limiter.retry_after("10.0.0.1") is not None  # the bucket never holds more than the burst


def test_memory_is_bounded() -> None:
    limiter = ProbeLimiter(burst=1, refill_per_s=0.01, max_clients=50, clock=Clock())
    for i in range(1000):
        limiter.charge(f"10.0.{i // 256}.{i % 256}")
    assert len(limiter) == 50
    assert limiter.retry_after("10.0.3.231") is not None  # the most recent are remembered


def test_ipv6_clients_are_limited_per_64_and_mapped_ipv4_as_ipv4() -> None:
    assert client_key("2001:db8:1:2:aaaa::1") == client_key("2001:db8:1:2:bbbb::2") == "2001:db8:1:2::/64"
    assert client_key("2001:db8:1:3::1") != client_key("2001:db8:1:2::1")
    assert client_key("::ffff:192.0.2.7") == "192.0.2.7"
    assert client_key("testclient") == "testclient"
    with pytest.raises(ValueError):
        ProbeLimiter(burst=0)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    with Store(home) as store:
        store.save_profile(
            AthleteProfile.model_validate({"athlete_id": "ann", "condition": "femoral-neck-bsi", "injury_date": INJURY})
        )
    return home


@pytest.fixture
def base(home: Path, registry: Registry) -> Iterator[str]:
    options = ServeOptions(home, today=INJURY, log=io.StringIO(), probe_burst=3, probe_refill_per_s=0.001)
    with running(create_app(options, registry)) as url:
        yield url


def request(base: str, method: str, path: str) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection(base.removeprefix("http://").rsplit(":", 1)[0], int(base.rsplit(":", 1)[1]))
    conn.request(method, path)
    resp = conn.getresponse()
    resp.read()
    conn.close()
    return resp


def test_probing_is_stopped_with_429_and_retry_after(base: str, home: Path) -> None:
    with Store(home) as store:
        ann, coach = store.feed_token("ann"), store.feed_token(Store.COACH_SCOPE)
    # Known tokens never count: a calendar polling its own URL is never limited.
    for _ in range(10):
        assert request(base, "GET", feed_path(ann)).status == 200
    # Non-token paths are plain 404s that cost nothing either.
    for _ in range(5):
        assert request(base, "GET", "/favicon.ico").status == 404
    misses = [feed_path(secrets.token_urlsafe(24)), coach_path(secrets.token_urlsafe(24)), feed_path(coach)]
    for path in misses:
        assert request(base, "GET", path).status == 404
    limited = request(base, "GET", feed_path(secrets.token_urlsafe(24)))
    assert limited.status == 429
    assert int(limited.headers["Retry-After"]) >= 1
    assert limited.headers["Cache-Control"] == "no-store"
    # Once limited, a right guess looks the same as a wrong one.
    assert request(base, "GET", feed_path(ann)).status == 429
    assert request(base, "GET", coach_path(coach)).status == 429
    assert request(base, "GET", "/healthz").status == 200


def test_health_endpoint(base: str) -> None:
    for path in ("/healthz", "/health"):
        r = request(base, "GET", path)
        assert r.status == 200
        assert r.headers["Cache-Control"] == "no-store"
    assert request(base, "HEAD", "/healthz").status == 200
    post = request(base, "POST", "/healthz")
    assert post.status == 405 and post.headers["Allow"] == "GET, HEAD"


def test_health_says_503_when_the_store_cannot_open(tmp_path: Path, registry: Registry) -> None:
    broken = tmp_path / "not-a-folder"
    broken.write_text("a file where the store folder should be")
    log = io.StringIO()
    with running(create_app(ServeOptions(broken, log=log), registry)) as base:
        assert request(base, "GET", "/healthz").status == 503
        assert request(base, "GET", feed_path(secrets.token_urlsafe(24))).status == 500
    assert "health check failed" in log.getvalue()
