"""Small HTTP pieces shared by the feed server and the CLI: paths, validators, addresses, redaction."""

from __future__ import annotations

import datetime as dt
import email.utils
import ipaddress
import re
import socket

__all__ = [
    "ALLOW",
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "coach_path",
    "etag_matches",
    "feed_path",
    "format_host",
    "http_date",
    "is_loopback",
    "lan_address_hint",
    "parse_http_date",
    "redact",
]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
ALLOW = "GET, HEAD"

# Store tokens are secrets.token_urlsafe(24): 32 URL-safe characters. Anything
# else is rejected before the database is asked.
_TOKEN = r"[A-Za-z0-9_-]{16,128}"
FEED_RE = re.compile(rf"/feeds/({_TOKEN})\.ics")
COACH_RE = re.compile(rf"/coach/({_TOKEN})/?")
_SECRETISH = re.compile(r"[A-Za-z0-9_-]{12,}")
HOST_HEADER = re.compile(r"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)(?::[0-9]{1,5})?")


def feed_path(token: str) -> str:
    """The server path of an athlete's feed."""
    return f"/feeds/{token}.ics"


def coach_path(token: str) -> str:
    """The server path of the coach's index page."""
    return f"/coach/{token}"


def is_loopback(host: str) -> bool:
    """True when ``host`` is only reachable from this machine (no name lookups)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        # A host name could resolve to anything: treat it as public.
        return False


def format_host(host: str) -> str:
    """``host`` as it goes into a URL (IPv6 literals need brackets)."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def lan_address_hint() -> str | None:
    """This machine's likely LAN address, from the routing table only.

    Connecting a UDP socket sends no packet; it only makes the kernel pick the
    interface it would route through. TEST-NET-1 is never actually reached.
    """
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.connect(("192.0.2.1", 9))
            address = str(sock.getsockname()[0])
    except OSError:
        return None
    return None if address.startswith(("0.", "127.")) else address


def etag_matches(header: str, etag: str) -> bool:
    """If-None-Match semantics: weak comparison, ``*`` and comma-separated lists."""
    ours = etag.removeprefix("W/").strip('"')
    for part in header.split(","):
        candidate = part.strip()
        if candidate == "*":
            return True
        # Some clients drop the quotes they were sent; compare the opaque part only.
        if candidate.removeprefix("W/").strip('"') == ours:
            return True
    return False


def not_modified(if_none_match: str | None, if_modified_since: str | None, etag: str, modified: dt.datetime) -> bool:
    """Whether a conditional GET may be answered with 304."""
    if if_none_match is not None:
        # RFC 7232 §6: when If-None-Match is present, If-Modified-Since is ignored.
        return etag_matches(if_none_match, etag)
    if if_modified_since is None:
        return False
    moment = parse_http_date(if_modified_since)
    return moment is not None and modified <= moment


def redact(text: str) -> str:
    """Shorten anything token-shaped to its first 4 characters, so logs hold no usable URL."""
    return _SECRETISH.sub(lambda m: m.group(0)[:4] + "…", text)


def http_date(moment: dt.datetime) -> str:
    return email.utils.format_datetime(moment.astimezone(dt.UTC), usegmt=True)


def parse_http_date(value: str) -> dt.datetime | None:
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment
