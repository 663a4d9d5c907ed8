"""Whether a request is about the shop's data at all, judged by where its unknown words sit.

The keyword families in `intents.PLAIN_CUES` (off-topic, unmeasured, legal) name subjects
known to be outside the data; they cannot name what nobody has written yet, and an unseen
request that shares one word with the layer ("the Thursday revenue review") reads as an
analysis of that word. These rules look at the request's shape instead: a word is *foreign*
when neither the layer, the cue phrases nor the everyday English kept here knows it, and a
foreign word in the place that says what is asked about makes the request outside the data:

- what a "which" or "what is the" asks for ("which conference room", "the population of");
- whose numbers they are ("what did Wayfair report", "Chewy's conversion rate");
- what a question is about ("any news on the port strike?");
- what "my" points at ("my bonus", "my Looker tile");
- what an average or a count is of, when no metric is named ("average star rating").

Requests that ask for an analysis in so many words (why, trend, breakdown, anomalies, …) are
left to the intent rules whatever else they mention: the foreign words are then context.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from agent.understand.context import CLAUSE_BREAK, breaks_after, ends_sentence
from agent.understand.cuts import funnel_step, uncut
from agent.understand.known import is_foreign
from agent.understand.lexicon import Lexicon
from agent.understand.normalize import Token, normalize, tokenize
from agent.understand.refusals import not_measured
from agent.understand.slots import Parsed
from agent.understand.vocabulary import (
    ABOUT_NOUNS,
    COMMON_WORDS,
    FUNCTION_WORDS,
    REPORT_VERBS,
)
from agent.understand.windows import MONTHS, WEEKDAYS, find_windows

# Analyses asked for in so many words: with one of these the request is in scope, and the
# words around it are context ("the PDP template went live").
_ASKS_ANALYSIS = tuple(
    [
        "why",
        "move",
        "investigate",
        "breakdown",
        "trend",
        "direction",
        "detect",
        "segment",
        "churn",
        "digest_strong",
        "digest",
        "forecast_words",
        "compare",
        "help",
    ]
)
# Requests about customers, the forecast or the business as a whole name no metric by nature.
_NO_METRIC_NEEDED = tuple(
    [
        "segment",
        "segment_plain",
        "churn",
        "help",
        "digest_strong",
        "digest",
        "greeting",
        "forecast_words",
    ]
)
_WH = frozenset(["when", "where", "how", "what", "which", "why", "whats", "times", "often"])
_AUXILIARIES = frozenset(["did", "does", "do", "has", "have", "will"])
_OPENERS = frozenset(["has", "have", "is", "are", "was", "were", "did", "does", "do"])
_DETERMINERS = frozenset(["the", "a", "an", "our", "my", "your", "their", "this", "that"])
_BE = frozenset(["is", "s", "are", "was", "were", "the", "our", "a", "an", "your", "their"])
_ABOUT = frozenset(["on", "about", "regarding", "re"])
_MEASURE_LEADS = tuple(
    tuple(lead.split())
    for lead in ("average", "avg", "mean", "median", "total", "number of", "count of",
                 "how many", "percent of", "share of", "rate of")
)  # fmt: skip
_POSSESSIVE = re.compile(r"\b([A-Z][\w&]+)['\u2019]s\b")


@dataclass(frozen=True, kw_only=True)
class Outside:
    """Why a request is outside the shop's data, as the reply says it first."""

    why: str


