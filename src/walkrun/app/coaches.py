"""Who may see what: the clinic's admin secret opens every athlete, a coach's secret only theirs.

The server and the CLI share these rules so a coach's page, the feeds it links to and
``walkrun coach list`` always agree on a coach's athletes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from walkrun.domain.errors import UsageError
from walkrun.store import Store

__all__ = ["Access", "access_for_token", "check_coach_name", "parse_athlete_list"]

# Printable and shell-friendly; "@" cannot start one, so no coach can collide with the admin scope.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._'-]{0,63}")


@dataclass(frozen=True)
class Access:
    """What one secret opens: ``coach`` None is the clinic's admin (every athlete)."""

    coach: str | None
    athletes: frozenset[str] | None  # None: every athlete in the store

    def sees(self, athlete_id: str) -> bool:
        return self.athletes is None or athlete_id in self.athletes

    def visible(self, athlete_ids: Iterable[str]) -> list[str]:
        """``athlete_ids`` this secret may see, in the order given."""
        return [a for a in athlete_ids if self.sees(a)]

    @property
    def cache_name(self) -> str:
        """A name for this audience's cached page: every coach's page is rendered separately."""
        return Store.COACH_SCOPE if self.coach is None else f"{Store.COACH_SCOPE}/{self.coach}"


def access_for_token(store: Store, token: str) -> Access | None:
    """The access a coach-page secret grants; None for an unknown, removed or regenerated secret."""
    if store.scope_for_token(token) == Store.COACH_SCOPE:
        return Access(None, None)
    coach = store.coach_for_token(token)
    if coach is None:
        return None
    return Access(coach.name, frozenset(coach.athletes))


def check_coach_name(name: str) -> str:
    """A coach's name as typed, or a UsageError saying what a name may hold."""
    if not _NAME.fullmatch(name):
        raise UsageError(
            f"bad coach name {name!r}: up to 64 letters, digits, spaces and . _ ' - (starting with a letter or digit)"
        )
    return name


def parse_athlete_list(value: str) -> list[str]:
    """``a,b , c`` -> [a, b, c], without duplicates; empty items are ignored."""
    return list(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
