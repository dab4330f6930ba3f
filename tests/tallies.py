"""Figures the suite prints at the end (the crawl's and the fuzzers' totals).

A test adds to `tally("URL crawl, both layers")["requests"]`. Under pytest-xdist each worker
keeps its own; tests/conftest.py sends them to the controller, which adds them up and prints
one line per section that counted anything. A section named "… (distinct)" prints how many
keys it has.
"""

from __future__ import annotations

from collections import Counter, defaultdict

TALLIES: defaultdict[str, Counter] = defaultdict(Counter)
DISTINCT = " (distinct)"


def tally(section: str) -> Counter:
    return TALLIES[section]


def merge(sections: dict[str, dict[str, int]]) -> None:
    for section, counts in sections.items():
        TALLIES[section].update(counts)


def lines() -> list[str]:
    out = []
    for section, counts in sorted(TALLIES.items()):
        if not any(counts.values()):
            continue  # nothing of it ran in this session (deselected, or another run)
        if section.endswith(DISTINCT):
            out.append(f"{section.removesuffix(DISTINCT)}: {len(counts)}")
        else:
            out.append(f"{section}: " + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))
    return out