def outside(parsed: Parsed, lex: Lexicon) -> Outside | None:
    """Why the request is about something the shop's data does not hold, if it is."""
    other = someone_else(parsed, lex)
    if other is not None:
        return Outside(why=f"I only have this shop's data, not {other}'s.")
    if (split := split_by_foreign(parsed, lex)) is not None:
        return Outside(why=split)
    foreign = _Foreign(parsed, lex)
    # "correlate daily temperatures with sessions", "% of card payments declined by device":
    # set against, or a share of, something foreign, whatever analysis is asked.
    if (thing := foreign.correlated()) is not None:
        return Outside(why=f"The warehouse doesn't hold \u201c{thing}\u201d to set against.")
    if (measure := foreign.measured(head_only=True)) is not None:
        return _not_measured(measure)
    # "Southeast headcount vs plan for Q4?": no metric, and what the request opens with is
    # foreign, whatever analysis words follow.
    if (
        parsed.metric is None
        and not parsed.cues.has(*_NO_METRIC_NEEDED)
        and (thing := foreign.opening()) is not None
    ):
        return Outside(why=f"\u201c{thing}\u201d isn't something the shop's data holds.")
    if parsed.cues.has(*_ASKS_ANALYSIS) or parsed.group_by or parsed.compare:
        return None
    thing = foreign.asked_for() or foreign.topic() or foreign.mine() or foreign.subject()
    if thing is not None:
        return Outside(why=f"\u201c{thing}\u201d isn't something the shop's data holds.")
    if (measure := foreign.measured()) is not None:
        return _not_measured(measure)
    return None


# "revenue by city", "split those by carrier", "split that into retargeting vs prospecting":
# a split asked for by something the layer has no dimension for. Answering the total instead
# would read as the split's answer.
_SPLIT_BY = re.compile(
    r"(?:_metric_|\bsplit|\bbreak|\bbroken|\bbreakdown|\bopened|\bcut|\bgroup(?:ed)?|"
    r"\bsegment(?:ed)?|\bbucket(?:ed)?|\bpivot(?:ed)?)"
    r"(?: (?:it|that|this|those|these|them|up|out|down|the|numbers|figures))* (?:by|per|into) "
    r"(?:the |each |their |our )?(?P<what>[a-z]{3,})(?: (?P<more>[a-z]{3,}))?"
)

# "which city do most of our site visits come from?": the split asked as "which one".
_WHICH_MOST = re.compile(
    r"\b(?:which|what) (?P<what>[a-z]{3,}) (?:do|does|did|are|is) (?:most|the most|the bulk|more)\b"
)
_TIME_WORDS = frozenset(
    ["day", "days", "week", "weeks", "month", "months", "time", "hour", "hours"]
)


# Everyday words for a split no dimension holds ("cut that by tier", "orders by warehouse"):
# known words, so the foreign-word test passes them, and the split used to be dropped.
_KNOWN_NOT_SPLITS = frozenset(
    ["tier", "tiers", "warehouse", "warehouses", "store", "stores", "size", "sizes", "campaign",
     "campaigns", "product", "products", "team", "teams", "agent", "agents", "hour", "hours"]
)  # fmt: skip
_GROUPS_BY_BEHAVIOUR = frozenset(
    [
        "recency",
        "frequency",
        "spend",
        "spending",
        "value",
        "monetary",
        "rfm",
        "tiers",
        "test",
        "control",
        "groups",
        "segments",
        "buckets",
        "bands",
        "cohorts",
        "halves",
    ]
)


# "top 5 products by revenue": a ranking of things the layer has no dimension for.
_RANKED = re.compile(
    r"\b(?:top|bottom|best|worst|biggest)(?: \d+)? (?:selling |performing )?"
    r"(?P<what>products?|skus?|items|brands?|cities|stores|suppliers|vendors|sellers|zip codes)\b"
    # "best selling products yesterday": the metric's words, then what is ranked.
    r"|_metric_ (?P<ranked>products|skus|brands)\b"
)
# "orders over $100", "customers over 65": kept by an amount or an age, which no filter holds.
_BY_AMOUNT = re.compile(
    r"_metric_ (?P<what>(?:(?:with|of) )?(?:over|above|under|below|more than|fewer than|less than|"
    r"greater than|at least|at most) \d+)(?!\d)(?! (?:days?|weeks?|months?|years?|hours?|percent|"
    r"pct)\b)"
)


# "on weekends only", "weekdays only": days of a kind kept, which no filter holds.
_DAYS_ONLY = re.compile(
    r"\b(?:on )?(?:_date_|weekends?|weekdays?) only\b|\bonly (?:on )?(?:weekends?|weekdays?)\b"
)
# "orders on Mondays last month", "revenue on weekends in Q3": days of a kind kept out of a
# longer period (the parser would read the one Monday or weekend).
_DAYS_OF_A_KIND = re.compile(
    r"\bon (?:(?:mon|tues|wednes|thurs|fri|satur|sun)days|weekends|weekdays)\b"
)
_LONGER_PERIOD = re.compile(
    r"\b(?:last|this|past|previous|in|during|over|for|of) (?:\d+ |the )?(?:months?|quarters?|"
    r"years?|weeks|q[1-4]|ytd|mtd|qtd|" + "|".join(MONTHS) + r")\b"
)
# "revenue net of refunds", "minus returns", "excluding bots": a part taken out of a metric,
# which the layer does not define.
_TAKEN_OUT = re.compile(
    r"^(?!(?:is|are|does|do) )(?:\S+ ){0,3}?_metric_ (?:net of|minus|less|excluding|excl|without|"
    r"(?<=net _metric_ )after) "
    r"(?:the )?(?P<what>_metric_|[a-z]{3,}(?: [a-z]{3,})?)"
)


_PARTS_OF_A_METRIC = frozenset(
    [
        "refunds",
        "refund",
        "returns",
        "tax",
        "taxes",
        "vat",
        "shipping",
        "discounts",
        "discount",
        "cancellations",
    ]
)
# "revenue per customer", "orders per user", "units per order": a metric over a count the layer
# does not divide it by. Answering the metric alone would read as the ratio's answer. ("AOV per
# customer type" is a split; "is conversion per session or per visitor?" asks how it counts.)
_PER_UNIT = re.compile(
    r"^(?!(?:is|are|does|do) )(?:\S+ )*?_metric_ (?:per|each) (?P<unit>(?:customer|user|buyer|"
    r"visitor|shopper|client|head|order|item|unit|session|ticket|visit|account)s?|_metric_)\b"
    r"(?! type| _dimension_)"
)
# "orders from customers who bought twice": customers kept by how often they bought, which no
# filter holds (customer type knows only new and returning).
_BY_TIMES = re.compile(
    r"\b(?:who|that|which) (?:have |has |had )?(?:bought|ordered|purchased|shopped|placed)"
    r"(?: \S+){0,2}? (?P<what>twice|once|(?:more than |at least |exactly )?(?:\d+|two|three|four|"
    r"five|ten) times|more than once)\b"
)
# "revenue from women", "orders on iOS", "revenue from loyalty members": a group of people or
# a phone's system that no dimension holds; before, the words were dropped and the total was
# answered as if it were the group's.
_NO_SUCH_GROUP = re.compile(
    r"\b(?:from|by|among|for|on|of|to|via|with|using) (?:our |the |all |their )?"
    r"(?P<what>women|men|female|male|females|males|ladies|gentlemen|parents|students|"
    r"seniors|teens|teenagers|gen z|millennials|boomers|ios|loyalty (?:program |club )?members|"
    # "from Mom's day" is the day, not mothers.
    r"(?:moms|mums|dads)(?! s? ?day)|"
    r"loyalty program|rewards members|members|subscribers|b2b|wholesale)"
    r"(?: (?:customers|shoppers|buyers|users|members|devices|phones))?\b"
    r"|\b(?P<os>ios)\b"
)
# "orders excluding yesterday", "Q4 ex Black Friday": a day left out, never the period asked.
_DATE_LEFT_OUT = re.compile(r"\b(?:excluding|excl|except|without|minus|ex) (?:the )?_date_")


