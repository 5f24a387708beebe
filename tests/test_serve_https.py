"""HTTPS with a self-signed certificate made here, and `walkrun serve --workers 2` as a real process."""

from __future__ import annotations

import datetime as dt
import http.client
import io
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import INJURY
from walkrun.domain.models import AthleteProfile
from walkrun.plugins.manager import Registry
from walkrun.serve.app import ServeOptions, create_app
from walkrun.serve.http import coach_path, feed_path
from walkrun.serve.runner import running
from walkrun.store import Store

TODAY = INJURY + dt.timedelta(weeks=9)


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, made with `cryptography` if present, else `openssl`."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    try:
        _with_cryptography(cert, key)
    except ImportError:
        if shutil.which("openssl") is None:
            pytest.skip("neither the cryptography package nor openssl is available to make a test certificate")
        request = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1"]
        names = "subjectAltName=IP:127.0.0.1,DNS:localhost"
        subprocess.run(
            ["openssl", *request, "-keyout", str(key), "-out", str(cert), "-addext", names],
            check=True,
            capture_output=True,
        )
    return cert, key


def _with_cryptography(cert_path: Path, key_path: Path) -> None:
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )


def _get(base: str, path: str, cafile: Path) -> tuple[int, bytes]:
    host, port = base.removeprefix("https://").rsplit(":", 1)
    context = ssl.create_default_context(cafile=str(cafile))  # verifies the certificate and the host name
    conn = http.client.HTTPSConnection(host, int(port), context=context, timeout=10)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    with Store(home) as store:
        store.save_profile(
            AthleteProfile.model_validate({"athlete_id": "ann", "condition": "femoral-neck-bsi", "injury_date": INJURY})
        )
    return home


def test_https_serves_feeds_and_a_coach_page_with_https_links(tmp_path: Path, home: Path, registry: Registry) -> None:
    cert, key = _self_signed(tmp_path)
    with Store(home) as store:
        ann, coach = store.feed_token("ann"), store.feed_token(Store.COACH_SCOPE)
    app = create_app(ServeOptions(home, today=TODAY, log=io.StringIO()), registry)
    with running(app, certfile=cert, keyfile=key) as base:
        assert base.startswith("https://")
        status, body = _get(base, feed_path(ann), cert)
        assert status == 200 and body.startswith(b"BEGIN:VCALENDAR")
        status, page = _get(base, coach_path(coach), cert)
        assert status == 200
        assert f"{base}{feed_path(ann)}" in page.decode()
        # Plain HTTP on the TLS port gets no feed.
        port = int(base.rsplit(":", 1)[1])
        plain = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        with pytest.raises((http.client.HTTPException, ConnectionError)):
            plain.request("GET", feed_path(ann))
            plain.getresponse().read()
        plain.close()


def _children(pid: int) -> int:
    count = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        count += int(fields[1]) == pid
    return count


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="counts worker processes through /proc")
def test_serve_command_with_two_workers_over_https(tmp_path: Path, home: Path) -> None:
    cert, key = _self_signed(tmp_path)
    with Store(home) as store:
        ann = store.feed_token("ann")
    args = ["--home", str(home), "--today", TODAY.isoformat(), "serve", "--port", "0", "--workers", "2"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "walkrun", *args, "--certfile", str(cert), "--keyfile", str(key)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        found = re.search(r" on (https://127\.0\.0\.1:\d+) ", first)
        assert found, first
        base = found.group(1)
        deadline = time.monotonic() + 60
        status = 0
        while time.monotonic() < deadline:
            try:
                status, _ = _get(base, "/healthz", cert)
                break
            except (OSError, http.client.HTTPException):
                time.sleep(0.2)  # workers still starting
        assert status == 200
        status, body = _get(base, feed_path(ann), cert)
        assert status == 200 and b"BEGIN:VEVENT" in body
        assert _children(proc.pid) >= 2
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Stopped serving." in out
    assert ann not in err  # no token in whatever uvicorn logged


def test_serve_refuses_incomplete_or_unusable_tls_files(run_cli: Any, tmp_path: Path) -> None:
    cert = tmp_path / "cert.pem"
    cert.write_text("not a certificate\n")
    r = run_cli("serve", "--port", "0", "--certfile", str(cert))
    assert r.exit_code != 0 and "both --certfile and --keyfile" in r.stderr
    r = run_cli("serve", "--port", "0", "--certfile", str(cert), "--keyfile", str(tmp_path / "missing.pem"))
    assert r.exit_code != 0 and "missing.pem: no such file" in r.stderr
    r = run_cli("serve", "--port", "0", "--certfile", str(cert), "--keyfile", str(cert))
    assert r.exit_code != 0 and "not a usable certificate and key" in r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
