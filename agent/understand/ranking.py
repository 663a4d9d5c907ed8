"""Requests for a series' best or worst periods ("the 3 worst days for orders", "which day last
week had the most orders", "top 3 weeks by revenue"). Answered as the series with those periods
named first; never as the period's total, which reads like the answer and is not."""

from __future__ import annotations

import re

from agent.domain import Grain, Ranked, RankOrder
from agent.understand.windows import NUMBER_WORDS

_N = r"\d{1,2}|" + "|".join(w for w in NUMBER_WORDS if w not in ("a", "an"))
_ORDERS: dict[str, RankOrder] = {
    **dict.fromkeys(["best", "strongest", "record"], "best"),
    **dict.fromkeys(["worst", "weakest"], "worst"),
    **dict.fromkeys(
        ["top", "highest", "most", "biggest", "peak", "peaked", "peaks", "busiest", "max"],
        "highest",
    ),
    **dict.fromkeys(
        ["bottom", "lowest", "least", "fewest", "smallest", "quietest", "slowest", "min"],
        "lowest",
    ),
}
_WORD = "|".join(sorted(_ORDERS, key=len, reverse=True))
_UNITS: dict[str, Grain] = {"day": "day", "date": "day", "week": "week", "month": "month"}
# "the 3 worst days for _metric_", "top 3 weeks by _metric_", "highest _metric_ day": the
# order word before the period's name, a count on either side, the metric between.
_BEFORE = re.compile(
    rf"\b(?:(?P<n>{_N}) )?(?P<word>{_WORD})(?: (?P<n2>{_N}))?(?: _metric_)? "
    r"(?P<unit>days?|dates?|weeks?|months?)\b(?! of the week)"
)
# "which day _date_ had the most _metric_", "what week did _metric_ peak".
_WHICH = re.compile(
    rf"\b(?:which|what) (?P<unit>day|date|week|month)\b(?: \S+){{0,6}}? (?:the )?(?P<word>{_WORD})\b"
)


def ranked_periods(shape: str) -> tuple[Ranked, Grain] | None:
    """Which end of the series to name first, how many periods, and their grain, if asked."""
    found = _BEFORE.search(shape) or _WHICH.search(shape)
    if found is None:
        return None
    unit = found["unit"]
    written = found.groupdict().get("n") or found.groupdict().get("n2")
    count = _count(written) if written else (3 if unit.endswith("s") else 1)
    grain = _UNITS[unit.rstrip("s")]
    return Ranked(order=_ORDERS[found["word"]], count=max(1, count)), grain


# "bottom 3 states by conversion rate", "top 5 regions by revenue", "which 3 channels had the
# lowest conversion": the rows of a split to show, from which end.
_ROWS = re.compile(
    rf"\b(?P<word>{_WORD})(?: (?P<n>{_N}))? _dimension_\b|"
    rf"\bwhich (?P<n2>{_N}) _dimension_\b(?: \S+){{0,4}}? (?:the )?(?P<word2>{_WORD})\b"
)


def ranked_rows(shape: str) -> Ranked | None:
    """Which end of a split to show and how many rows, if the text asks for a count of them."""
    found = _ROWS.search(shape)
    if found is None:
        return None
    word = found["word"] or found["word2"]
    written = found["n"] or found["n2"]
    if not written:
        return None  # "top regions by revenue": the split, sorted, as it always is
    return Ranked(order=_ORDERS[word], count=max(1, _count(written)))


def _count(written: str) -> int:
    return int(written) if written.isdigit() else NUMBER_WORDS[written]


# "top 3 regions by revenue decline", "top 5 states by conversion improvement", "bottom 3
# channels by growth": rows ranked by their change against the baseline, not by their level
# (ranked by level, the region that grew most headed "the top 3 by decline").
_BY_CHANGE = re.compile(
    r"\bby (?:\S+ ){0,3}?(?P<word>declin|drop|fall|decreas|loss|shrink|growth|grow|increas|rise|"
    r"gain|improv|worsen|deteriorat|change|swing|mov|delta|variation)\w*"
)
_CHANGE_KINDS: dict[str, str] = {
    **dict.fromkeys(["declin", "drop", "fall", "decreas", "loss", "shrink"], "fall"),
    **dict.fromkeys(["growth", "grow", "increas", "rise", "gain"], "rise"),
    **dict.fromkeys(["improv"], "better"),
    **dict.fromkeys(["worsen", "deteriorat"], "worse"),
    **dict.fromkeys(["change", "swing", "mov", "delta", "variation"], "move"),
}


def ranked_by_change(norm: str) -> str | None:
    """'rise', 'fall', 'better', 'worse' or 'move' when a ranked split is asked by its change."""
    found = _BY_CHANGE.search(norm)
    return None if found is None else _CHANGE_KINDS[found["word"]]