def split_by_foreign(parsed: Parsed, lex: Lexicon) -> str | None:
    """Why a split (or a cut) the request asks for cannot be made, if it cannot."""
    dims = ", ".join(lex.dimension_labels.get(d, d).lower() for d in lex.values)
    if _PER_UNIT.search(parsed.shape) is not None and parsed.metric is not None:
        said = re.search(r"(?:^|\s)(\S+ (?:per|each) \S+)", parsed.norm)
        ratio = said[1] if said else lex.metric_labels.get(parsed.metric, parsed.metric).lower()
        return (
            f"{not_measured(ratio)} I can give each of the two figures for the same period, "
            "or a ratio the layer defines (average order value, revenue per session, "
            "conversion rate)."
        )
    if parsed.metric is not None and (cut := uncut(parsed.shape, parsed.metric)) is not None:
        return cut
    if (step := funnel_step(parsed.shape)) is not None:
        return step
    if _DATE_LEFT_OUT.search(parsed.shape):
        return (
            "The data can't leave days out of a period; ask for the days you want (\u201cNov 1 "
            "to Nov 20\u201d) or for the period day by day."
        )
    if (_DAYS_ONLY.search(parsed.shape) and re.search(r"\bweek(?:end|day)s?\b", parsed.norm)) or (
        # The plural is the point, and the normalised words have lost it.
        _DAYS_OF_A_KIND.search(parsed.cleaned.lower()) and _LONGER_PERIOD.search(parsed.norm)
    ):
        return (
            "The data can't keep only some days of the week out of a longer period; ask for "
            "the weekend itself, or for the period day by day."
        )
    if (taken := _TAKEN_OUT.search(parsed.shape)) is not None and (
        taken["what"] == "_metric_"
        or taken["what"].split()[0] in _PARTS_OF_A_METRIC
        or is_foreign(taken["what"].split()[0], lex)
    ):
        what = "that part" if taken["what"] == "_metric_" else f"\u201c{taken['what']}\u201d"
        return (
            f"The data can't take {what} out of a metric: each metric is counted as the "
            "semantic layer defines it (ask how Scout counts it)."
        )
    if (amount := _BY_AMOUNT.search(parsed.shape)) is not None:
        return (
            f"The data can't keep only what is \u201c{amount['what']}\u201d: it cuts by {dims}, "
            "not by an amount or an age."
        )
    if (ranked := _RANKED.search(parsed.shape)) is not None:
        return (
            f"The data can't rank {ranked['what'] or ranked['ranked']}; it can be split by {dims}."
        )
    if parsed.cues.has("segment", "segment_plain", "segment_lead", "churn"):
        return None  # "segment them by recency and spend": the segmentation's own measures
    if (group := _NO_SUCH_GROUP.search(parsed.norm)) is not None and parsed.metric is not None:
        what = group["what"] or group["os"]
        what = "iOS" if what == "ios" else what
        return (
            f"The data can't keep only \u201c{what}\u201d: it cuts by {dims}, and none of them "
            "holds that; ask for the total, or for a split by one of those."
        )
    if (times := _BY_TIMES.search(parsed.norm)) is not None:
        return (
            f"The data can't keep only customers who bought \u201c{times['what']}\u201d: it knows "
            "new and returning customers (customer type), not how many times each bought. A "
            "customer segmentation groups customers by how often they buy."
        )
    found = _SPLIT_BY.search(parsed.shape)
    if found is None and (which := _WHICH_MOST.search(parsed.shape)) is not None:
        found = None if which["what"] in _TIME_WORDS else which
    if (
        found is None
        or found["what"] in _GROUPS_BY_BEHAVIOUR
        or not (is_foreign(found["what"], lex) or found["what"] in _KNOWN_NOT_SPLITS)
    ):
        return None
    what = found["what"]
    if found.groupdict().get("more") and is_foreign(found["more"], lex):
        what = f"{what} {found['more']}"
    return f"The data can't be split by \u201c{what}\u201d; it can be split by {dims}."


def _quoted(tokens: list[Token]) -> str:
    """The words of a phrase to quote back: its words only, never a number someone pasted."""
    return " ".join(t.orig for t in tokens if t.text.isalpha())


def _not_measured(measure: str) -> Outside:
    return Outside(why=not_measured(measure))


_AGAINST = frozenset(["vs", "versus", "against", "compare", "compared", "reconcile", "reconciling"])


def held_against_outside(parsed: Parsed, lex: Lexicon) -> bool:
    """'… reconciling against GA4', 'check it against what we assumed in the budget': what
    the figure is set against is foreign to the data (a tool, a plan), not a period or a
    segment."""
    words = [t.text for t in parsed.tokens]
    for i, word in enumerate(words):
        if word not in _AGAINST:
            continue
        for j in range(i + 1, min(i + 8, len(words))):
            if j in parsed.explained:
                return False
            if is_foreign(words[j], lex) or (
                words[j].isalnum() and not words[j].isalpha() and not words[j].isdigit()
            ):
                return True
    return False


