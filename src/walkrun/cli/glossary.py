"""Plain-word meanings of the terms walkrun prints (``walkrun --help``, ``walkrun explain-term``).

Static text only: ``--help`` shows it, so this module must stay free of imports.
"""

from __future__ import annotations

GLOSSARY: dict[str, str] = {
    "gate": "The checklist that must all be ticked before any running starts: enough weeks since the injury, "
    "pain-free brisk walks of the full length several times a week, and the clinical tests passed. "
    "`walkrun status` shows each item with its evidence.",
    "walk levels (W15..W45)": "Before the gate: brisk-walk sessions of 15, 20, ... 45 minutes. W30 means a "
    "30-minute brisk walk. The walk grows one step after enough pain-free sessions at the current length.",
    "walk-run levels (L1, L2, ...)": "After the gate: intervals of easy running and walking, e.g. L1 = 1 min run "
    "/ 4 min walk repeated. Each level runs a little more; moving up needs pain-free sessions at the level "
    "below, and pain moves you back down.",
    "continuous (C20, C30, ...)": "After the walk-run levels: easy continuous running, C20 = 20 minutes without "
    "walk breaks, growing towards your goal.",
    "referral": "The plan stops progressing and asks you to see a clinician (e.g. night pain, or pain that "
    "does not settle). `walkrun clinical --test clinician-review --result pass` records that review.",
    "clean session": "A session with pain 0 during, after and the next morning, and no night pain. Only "
    "clean sessions count towards moving up (bone injuries need zero pain).",
    "clinical tests": "Strength and control tests (e.g. single-leg squat, hip airplane) a physio checks before "
    "the gate opens. `walkrun tests` prints how to do each one.",
    "check-in": "What you report for a day: pain during, after and the next morning (0-10), night pain, "
    "and any session done by hand. `walkrun log` records it.",
    "provisional": "A planned session after today: it assumes the sessions before it go pain-free and changes "
    "if they do not.",
}

ALIASES: dict[str, str] = {
    "w15": "walk levels (W15..W45)",
    "w45": "walk levels (W15..W45)",
    "walk": "walk levels (W15..W45)",
    "l1": "walk-run levels (L1, L2, ...)",
    "walk-run": "walk-run levels (L1, L2, ...)",
    "level": "walk-run levels (L1, L2, ...)",
    "c20": "continuous (C20, C30, ...)",
    "continuous": "continuous (C20, C30, ...)",
    "refer": "referral",
    "clean": "clean session",
    "tests": "clinical tests",
    "test": "clinical tests",
    "checkin": "check-in",
}


def lookup(term: str) -> str | None:
    """The glossary key for a term as a user might type it (``W30``, ``L3``, ``c45``, ``Gate``)."""
    t = term.strip().lower()
    if t in GLOSSARY:
        return t
    if t in ALIASES:
        return ALIASES[t]
    if len(t) > 1 and t[0] in "wlc" and t[1:].isdigit():  # W30, L3, C45: any level of that ladder
        return ALIASES[{"w": "w15", "l": "l1", "c": "c20"}[t[0]]]
    return next((key for key in GLOSSARY if t and t in key), None)


def help_epilog() -> str:
    """Short form for ``walkrun --help``; the full text is ``walkrun explain-term TERM``."""
    short = {
        "gate": "checklist before any running (weeks, pain-free walks, clinical tests)",
        "W15..W45": "brisk-walk sessions of 15..45 minutes, before the gate",
        "L1, L2, ...": "walk-run interval levels after the gate (run a little more each level)",
        "C20, C30, ...": "continuous easy running for 20, 30, ... minutes",
        "referral": "the plan pauses until a clinician has reviewed you",
        "clean session": "pain 0 during, after and next morning, no night pain",
    }
    width = max(len(k) for k in short)
    lines = [f"  {k:<{width}}  {v}" for k, v in short.items()]
    return "\b\nWords used in the output (more: walkrun explain-term TERM):\n" + "\n".join(lines)
