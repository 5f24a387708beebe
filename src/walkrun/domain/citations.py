"""Bibliography keys -> citations a physio can look up (authors, year, title, venue, DOI/URL).

The bibliography ships inside the package (``data/bibliography.toml``) so a
plan printed anywhere names real papers and programmes, never a path inside
this repository. walkrun's own defaults are labelled as such.
"""

from __future__ import annotations

import functools
import re
import tomllib
from importlib import resources
from typing import Protocol as TypingProtocol

from pydantic import BaseModel, ConfigDict

# A source must never point into the repository: these are what such leaks look like.
_REPO_PATH = re.compile(r"shared/|seeds?/|DESIGN\.md|\.txt\b|\.toml\b|section \d", re.I)


class Citation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    authors: str = ""
    year: int | None = None
    title: str = ""
    venue: str = ""
    doi: str = ""
    url: str = ""
    note: str = ""
    walkrun_default: bool = False


class _SourceLike(TypingProtocol):
    @property
    def cite(self) -> str: ...
    @property
    def note(self) -> str: ...
    @property
    def authors(self) -> str: ...
    @property
    def year(self) -> int | None: ...
    @property
    def title(self) -> str: ...
    @property
    def venue(self) -> str: ...
    @property
    def doi(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def walkrun_default(self) -> bool: ...


@functools.cache
def bibliography() -> dict[str, Citation]:
    """walkrun's shipped bibliography, keyed as protocol files cite it."""
    text = resources.files("walkrun").joinpath("data/bibliography.toml").read_text(encoding="utf-8")
    return {key: Citation.model_validate(entry) for key, entry in tomllib.loads(text).items()}


def resolve(source: _SourceLike) -> Citation:
    """A protocol's source entry, completed from the bibliography when it names a key."""
    base = Citation()
    if source.cite:
        found = bibliography().get(source.cite)
        if found is None:
            known = ", ".join(sorted(bibliography()))
            raise ValueError(f"unknown bibliography key {source.cite!r}; known: {known}")
        base = found
    own = {
        k: getattr(source, k)
        for k in ("authors", "year", "title", "venue", "doi", "url", "walkrun_default")
        if getattr(source, k)
    }
    note = "; ".join(n for n in (base.note, source.note) if n)
    merged = base.model_copy(update={**own, "note": note})
    leaks = [v for v in (merged.title, merged.venue, merged.url, merged.note) if v and _REPO_PATH.search(v)]
    if leaks:
        raise ValueError(f"a source must be a real citation, not a path or document section: {leaks[0]!r}")
    return merged


def format_citation(source: _SourceLike) -> str:
    """One line: 'Authors (year). Title. Venue. doi:... (note)'; walkrun defaults say so first."""
    key = tuple(getattr(source, k) for k in _FIELDS)
    text = _FORMATTED.get(key)
    if text is None:
        text = _FORMATTED[key] = _format(resolve(source))
    return text


_FIELDS = ("cite", "note", "authors", "year", "title", "venue", "doi", "url", "walkrun_default")
# Citations are formatted once per distinct source: the engine cites on every replayed day.
_FORMATTED: dict[tuple[object, ...], str] = {}


def _format(c: Citation) -> str:
    if c.walkrun_default:
        label = "walkrun conservative default, not a published finding (a clinician may change it)"
        return f"{label}: {c.note}" if c.note else label
    parts = [f"{c.authors} ({c.year})" if c.authors and c.year else c.authors or (str(c.year) if c.year else "")]
    parts += [c.title, c.venue]
    text = ". ".join(p.rstrip(".") for p in parts if p) + "."
    if c.doi:
        text += f" doi:{c.doi}"
    elif c.url:
        text += f" {c.url}"
    if c.note:
        text += f" ({c.note})"
    return text
