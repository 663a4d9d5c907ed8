"""Words that name part of a value the data records only whole: "Android" is read as mobile,
"TikTok" as social. The filter is the nearest the data holds, and the answer says it is wider
than the word (before, "conversion on android" read as Android's own rate)."""

from __future__ import annotations

import re
from collections.abc import Mapping

# The typed word → (dimension, the value it widens to): the layer's synonyms that name a part.
_PARTS: dict[str, tuple[str, str]] = {
    **dict.fromkeys(["android", "iphone", "iphones"], ("device", "mobile")),
    **dict.fromkeys(["ipad", "ipads"], ("device", "tablet")),
    **dict.fromkeys(
        ["tiktok", "facebook", "instagram", "insta", "pinterest", "meta"], ("channel", "social")
    ),
    **dict.fromkeys(
        ["google ads", "adwords", "bing ads", "microsoft ads"], ("channel", "paid_search")
    ),
}
_WORD = re.compile(r"\b(?:" + "|".join(sorted(_PARTS, key=len, reverse=True)) + r")\b", re.I)


def widened(text: str, filters: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """(the word as typed, dimension, value) for each filter a narrower word was read as."""
    found: list[tuple[str, str, str]] = []
    for match in _WORD.finditer(text):
        dim, value = _PARTS[" ".join(match.group(0).lower().split())]
        if filters.get(dim) == value and all(typed != match.group(0) for typed, _, _ in found):
            found.append((match.group(0), dim, value))
    return found
