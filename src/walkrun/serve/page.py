"""The coach's page: one card per athlete with the roster's facts and the feed links. No scripts, no external loads."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable

from walkrun.app.roster import RosterRow
from walkrun.domain.notes import short

__all__ = ["card", "page"]


def card(athlete_id: str, name: str, row: RosterRow | None, url: str) -> str:
    e = html.escape
    title = f"{e(name)} <span class=id>({e(athlete_id)})</span>" if name else e(athlete_id)
    if row is None:
        facts = [("Phase", "not started (injury date is after today)")]
        flags: list[str] = []
    else:
        since = row.days_since_last_session
        facts = [
            ("Phase", row.phase or "?"),
            ("Level", row.level or "—"),
            ("Last session", "none yet" if since is None else ("today" if since == 0 else f"{since} days ago")),
            ("Last pain", row.last_pain or "none reported"),
        ]
        flags = row.red_flags
        if row.latest_note is not None:
            facts.append(("Latest note", f"{short(row.latest_note.text, 140)} ({row.latest_note.heading()})"))
    dl = "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in facts)
    flag_html = (
        "<ul class=flags>" + "".join(f"<li>{e(f)}</li>" for f in flags) + "</ul>"
        if flags
        else "<p class=ok>No red flags</p>"
    )
    return (
        f'<section class="card{" alert" if flags else ""}">'
        f"<h2>{title}</h2>"
        f"<dl>{dl}</dl>"
        f"{flag_html}"
        f"{_feed_links(url)}"
        "</section>"
    )


def _feed_links(url: str) -> str:
    e = html.escape
    webcal = "webcal://" + url.split("://", 1)[1]
    return (
        f"<p class=feed>Calendar feed:<br><code>{e(url)}</code></p>"
        f'<p class=links><a href="{e(webcal, quote=True)}">Subscribe (webcal)</a>'
        f' <a href="{e(url, quote=True)}">Download .ics</a></p>'
    )


_CSS = """
*{box-sizing:border-box}
body{margin:0;padding:1rem;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color:#1b1b1b;background:#f4f5f7}
h1{font-size:1.3rem;margin:0 0 .25rem}
.sub{color:#555;margin:0 0 1rem}
main{display:grid;gap:1rem;grid-template-columns:1fr}
@media (min-width:600px){main{grid-template-columns:repeat(auto-fill,minmax(320px,1fr))}}
.card{background:#fff;border:1px solid #d8dbe0;border-radius:8px;padding:.9rem;min-width:0;overflow-wrap:anywhere}
.card.alert{border-color:#c62828;border-width:2px}
h2{font-size:1.1rem;margin:0 0 .5rem}
.id{color:#666;font-weight:normal}
dl{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.2rem .75rem;margin:0 0 .6rem}
dt{color:#555}
dd{margin:0}
.flags{margin:0 0 .6rem;padding:.5rem .5rem .5rem 1.6rem;background:#fdecea;color:#8e1c1c;border-radius:6px;
font-weight:600}
.ok{color:#2e7d32;margin:0 0 .6rem}
.feed{margin:0 0 .4rem;font-size:.9rem}
code{word-break:break-all;font-size:.85rem}
.links a{display:inline-block;margin:.2rem .6rem .2rem 0;padding:.35rem .7rem;border:1px solid #1565c0;
border-radius:6px;color:#1565c0;text-decoration:none}
footer{color:#666;font-size:.85rem;margin-top:1rem}
"""


def page(today: dt.date, cards: Iterable[str], *, coach: str | None = None) -> str:
    """The whole page; ``coach`` names whose athletes these are (None: the clinic's page, everyone)."""
    empty = "No athletes yet (walkrun init)." if coach is None else "No athletes assigned to you yet."
    body = "".join(cards) or f"<p>{empty}</p>"
    title = "walkrun: athletes" if coach is None else f"walkrun: {html.escape(coach)}'s athletes"
    scope = "every athlete's plan" if coach is None else "your athletes' plans"
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width, initial-scale=1">'
        '<meta name=robots content="noindex, nofollow">'
        '<meta name=referrer content="no-referrer">'
        f"<title>{title}</title>"
        f"<style>{_CSS}</style></head><body>"
        f"<h1>{title}</h1>"
        f"<p class=sub>As of {html.escape(today.isoformat())}. Keep this page's address private: "
        f"it opens {scope}.</p>"
        f"<main>{body}</main>"
        "<footer>Subscribe to a feed in Apple Calendar or Thunderbird with its http address; "
        "the calendar then updates itself when the plan changes.</footer>"
        "</body></html>"
    )
