"""How far a done session may stray from its prescription and still count: one definition for all.

Relative shares from the protocol, no fixed-seconds allowance, so a short
session is judged as strictly as a long one.
"""

from __future__ import annotations

from dataclasses import dataclass

from walkrun.domain.protocol import Protocol


@dataclass(frozen=True)
class Tolerances:
    overdone_pct: float = 10.0
    underdone_pct: float = 10.0

    @classmethod
    def of(cls, protocol: Protocol) -> Tolerances:
        return cls(protocol.walk_run.overdone_pct, protocol.walk_run.underdone_pct)

    def overdone(self, done_s: float, planned_s: float) -> bool:
        """More running than planned by more than the protocol's share: never counts toward advancing."""
        return done_s > planned_s * (1 + self.overdone_pct / 100)

    def underdone(self, done_s: float, planned_s: float) -> bool:
        """Short of the plan by more than the protocol's share: not a completed session."""
        return done_s < planned_s * (1 - self.underdone_pct / 100)