def someone_else(parsed: Parsed, lex: Lexicon) -> str | None:
    """Another company whose numbers are asked for: a capitalised name in the possessive next
    to a metric ("Chewy's conversion rate"), or the one reporting them ("what did Wayfair
    report for revenue?"). None for the shop's own values, days and holidays."""
    text, tokens = parsed.text, parsed.tokens
    for found in _POSSESSIVE.finditer(text):
        name = found.group(1)
        if not _a_name(name.lower(), lex):
            continue
        # Only a metric of theirs: "now that Priya's out" is no one's numbers, nor is "for
        # Margot's Monday notes — AOV last week?" (the metric is past the clause's end).
        rest = text[found.end() :]
        clause = rest[: end.start()] if (end := CLAUSE_BREAK.search(rest)) else rest
        following = tokenize(normalize(clause))[:4]
        if any(s.kind == "metric" for m in lex.match(following) for s in m.senses):
            return name
    for i, token in enumerate(tokens):
        if i == 0 or not token.orig[:1].isupper() or not _a_name(token.text, lex):
            continue
        before = tokens[i - 1].text
        after = tokens[i + 1].text if i + 1 < len(tokens) else ""
        if before in ("did", "does", "do", "will") and after in REPORT_VERBS:
            return token.orig
    return None


def _a_name(word: str, lex: Lexicon) -> bool:
    if word in lex.vocabulary or (word,) in lex.phrases or word in MONTHS or word in WEEKDAYS:
        return False  # the shop's own words ("what did CA do"), or a date
    if word == "scout" or word in FUNCTION_WORDS or word in _WH:
        return False  # "How's revenue tracking?": a question word, never a company
    return not find_windows(word, date(2000, 1, 1))  # a period: "today's", "Christmas's"


class _Foreign:
    """The request's foreign words, by the place they take in it."""

    def __init__(self, parsed: Parsed, lex: Lexicon) -> None:
        self.tokens: list[Token] = parsed.tokens
        self.words = [t.text for t in parsed.tokens]
        self.explained = parsed.explained
        self.cleaned = parsed.cleaned
        self.first_clause_end = next(
            (i + 1 for i in range(len(self.tokens)) if breaks_after(self.tokens, self.cleaned, i)),
            len(self.tokens),
        )
        self.foreign = [
            i not in parsed.explained and is_foreign(w, lex) for i, w in enumerate(self.words)
        ]
        # "paid search revenue last week? and what was ROAS on it": when the first sentence
        # asks for a metric, it is the request; what later ones add is a second thought.
        end = self._first_sentence_end()
        if end < len(self.tokens) and any(
            s.kind == "metric" for m in lex.match(self.tokens[:end]) for s in m.senses
        ):
            self.foreign[end:] = [False] * (len(self.tokens) - end)

    def _first_sentence_end(self) -> int:
        for i in range(len(self.tokens) - 1):
            if ends_sentence(self.tokens, self.cleaned, i):
                return i + 1
        return len(self.tokens)

    def _run(self, start: int) -> tuple[int, int]:
        """The words from `start` up to the next grammar word or verb form: a noun phrase,
        near enough ("the Fivetran sync" in "has the Fivetran sync for … finished")."""
        end = start
        while end < len(self.words):
            word = self.words[end]
            if end > start and breaks_after(self.tokens, self.cleaned, end - 1):
                break
            if word in FUNCTION_WORDS or word in _AGAINST or word.endswith(("ing", "ed")):
                break
            if end > start and word in COMMON_WORDS:
                break  # "card payments got declined": an everyday verb ends the phrase
            end += 1
        return start, end

    def _headed_by_foreign(self, start: int, *, shortest: int = 1) -> str | None:
        """The noun phrase at `start`, when its last word (its head) is foreign."""
        first, end = self._run(start)
        if end - first < shortest or not self.foreign[end - 1]:
            return None
        return _quoted(self.tokens[first:end])

    def opening(self) -> str | None:
        """'Southeast headcount vs plan?': the phrase the request opens with, when a word
        qualifies a foreign head (one word alone is as likely a verb: "stack that up")."""
        start = next(
            (
                i
                for i, w in enumerate(self.words)
                if w not in FUNCTION_WORDS and not w.endswith("ly")
            ),
            None,
        )
        return None if start is None else self._headed_by_foreign(start, shortest=2)

    def subject(self) -> str | None:
        """'has the Fivetran sync finished?', 'when does the contract come up?', 'how many
        times did creators mention us?': the subject of a question's auxiliary verb."""
        for i, word in enumerate(self.words[: self.first_clause_end]):
            after_wh = any(w in _WH for w in self.words[max(0, i - 3) : i])
            if word not in _OPENERS or not (i == 0 or (after_wh and word in _AUXILIARIES)):
                continue
            j = i + 1
            while j < len(self.words) and self.words[j] in _DETERMINERS:
                j += 1
            if j == i + 1 and word not in _AUXILIARIES:
                continue  # "is revenue up": a subject needs its article after "is"
            if (found := self._headed_by_foreign(j)) is not None:
                return found
        return None

    def correlated(self) -> str | None:
        """'correlate daily temperatures with …': the foreign side of a correlation."""
        for i, word in enumerate(self.words):
            if word.startswith("correlat") or (
                word == "between" and i and self.words[i - 1] == "relationship"
            ):
                j = i + 1
                while j < len(self.words) and self.words[j] in _DETERMINERS:
                    j += 1
                if j < len(self.words) and (found := self._headed_by_foreign(j)) is not None:
                    return found
        return None

    def _phrase(self, start: int) -> str | None:
        """The foreign words from `start` on ("conference room"), if the first is foreign."""
        end = start
        while end < len(self.words) and self.foreign[end]:
            end += 1
        if end == start:
            return None
        return _quoted(self.tokens[start:end])

    def asked_for(self) -> str | None:
        """'which conference room …', "what's the population of …": the thing asked for."""
        for i, word in enumerate(self.words):
            if word in ("which", "what", "whats"):
                j = i + 1
                if word != "which":
                    while j < len(self.words) and self.words[j] in _BE:
                        j += 1
                    if j == i + 1:
                        # "what broke": a verb after "what", not the thing asked for.
                        continue
                if j >= len(self.words):
                    return None
                # "what's the Q4 revenue target": the phrase's head says what is asked for.
                return self._phrase(j) or self._headed_by_foreign(j)
        return None

    def topic(self) -> str | None:
        """'any news on the port strike?': what the question is about."""
        for i, word in enumerate(self.words[:-1]):
            if word in ABOUT_NOUNS and self.words[i + 1] in _ABOUT:
                j = i + 2
                while j < len(self.words) and self.words[j] in ("the", "a", "an", "our"):
                    j += 1
                if j < len(self.words):
                    return self._phrase(j)
        return None

    def mine(self) -> str | None:
        """'my Looker tile keeps timing out': the person's own things, not the shop's, when
        the request opens with them (later, "my manager said…" is an aside)."""
        for i, word in enumerate(self.words[: self.first_clause_end - 1]):
            if word == "my":
                found = self._phrase(i + 1)
                if found is not None:
                    return found
        return None

    def _measure_leads(self) -> list[int]:
        """Where a measure's object starts: after "average", "number of", "% of"."""
        starts = []
        for i in range(len(self.words)):
            for lead in _MEASURE_LEADS:
                if tuple(self.words[i : i + len(lead)]) == lead:
                    starts.append(i + len(lead))
            if (
                self.words[i] == "of"
                and i
                and "%" in self.cleaned[self.tokens[i - 1].end : self.tokens[i].start]
            ):
                starts.append(i + 1)
        return sorted(starts)

    def measured(self, *, head_only: bool = False) -> str | None:
        """'average star rating', 'median first-response time on tickets': a measure the
        layer does not have, whatever it is of."""
        for j in self._measure_leads()[:1]:  # only the first measure asked for counts
            while j < len(self.words) and self.words[j] in ("the", "a", "an", "our", "of"):
                j += 1
            first, end = self._run(j)
            named = any(k in self.explained for k in range(first, end))
            head = end > first and self.foreign[end - 1]
            if head or (not head_only and any(self.foreign[first:end]) and not named):
                return _quoted(self.tokens[first:end])
        return None
