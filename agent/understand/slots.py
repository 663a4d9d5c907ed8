"""Text → the pieces it names (metric, values, groupings, dates, customer), before intent.

Order matters: spelling first (so "yesterdy" is a date and "convrsion" a metric), then
date phrases (so "may" in "in May" is a month), then the layer's phrases on what is left.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property

from agent.understand.context import (
    Sentences,
    asides,
    date_is_context,
    ends_sentence,
    is_habit,
    later_list_items,
    motives,
    outside_asides,
    relayed_by,
    self_corrected,
    sentence_spans,
    statements_around_a_question,
    statements_beside_a_request,
    value_glosses,
    without_remarks,
)
from agent.understand.intents import GROUP_AFTER, GROUP_BEFORE, PLAIN_CUES, Cues, find_cues
from agent.understand.known import is_foreign
from agent.understand.lexicon import Correction, Lexicon, PhraseMatch
from agent.understand.normalize import Token, clean, tokenize
from agent.understand.vocabulary import (
    BEFORE_UNIT,
    CADENCE_WORDS,
    COMMON_WORDS,
    FUNCTION_WORDS,
    REPORT_NOUNS,
    REVENUE_VERBS,
    SELLING_WORDS,
    SHORTHAND,
    TOOL_NAMES,
)
from agent.understand.windows import MONTHS, NUMBER_WORDS, WEEKDAYS, Mention, find_windows

_CUSTOMER = re.compile(r"^c\d{3,}$")
_JOINERS = frozenset(
    [
        "vs",
        "versus",
        "v",
        "and",
        "or",
        "against",
        "than",
        "with",
        "to",
        "compared",
        "overtook",
        "overtaken",
        "overtake",
        "overtaking",
        "outsold",
        "outperformed",
        "beat",
        "beating",
        "behind",
        "trailing",
        "trails",
        "outpaced",
        # "AOV for new customers so far below repeat customers"
        "below",
        "above",
        "under",
    ]
)
# Metric words general enough to be what a segment's name is said with ("paid search traffic",
# "repeat buyers"), where "PPC conversion" names the rate on purpose.
_GENERIC_METRIC_WORDS = frozenset(
    [
        "traffic",
        "visits",
        "visitors",
        "sales",
        "volume",
        "business",
        "shoppers",
        "buyers",
        "customers",
        "users",
        "people",
    ]
)
# A count asked for just before a group's name ("how many first-time buyers").
_COUNTING = re.compile(r"\b(?:how many|number of|count of) (?:\S+ ){0,2}$")
# Areas people name that cut across or inside the layer's regions.
_AREAS = re.compile(
    r"\b(?:pacific northwest|pacific coast|gulf coast|mountain west|great lakes|rust belt|"
    r"sun belt|tri state|(?:the )?east coast|"
    # "revenue in the South": no region of the layer's, though two of them hold "south". (The
    # West Coast is the West, New England the Northeast: the labelled sets read them so.)
    r"the (?:south|north|east)(?! (?:east|west|star|pole|side|american|america|korea|coast))|"
    # "up north at the cottage": where the person was.
    r"down south|up north(?! at\b)|back east)\b"
    # "the 1pm east coast cut-off", "east coast time": a clock, not a place asked about.
    r"(?! (?:cut ?off|cutoff|time|deadline|hours?)\b)"
)
# "how's Chicago doing?": the place asked about, then how it goes.
_HOW_IT_GOES = frozenset(
    ["doing", "going", "holding", "looking", "performing", "faring", "tracking"]
)
_PLACE_PREPS = frozenset(["in", "from", "for", "at", "across", "within", "about", "hows"])
# "orders we shipped to Australia": where orders went names a place as "in" does.
# "orders went to Hawaii"; not "I'm going to Denver" (where the person goes).
_SENT = frozenset(["ship", "ships", "shipped", "shipping", "sent", "delivered", "deliver", "went"])
_LANGUAGES = frozenset(
    [
        "english",
        "german",
        "french",
        "spanish",
        "portuguese",
        "italian",
        "dutch",
        "japanese",
        "korean",
        "chinese",
        "mandarin",
        "cantonese",
        "hindi",
        "arabic",
        "polish",
        "swedish",
        "danish",
        "norwegian",
        "finnish",
        "turkish",
        "russian",
    ]
)
# "regional revenue": the adjective of a dimension asks for the split by it.
_GROUPING_ADJECTIVES = frozenset(["regional"])
_TOGETHER = frozenset(["combined", "together", "aggregated", "pooled", "overall"])
_RANKING_WORDS = frozenset(["performing", "selling", "converting", "earning", "grossing", "ranked"])
# "for the CRM team": a capitalised word naming a group of people, not a place.
_ORG_NOUNS = frozenset(
    ["team", "teams", "department", "dept", "group", "folks", "people", "squad", "crew", "org",
     "meeting", "channel", "lead", "leads", "manager", "managers", "campaign", "report", "deck",
     "call", "sync", "review", "office", "offices", "huddle"]
)  # fmt: skip


@dataclass(kw_only=True)
class Parsed:
    """Everything the text names, with where it was found."""

    text: str
    tokens: list[Token]
    norm: str
    hostile: bool
    corrections: list[Correction]
    mentions: list[Mention]
    cues: Cues
    metrics: list[str] = field(default_factory=list)
    filters: dict[str, str] = field(default_factory=dict)
    filter_words: dict[str, str] = field(default_factory=dict)  # dimension → phrase as matched
    compare: dict[str, tuple[str, str]] = field(default_factory=dict)
    group_by: list[str] = field(default_factory=list)
    extra_values: int = 0  # values dropped because a dimension got more than two
    # Values named to be left out ("all regions but the West"): dimension → value; the
    # split by the dimension answers, and the breakdown gives the total without them.
    left_out: dict[str, str] = field(default_factory=dict)
    customer_id: str | None = None
    unknown_value: tuple[str, str] | None = None  # (dimension, as typed)
    # Token positions a date, a customer id or one of the layer's phrases explains.
    explained: frozenset[int] = frozenset()
    # The text after markup is gone, punctuation kept: where its clauses break.
    cleaned: str = ""
    # The words with each date, metric, value and dimension replaced by its kind: what the
    # learned intent model reads, so it learns the phrasing rather than the layer's values.
    shape: str = ""

    @property
    def metric(self) -> str | None:
        return self.metrics[0] if self.metrics else None

    @cached_property
    def sentences(self) -> Sentences:
        """Each sentence's token span and whether it asks (split once per request)."""
        return sentence_spans(self.tokens, self.cleaned)

    @property
    def has_window(self) -> bool:
        return any(m.role == "main" and m.window is not None for m in self.mentions)

    @property
    def has_baseline(self) -> bool:
        return any(m.role == "baseline" for m in self.mentions)

    @property
    def empty(self) -> bool:
        return not (self.metrics or self.filters or self.compare or self.group_by)


def _metric_with_s(word: str, lex: Lexicon) -> bool:
    """A one-word metric name (three letters or more) with an s the layer does not know."""
    if len(word) < 4 or not word.endswith("s") or (word,) in lex.phrases:
        return False
    return any(s.kind == "metric" for s in lex.phrases.get((word[:-1],), ()))


def parse(text: str, lex: Lexicon, today: date) -> Parsed:
    """Find every piece the text names; the intent is decided afterwards."""
    cleaned = clean(text)
    tokens = _split_words_joined(tokenize(cleaned.text), lex)
    corrections: list[Correction] = []
    for i, token in enumerate(tokens):
        if i == 0 and token.text == "y" and len(tokens) > 2:
            # "y r billing tix blowing up", "y is the SE so high": chat's "why".
            tokens[0] = replace(token, text="why")
            if tokens[1].text == "r":
                tokens[1] = replace(tokens[1], text="are")
            continue
        if token.text in SHORTHAND:
            tokens[i] = replace(token, text=SHORTHAND[token.text])
            continue
        if _metric_with_s(token.text, lex):
            # "AOV's been soft", "CVRs by device": a metric's short name with an 's.
            tokens[i] = replace(token, text=token.text[:-1])
            continue
        fix = lex.correct(token.text)
        if fix is None and i > 0 and _announces_unit(tokens[i - 1].text):
            fix = lex.correct_unit(token.text)
        if fix is not None:
            corrections.append(fix)
            tokens[i] = Token(text=fix.fixed, orig=token.orig, start=token.start, end=token.end)
    taken_back = self_corrected(tokens, cleaned.text, lex)
    tokens = [t for i, t in enumerate(tokens) if i not in taken_back]
    starts: list[int] = []
    pos = 0
    for token in tokens:
        starts.append(pos)
        pos += len(token.text) + 1
    norm = " ".join(t.text for t in tokens)
    glossed = value_glosses(tokens, lex)
    said = statements_around_a_question(tokens, cleaned.text, lex) - glossed
    why_asked = motives(tokens, cleaned.text) - glossed
    aside = (
        asides(tokens, cleaned.text)
        | why_asked
        | said
        | relayed_by(tokens, lex)
        | later_list_items(tokens, cleaned.text)
    ) - glossed
    mentions = _mentions(norm, tokens, starts, aside, cleaned.text, lex, today)
    in_dates = {i for m in mentions for i in _covered(m, tokens, starts)}
    customer_id, customer_tokens = _customer(tokens)
    matches = outside_asides(lex.match(tokens, skip=in_dates | customer_tokens), aside, tokens)
    # "I'm setting targets for the reactivation emails.": a statement's values filter nothing,
    # nor do a motive's ("want to know if the Southwest dip is new").
    matches = [m for m in matches if not (m.is_value and m.start in said | why_asked)]
    matches = without_remarks(matches, tokens, cleaned.text, in_dates, lex, glossed)
    masked = [t.text for t in tokens]
    for i in in_dates | customer_tokens:
        masked[i] = "#"
    for m in matches:
        if not _is_dimension(m):
            masked[m.start : m.end] = ["#"] * (m.end - m.start)
    # An aside's words ("it's for the persona deck") ask for nothing.
    for i in aside:
        masked[i] = "~"
    # A dimension word that groups nothing ("customer segments for the West") stays visible
    # to the cue rules: it is the subject of the request, not a slot.
    grouping = _grouping_matches(tokens, matches, find_cues(" ".join(masked)), lex)
    for m in matches:
        if id(m) in grouping:
            masked[m.start : m.end] = ["#"] * (m.end - m.start)
    parsed = Parsed(
        text=text,
        tokens=tokens,
        norm=norm,
        hostile=cleaned.hostile,
        cleaned=cleaned.text,
        corrections=corrections,
        mentions=mentions,
        cues=find_cues(
            " ".join(masked), " ".join("~" if i in aside else t.text for i, t in enumerate(tokens))
        ),
        customer_id=customer_id,
    )
    parsed.shape = _shape(tokens, matches, in_dates | customer_tokens)
    _interpret(parsed, matches, lex, grouping)
    _asked_metric_first(parsed, matches, cleaned.text)
    if parsed.metrics == ["customers"] and parsed.filters and _HOW_DID_GROUP.search(norm):
        # "how did returning customers do last week?": a scorecard of the group, not a count.
        parsed.metrics = []
    if (
        parsed.metrics[:1] == ["customers"]
        and "conversion_rate" in parsed.metrics
        and not re.search(r"\b(?:how many|number of|count of)\b", norm)
    ):
        # "do customers from email convert better than paid search ones?": who converts is
        # the subject; the rate is what is asked.
        parsed.metrics.remove("conversion_rate")
        parsed.metrics.insert(0, "conversion_rate")
    if not parsed.metrics and _THE_BUSINESS.search(norm):
        # "are we growing?", "are we ahead of last year?": the business's size is its revenue.
        parsed.metrics = [m for m in ("revenue",) if m in lex.metric_labels]
    if _sold_goods(parsed, matches, lex, aside):
        # "are toys selling more?", "which region sold the most toys?": goods sell in units.
        parsed.metrics = ["units_sold"]
    used = in_dates | customer_tokens | {i for m in matches for i in range(m.start, m.end)}
    # An aside's words are context: never what the request is about, nor a place it names.
    parsed.explained = frozenset(used | aside)
    # "Memphis and Nashville — the TN total is fine": cities inside a state named.
    if "state" not in parsed.filters:
        # "… this month? In Japan the smartphone is always higher": a place in what is told
        # beside the question is where the person is, not what they ask about.
        beside = statements_beside_a_request(tokens, parsed.sentences, lex)
        parsed.unknown_value = _unknown_place(tokens, set(parsed.explained) | beside, lex)
    return parsed


# Words that join two others, never the end of one: "rev vs …" is not "revs".
_CONNECTIVES = frozenset(["vs", "v", "or", "and", "by", "per", "to", "in", "on", "of", "for"])
# Letters as dictation writes their names: "see vr" is CVR spoken.
_LETTER_NAMES = {"see": "c", "sea": "c", "bee": "b", "pee": "p", "tee": "t", "ay": "a"}


def _split_words_joined(tokens: list[Token], lex: Lexicon) -> list[Token]:
    """'desk top', 'tick its', 'see vr': a name of the layer (a metric, a dimension, a value)
    typed or dictated in two pieces, the first of which is no word Scout knows, or a
    letter's name."""
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        first = tokens[i]
        if i + 1 < len(tokens) and first.text.isalpha() and tokens[i + 1].text.isalpha():
            letter = _LETTER_NAMES.get(first.text)
            spelled = letter + tokens[i + 1].text if letter else ""
            # An acronym typed in capitals ("ROAS") is a word of its own, if an unknown one.
            known = (
                first.text in lex.vocabulary
                or (first.text,) in lex.phrases
                or first.text in COMMON_WORDS
                or first.text in SHORTHAND
                or first.orig.isupper()
                or tokens[i + 1].text in _CONNECTIVES
            ) and (spelled,) not in lex.phrases
            joined = spelled if (spelled,) in lex.phrases else first.text + tokens[i + 1].text
            if not known and (joined,) not in lex.phrases:
                joined = lex.correct_closely(joined) or ""
            if not known and (joined,) in lex.phrases:
                second = tokens[i + 1]
                out.append(Token(text=joined, orig=joined, start=first.start, end=second.end))
                i += 2
                continue
        out.append(first)
        i += 1
    return out


_SOLD = re.compile(r"\b(?:sell|sells|selling|sold)\b(?! through| out)")


def _sold_goods(parsed: Parsed, matches: list[PhraseMatch], lex: Lexicon, aside: set[int]) -> bool:
    """Whether a selling verb of the request (not of a story told beside it) is said of
    goods only units describe (a category, which revenue is not split by), with no measure
    named but the verb's revenue."""
    if parsed.metrics not in ([], ["revenue"]) or "units_sold" not in lex.dims_for:
        return False
    if any(m.is_metric and not _SOLD.search(m.text) for m in matches):
        return False
    asked = " ".join(t.text for i, t in enumerate(parsed.tokens) if i not in aside)
    if not _SOLD.search(asked) or re.search(r"\bhow much\b|\bforecast", asked):
        return False
    named = {*parsed.filters, *parsed.group_by, *parsed.compare}
    units = set(lex.dims_for["units_sold"])
    return bool(named - set(lex.dims_for.get("revenue", ()))) and named <= units


# "How are returning customers doing?": how a group of customers did, as a whole.
_HOW_DID_GROUP = re.compile(
    r"^(?:so |and |ok |hey )?how (?:are|is|were|was|did|do|have|has|re|s|d) (?:our |the |my )?"
    r"(?:\S+ ){1,2}?(?:customers|buyers|shoppers) (?:been )?(?:do|doing|done|fare|faring|fared|"
    r"perform|performing|performed|going)\b"
    # "a short summary of how it went yesterday for the clients of the Northeast"
    r"|\bhow it (?:went|goes) (?:\S+ ){0,3}?(?:for|with) (?:the |our )?(?:customers|clients|buyers|shoppers)\b"
)
# A question about the business as a whole, asked of "we" with no metric.
_THE_BUSINESS = re.compile(
    r"^(?:so |ok |and |but )?(?:are|is|were|was) (?:we|the business|the company|the shop|the store)"
    r" (?:\S+ ){0,2}?(?:growing|shrinking|ahead|behind|bigger|smaller)\b"
)


def _rate_in_a_statement(
    mention: Mention, mentions: list[Mention], tokens: list[Token], starts: list[int], text: str
) -> bool:
    """'KR 2.1 says grow repeat customers 15% quarter on quarter. How many … in Q3?': a rate
    of change stated in one sentence is no baseline for a period asked about in another."""
    if mention.window is not None or mention.relative is None:
        return False
    spans = sentence_spans(tokens, text)

    def sentence_of(m: Mention) -> int:
        first = min(_covered(m, tokens, starts), default=0)
        return next(k for k, (b, e, _) in enumerate(spans) if b <= first < e)

    asked = {sentence_of(m) for m in mentions if m.role == "main" and m.window is not None}
    own = sentence_of(mention)
    return bool(asked) and own not in asked and not spans[own][2]


def _covered(mention: Mention, tokens: list[Token], starts: list[int]) -> set[int]:
    return {
        i
        for i, s in enumerate(starts)
        if s < mention.end and mention.start < s + len(tokens[i].text)
    }


def _mentions(
    norm: str,
    tokens: list[Token],
    starts: list[int],
    aside: set[int],
    text: str,
    lex: Lexicon,
    today: date,
) -> list[Mention]:
    """The dates named, without those of an aside ("I joined last Tuesday", "rolled out on
    Wednesday", "today's picking waves") or of a later clause about something else ("… —
    need to know where to point the pickers today") when the request names another period.
    The rest are read again without them, so "the last 7 days" is no longer the second of a
    pair."""
    norm = _questions_apart(norm, tokens, starts, text)
    mentions = find_windows(norm, today)
    told_before, told_after = _told_beside_a_question(mentions, norm, tokens, starts, text)
    asides = [
        m
        for m in mentions
        if date_is_context(_covered(m, tokens, starts), aside, tokens, text, lex)
        or _rate_in_a_statement(m, mentions, tokens, starts, text)
        or m in told_before
        or _glossed(m, mentions, tokens, starts, text)
    ]
    # "what you send every Monday": a habit's day is never the period, even the only one;
    # nor is one told after the question ("… Last year it was a disaster.").
    habits = [m for m in mentions if is_habit(_covered(m, tokens, starts), tokens)]
    habits += [m for m in told_after if m not in habits]
    if not habits and (not asides or len(asides) == len(mentions)):
        return mentions
    if all(m in asides or m in habits for m in mentions):
        asides = []  # a period nobody asked about beats none; a habit's day never counts
    blanked = list(norm)
    for found in [*asides, *habits]:
        blanked[found.start : found.end] = [
            "x" if c != " " else c for c in norm[found.start : found.end]
        ]
    return find_windows("".join(blanked), today)


def _glossed(
    mention: Mention, mentions: list[Mention], tokens: list[Token], starts: list[int], text: str
) -> bool:
    """'the tax-free weekend (8/7–8/9)', 'the promo weekend (Aug 7 to Aug 9)': a period the
    dates in brackets right after it spell out; the dates are the period."""
    covered = _covered(mention, tokens, starts)
    if mention.role != "main" or not covered:
        return False
    after = max(covered) + 1
    if after >= len(tokens) or "(" not in text[tokens[after - 1].end : tokens[after].start]:
        return False
    return any(
        other.window is not None and min(_covered(other, tokens, starts), default=-1) == after
        for other in mentions
    )


def _questions_apart(norm: str, tokens: list[Token], starts: list[int], text: str) -> str:
    """The text with a line break, not a space, after each question or exclamation mark, so
    no date phrase reads across it ("sales by category for July? planning the fall floor
    set": "July planning" is no event being planned). Offsets stay those of `norm`."""
    marks = [starts[i + 1] - 1 for i in range(len(tokens)) if ends_sentence(tokens, text, i, "?!")]
    if not marks:
        return norm
    chars = list(norm)
    for at in marks:
        chars[at] = "\n"
    return "".join(chars)


_ASKS_OPEN = frozenset(
    ["how", "hows", "what", "whats", "which", "why", "is", "are", "was", "were", "did", "do",
     "does", "has", "have", "can", "could", "where", "wheres", "when"]
)  # fmt: skip


def _asked_metric_first(parsed: Parsed, matches: list[PhraseMatch], text: str) -> None:
    """'Buyers place the January orders off the legacy forecast. … How far off has the home
    forecast been?': the metric the question names leads those of the story told before it."""
    sentences = sentence_spans(parsed.tokens, text)
    asking = [(begin, end) for begin, end, asks in sentences if asks]
    if len(sentences) < 2 or not asking or asking[0][0] == 0 or len(parsed.metrics) < 2:
        return
    begin, end = asking[-1]
    if parsed.tokens[begin].text not in _ASKS_OPEN:
        return  # "PPC conversion fell off a cliff. landing page or traffic quality?"
    asked = [
        s.name
        for m in matches
        if m.is_metric and begin <= m.start < end
        for s in m.senses
        if s.kind == "metric"
    ]
    first = next((name for name in asked if name in parsed.metrics), None)
    if first is not None and parsed.metrics[0] not in asked:
        parsed.metrics.remove(first)
        parsed.metrics.insert(0, first)


_RELATIVE = re.compile(r"\b(?:before|after|earlier|prior|previous|that)\b")


def _told_beside_a_question(
    mentions: list[Mention], norm: str, tokens: list[Token], starts: list[int], text: str
) -> tuple[list[Mention], list[Mention]]:
    """'AOV looked healthy all through Q3. … Why is AOV down over the last 14 days?': when the
    question names its own period, the periods of the sentences told before it are the story
    so far, not what is asked; a statement after the question ("… Last year it was a
    disaster.") tells, whether or not the question names a period."""
    sentences = sentence_spans(tokens, text)
    asking = {i for begin, end, asks in sentences if asks for i in range(begin, end)}
    if len(sentences) < 2 or not asking:
        return [], []
    inside = [m for m in mentions if _covered(m, tokens, starts) <= asking]
    first_asked, last_asked = min(asking), max(asking)
    # "… doubled on Thursday. Check it against the Thursday before?": a period told relative
    # to the one before is not a period of its own.
    dated = any(m.role == "main" or not _RELATIVE.search(norm[m.start : m.end + 8]) for m in inside)

    def told_after(covered: set[int]) -> bool:
        # "… November last year? I'm told last year was a shocker.": a statement after the
        # question tells, it does not ask (a request after it may: "Compare it to May.").
        if min(covered, default=0) <= last_asked:
            return False
        said = next([t.text for t in tokens[b:e]] for b, e, _ in sentences if b <= min(covered) < e)
        words = set(said)
        # "how far off is it this month" asks without its question mark; "daily for the last
        # 2 weeks is plenty" says what to show.
        return (
            bool(words & _STATEMENT_VERBS)
            and not words & (_COMPARING | _ASKING_WORDS)
            and said[0] not in _QUESTION_OPENERS
        )

    before = [
        m
        for m in mentions
        if m not in inside
        and dated
        and max(_covered(m, tokens, starts), default=first_asked) < first_asked
    ]
    after = [m for m in mentions if m not in inside and told_after(_covered(m, tokens, starts))]
    return before, after


_STATEMENT_VERBS = frozenset(["was", "were", "is", "are", "has", "had", "been", "s", "told"])
_COMPARING = frozenset(["vs", "versus", "against", "compare", "compared", "than", "v"])
_QUESTION_OPENERS = frozenset(
    [
        "how",
        "what",
        "whats",
        "why",
        "which",
        "when",
        "where",
        "who",
        "is",
        "are",
        "was",
        "were",
        "does",
        "did",
        "do",
        "can",
        "could",
        "would",
        "has",
        "have",
        "any",
        "and",
    ]
)
_ASKING_WORDS = frozenset(
    ["daily", "weekly", "monthly", "plenty", "please", "pls", "enough", "show"]
)


def _shape(tokens: list[Token], matches: list[PhraseMatch], dates: set[int]) -> str:
    """'why did cvr drop in the NE last week' → 'why did _metric_ drop in the _value_ _date_'."""
    kinds: list[str] = [t.text for t in tokens]
    for i in dates:
        kinds[i] = "_date_"
    for m in matches:
        kind = "_metric_" if any(s.kind == "metric" for s in m.senses) else f"_{m.senses[0].kind}_"
        kinds[m.start : m.end] = [kind] + [""] * (m.end - m.start - 1)
    for i in range(len(kinds) - 1):
        if kinds[i] in CADENCE_WORDS and kinds[i + 1] in REPORT_NOUNS:
            kinds[i] = ""  # "my weekly report": the report's cadence, not a trend asked for
    out: list[str] = []
    for word in kinds:
        if word and not (word == "_date_" and out and out[-1] == word):
            out.append(word)
    return " ".join(out)


def _announces_unit(word: str) -> bool:
    """'last', 'past', '7', 'seven': the next word is a unit of time."""
    return word in BEFORE_UNIT or word.isdigit() or word in NUMBER_WORDS


def _customer(tokens: list[Token]) -> tuple[str | None, set[int]]:
    for i, token in enumerate(tokens):
        if _CUSTOMER.match(token.text):
            return "C" + token.text[1:], {i}
        if token.text in ("customer", "customerid", "id") and i + 1 < len(tokens):
            following = tokens[i + 1].text
            if following == "id" and i + 2 < len(tokens):
                i, following = i + 1, tokens[i + 2].text
            if following.isdigit() and len(following) >= 3:
                return "C" + following.zfill(6), {i + 1}
    return None, set()


_DEFAULT_ONLY = REVENUE_VERBS | frozenset(SELLING_WORDS)


def _objects_of_verbs(matches: list[PhraseMatch]) -> list[PhraseMatch]:
    """'which channel brought in the most new customers': what was brought in is the metric;
    the verb names revenue only when no other metric is named."""
    others = [m for m in matches if m.is_metric and m.text not in _DEFAULT_ONLY]
    if not others:
        return matches
    # "how many new customers did Google Ads bring in": the object named before the verb.
    return [m for m in matches if m.text not in _DEFAULT_ONLY]


def _interpret(
    parsed: Parsed, matches: list[PhraseMatch], lex: Lexicon, grouping: set[int]
) -> None:
    """Metrics, filters, comparisons and groupings from the matched phrases."""
    matches = _objects_of_verbs(_drop_qualifiers(matches))
    plain_metric = any(all(s.kind == "metric" for s in m.senses) for m in matches)
    values: list[tuple[PhraseMatch, list[str], str]] = []  # match, dimensions, value
    declined: set[str] = set()
    for match in matches:
        kinds = {s.kind for s in match.senses}
        metric = next((s.name for s in match.senses if s.kind == "metric"), None)
        # "new customers" is a metric on its own, a filter next to another metric.
        if metric and (kinds == {"metric"} or not (plain_metric or parsed.metrics)):
            metric = _counted(metric, match, parsed.tokens, lex)
            if _NOT_BEFORE.search(" ".join(t.text for t in parsed.tokens[: match.start])):
                declined.add(metric)  # "dollars this time, not units"
            if metric not in parsed.metrics:
                parsed.metrics.append(metric)
            continue
        value_senses = [s for s in match.senses if s.kind == "value"]
        if value_senses:
            value = value_senses[0].value
            assert value is not None
            dims = [s.name for s in value_senses if s.value == value]
            values.append((match, dims, value))
            continue
        dim = next(s.name for s in match.senses if s.kind == "dimension")
        if id(match) in grouping:
            grouped = lex.group_dimension(dim, None)
            if grouped not in parsed.group_by:
                parsed.group_by.append(grouped)
    if not parsed.metrics:
        parsed.metrics.extend(_counted_in_value(values, parsed.tokens, lex))
    parsed.metrics = [m for m in parsed.metrics if m not in declined] or parsed.metrics
    metric = parsed.metric
    parsed.group_by = [lex.group_dimension(d, metric) for d in parsed.group_by]
    by_dim: dict[str, list[tuple[PhraseMatch, str]]] = {}
    for match, dims, value in values:
        dim = lex.value_dimension(dims, metric)
        twin = lex.group_dimension(dim, metric)
        if twin != dim and any(v == value for _, v in by_dim.get(twin, [])):
            continue  # "the beauty pages … the skincare guide": one value, named twice
        if all(value != v for _, v in by_dim.get(dim, [])):
            by_dim.setdefault(dim, []).append((match, value))
    # "| Northeast 2.4% | West 3.1% | … put the two regions side by side": two values of one
    # dimension and a word that sets them against each other, however far apart.
    setting_against = parsed.cues.has("compare") and sum(len(f) == 2 for f in by_dim.values()) == 1
    for dim, found in by_dim.items():
        first = found[0][0].start
        if (
            len(found) >= 2
            and first > 0
            and parsed.tokens[first - 1].text == "by"
            and _joined(parsed.tokens, found[0][0], found[1][0])
        ):
            # "split that by new and returning customers": the split, named by its values.
            if dim not in parsed.group_by:
                parsed.group_by.append(dim)
        elif (len(found) == 2 and setting_against) or (
            len(found) >= 2 and _joined(parsed.tokens, found[0][0], found[1][0])
        ):
            parsed.compare[dim] = (found[0][1], found[1][1])
            parsed.extra_values += len(found) - 2
        elif (leaving := _left_out_value(parsed.tokens, found[0][0], lex)) is not None:
            # "revenue excluding the West": a filter can only keep a value, so the split by
            # its dimension answers, with every other value in it (never the West alone).
            if dim not in parsed.group_by:
                parsed.group_by.append(dim)
            if leaving:
                parsed.left_out[dim] = found[0][1]
        else:
            parsed.filters[dim] = found[0][1]
            parsed.filter_words[dim] = found[0][0].text
            parsed.extra_values += len(found) - 1
    for dim, word in list(parsed.filter_words.items()):
        # "… mostly one channel, probably paid search. Which channel did it come from?": a
        # guess at the answer to "which channel", not a filter on the question.
        if re.search(rf"\b(?:probably|maybe|likely|perhaps) {re.escape(word)}\b", parsed.norm) and (
            re.search(rf"\bwhich (?:\S+ )?{dim}\b", parsed.norm)
        ):
            del parsed.filters[dim], parsed.filter_words[dim]
            if dim not in parsed.group_by:
                parsed.group_by.append(dim)
    split_by = [d for d in parsed.group_by if re.search(rf"\b(?:by|per|each) {d}s?\b", parsed.norm)]
    for dim in [d for d in parsed.compare if d in split_by]:
        # "orders by state … want to see how AZ and NM held up": rows of the split to look
        # at, not a comparison in place of it.
        del parsed.compare[dim]
    # "how many first-time buyers": counting a group the layer has a metric for
    # ("new_customers") is that metric, not customers filtered to the group.
    for dim, value in list(parsed.filters.items()):
        own = f"{value}_{parsed.metric}".lower()
        word = parsed.filter_words.get(dim, "")
        before = parsed.norm.split(f" {word} ")[0] + " " if word else ""
        if parsed.metrics and own in lex.dims_for and _COUNTING.search(before):
            parsed.metrics[0] = own
            del parsed.filters[dim]
            parsed.filter_words.pop(dim, None)
    # "desktop vs mobile ATC … which device wins": the comparison already splits by it.
    parsed.group_by = list(dict.fromkeys(d for d in parsed.group_by if d not in parsed.compare))


# "…, not units", "rather than orders", "instead of revenue": a metric named to be declined.
_NOT_BEFORE = re.compile(r"(?:^|\s)(?:not|rather than|instead of)$")


def _counted(metric: str, match: PhraseMatch, tokens: list[Token], lex: Lexicon) -> str:
    """'how many returns', 'the number of returns': a count asked of a rate's word is the
    count the rate is a share of ("return rate" itself stays the rate)."""
    count = lex.count_of.get(metric)
    if count is None or "rate" in match.text.split():
        return metric
    before = " ".join(t.text for t in tokens[max(0, match.start - 4) : match.start]) + " "
    return count if _COUNTING.search(before) else metric


def _counted_in_value(
    values: list[tuple[PhraseMatch, list[str], str]], tokens: list[Token], lex: Lexicon
) -> list[str]:
    """'how many distinct returning customers': a value whose last word is a metric on its
    own names what is counted as well as the filter."""
    for match, _, _ in values:
        if match.end - match.start > 1:
            head = lex.phrases.get((tokens[match.end - 1].text,), ())
            metric = next((s.name for s in head if s.kind == "metric"), None)
            if metric is not None:
                return [metric]
    return []


def _drop_qualifiers(matches: list[PhraseMatch]) -> list[PhraseMatch]:
    """In "paid search traffic" next to another metric, "traffic" only names the segment; a
    specific metric ("Midwest returned units", "PPC conversion") is named on purpose, unless
    it is named elsewhere too."""
    metric_at = [i for i, m in enumerate(matches) if any(s.kind == "metric" for s in m.senses)]
    if len(metric_at) < 2:
        return matches
    named = Counter(s.name for i in metric_at for s in matches[i].senses if s.kind == "metric")
    drop = {
        i
        for i in metric_at
        if i > 0
        and (
            matches[i].text in _GENERIC_METRIC_WORDS
            or any(named[s.name] > 1 for s in matches[i].senses if s.kind == "metric")
        )
        and matches[i - 1].end == matches[i].start
        and all(s.kind == "value" for s in matches[i - 1].senses)
    }
    if len(drop) == len(metric_at):
        drop.discard(metric_at[0])
    return [m for i, m in enumerate(matches) if i not in drop]


def _is_dimension(match: PhraseMatch) -> bool:
    return all(s.kind == "dimension" for s in match.senses)


def _grouping_matches(
    tokens: list[Token], matches: list[PhraseMatch], cues: Cues, lex: Lexicon
) -> set[int]:
    """Ids of the dimension matches that name a grouping, joined ones included."""
    found: set[int] = set()
    previous: PhraseMatch | None = None
    for k, match in enumerate(matches):
        if not _is_dimension(match):
            continue
        if k > 0 and _names_the_value_s_dimension(matches[k - 1], match):
            continue  # "the West region": which region, not a split by region
        if _declined(tokens, match):
            continue  # "don't need it by platform"
        if (
            _groups(tokens, match, cues, lex)
            or (previous is not None and id(previous) in found and _listed(tokens, previous, match))
            or _terse_split(tokens, matches, k)
        ):
            found.add(id(match))
        previous = match
    return found


_DECLINING = frozenset(["dont", "not", "without", "no", "never", "nor"])


def _declined(tokens: list[Token], match: PhraseMatch) -> bool:
    """'blended is fine, don't need it by platform', 'not by region': a split turned down."""
    before = [t.text for t in tokens[max(0, match.start - 5) : match.start]]
    return "by" in before[-2:] and bool(_DECLINING & set(before))


def _terse_split(tokens: list[Token], matches: list[PhraseMatch], k: int) -> bool:
    """'tix topic sw wknd', 'orders channel yday': in a few words, a dimension right after a
    metric is the split (unless its own value follows: 'conversion device mobile')."""
    if len(tokens) > 6 or k == 0 or not matches[k - 1].is_metric:
        return False
    if matches[k - 1].end != matches[k].start:
        return False
    after = matches[k + 1] if k + 1 < len(matches) else None
    return not (after is not None and _names_the_value_s_dimension(matches[k], after, reverse=True))


def _names_the_value_s_dimension(
    before: PhraseMatch, match: PhraseMatch, *, reverse: bool = False
) -> bool:
    """'the West region' (or, `reverse`, 'region West'): a value beside its own dimension."""
    dimension, value = (before, match) if reverse else (match, before)
    dims = {s.name for s in dimension.senses}
    return before.end == match.start and any(
        s.kind == "value" and s.name in dims for s in value.senses
    )


def _listed(tokens: list[Token], a: PhraseMatch, b: PhraseMatch) -> bool:
    """'by channel and device', 'by region, device': the later one groups too."""
    between = [t.text for t in tokens[a.end : b.start]]
    # Nothing between: the comma the tokenizer dropped ("by channel, device").
    return len(between) <= 2 and set(between) <= {"and", "&", "plus", "then", "also", "x", "by"}


def _groups(toks: list[Token], match: PhraseMatch, cues: Cues, lex: Lexicon) -> bool:
    """A dimension named as the grouping: 'by region', 'which channel', 'top 3 categories'."""
    before = [t.text for t in toks[max(0, match.start - 3) : match.start]]
    after = toks[match.end].text if match.end < len(toks) else ""
    if match.text in _GROUPING_ADJECTIVES:
        # "regional revenue"; not "the regional call in 10", "a regional shoutout".
        return after not in _ORG_NOUNS and not is_foreign(after, lex)
    if after in _TOGETHER:
        return False  # "all channels combined": the total, not the split
    if before and before[-1] == "all" and before[-2:-1] != ["by"]:
        return False  # "all devices and all channels", "- all regions": everything, no split
    if before and before[-1] in GROUP_BEFORE:
        return True
    if before[-1:] == ["select"]:
        return True  # "SELECT landing_category, conversion_rate FROM …": a column per row
    # "which Northeast states sold the most": the split inside the value named before it.
    if len(before) >= 2 and before[-2] == "which" and match.text.endswith("s"):
        return True
    # "best performing region", "top selling category"
    if len(before) >= 2 and before[-1] in _RANKING_WORDS and before[-2] in GROUP_BEFORE:
        return True
    # "top 3 categories", "worst 5 states": a ranking word and a count before the dimension.
    if len(before) >= 2 and before[-1].isdigit() and before[-2] in GROUP_BEFORE:
        return True
    if len(before) >= 2 and before[-2:] in (
        ["for", "each"],
        ["split", "by"],
        ["down", "by"],
        ["by", "the"],
        ["out", "by"],
    ):  # "broken out by the channel that brought them in"
        return True
    # "distributed between the channels", "the orders over the regions": spread over them all.
    if before[-2:] in (["between", "the"], ["across", "the"], ["among", "the"], ["over", "the"]):
        return match.text.endswith("s")
    # "is it one channel in particular?", "concentrated in one device?", "if one channel
    # explains most of it, which?", "is one region dragging it?": asking which one;
    # not "the one region I care about" or "in one region only: the West".
    if before[-1:] == ["one"] and before[-2:-1] in (["it"], ["its"], ["is"], ["in"], ["if"]):
        return after not in ("only", "just")
    # "is it related to the device?", "does it depend on the channel?": whether the split
    # by it explains the move.
    if before[-3:] in (["related", "to", "the"], ["depend", "on", "the"], ["due", "to", "the"]):
        return True
    # "is it a device thing?": asking whether one of the dimension's values explains it.
    if after == "thing" and before[-1:] in (["a"], ["an"]) and before[-2:-1] in (["it"], ["its"]):
        return True
    return after in GROUP_AFTER or cues.has("breakdown")


_LEAVING_OUT = frozenset(
    [
        "excluding",
        "excl",
        "exclude",
        "except",
        "without",
        "ex",
        "outside",
        "minus",
        "besides",
        "non",
        "not",
        "ignoring",
        "omitting",
    ]
)
# "not counting paid search", "leaving out the West", "setting aside mobile".
_LEAVING_OUT_PAIRS = frozenset(
    [
        ("not", "counting"),
        ("not", "including"),
        ("leaving", "out"),
        ("leave", "out"),
        ("setting", "aside"),
        ("other", "than"),
        ("apart", "from"),
        ("aside", "from"),
    ]
)
# "all regions but the West", "every channel except email", "everyone but mobile".
_ALL_BUT = re.compile(
    r"\b(?:everyone|everything|everybody|all|every|any)(?: \S+)? (?:but|except|save)$"
)


def _left_out_value(tokens: list[Token], match: PhraseMatch, lex: Lexicon) -> bool | None:
    """Whether the value is named to be left out (True: "excluding the West", "all regions
    but the West", "not counting paid search"), or named beside the rest (False: "including
    the West"); None when it is a filter ("other than the billing address", a thing of its
    own, names no value): either way a filter would keep it alone."""
    after = tokens[match.end].text if match.end < len(tokens) else ""
    if after in ("excluded", "aside", "removed", "excepted"):
        return True  # "revenue, West excluded, last week"
    if after.isalpha() and is_foreign(after, lex):
        return None
    before = [t.text for t in tokens[max(0, match.start - 4) : match.start]]
    if before[-1:] == ["the"]:
        before = before[:-1]
    if before[-1:] == ["but"] or (before[-1:] == ["except"] and _ALL_BUT.search(" ".join(before))):
        # "everyone but mobile", "all channels but email"; not "up, but mobile is down".
        return True if _ALL_BUT.search(" ".join(before)) else None
    if not before:
        return None
    if (
        before[-1] in _LEAVING_OUT
        or tuple(before[-2:]) in _LEAVING_OUT_PAIRS
        # "revenue not from mobile", "orders not in the Northeast", "anyone not on mobile"
        or (len(before) >= 2 and before[-2] in _LEAVING_OUT and before[-1] in _THROUGH)
    ):
        return True
    # "revenue including the West": the West beside the rest, never the West alone.
    return False if before[-1] in ("including", "incl", "inclusive") else None


_THROUGH = frozenset(["from", "in", "on", "via", "through", "for", "at", "using", "by", "with"])


def _joined(tokens: list[Token], a: PhraseMatch, b: PhraseMatch) -> bool:
    between = {t.text for t in tokens[a.end : b.start]}
    # "the NE stack up against the West": a few words of the comparison between them;
    # "first-time shoppers spending less per order than returning ones": a few more before
    # "than".
    reach = 6 if between & {"than", "behind", "under", "below", "above"} else 4
    return bool(between & _JOINERS) and b.start - a.end <= reach


# What a question passed on from a person is called: "relaying from Margot", "a question
# from Sam".
_PASSED_ON = frozenset(
    ["relaying", "relayed", "forwarding", "forwarded", "question", "questions", "message", "note"]
)


_GREETINGS = frozenset(["morning", "afternoon", "evening", "hello", "hi", "hey", "greetings"])


def _unknown_place(tokens: list[Token], used: set[int], lex: Lexicon) -> tuple[str, str] | None:
    """A capitalised word after 'in'/'for' that Scout does not know ('in Antarctica'), or an
    area people name that the layer's regions do not ('the pacific northwest')."""
    area = _AREAS.search(" ".join(t.text for t in tokens))
    if area is not None:
        return "region", area.group(0)
    for i in range(1, len(tokens)):
        token = tokens[i]
        prev = tokens[i - 1].text
        if prev == "the" and i >= 2:
            prev = tokens[i - 2].text
        sent_to = prev == "to" and i >= 2 and tokens[i - 2].text in _SENT
        if (prev not in _PLACE_PREPS and not sent_to) or i in used or not token.orig[:1].isupper():
            continue
        if i + 1 < len(tokens) and tokens[i + 1].text in _ORG_NOUNS:
            continue
        if token.text in TOOL_NAMES:
            continue  # "in Tableau I'd filter …": a tool, never a place
        if token.orig.lower().endswith(("'s", "\u2019s")) or (
            i >= 2 and tokens[i - 2].text in _PASSED_ON
        ):
            continue  # "for Margot's notes", "relaying from Margot": a person, not a place
        if prev == "from" and i >= 2 and tokens[i - 2].text in _GREETINGS:
            continue  # "good morning from Lisbon": where the person writes from
        if i + 1 < len(tokens) and re.fullmatch(r"[A-Z]{2}", tokens[i + 1].orig):
            continue  # "Columbus, OH": a city named with its state
        if re.fullmatch(r"[A-Z]{2,}s", token.orig):
            continue  # "at the DCs", "the SKUs": an acronym's plural, not a place
        if prev == "for" and tokens[i - 1].text == "the" and re.fullmatch(r"[A-Z]{3,}", token.orig):
            continue  # "for the MBR": a meeting or a document, not a place
        if prev == "for" and tokens[i - 1].text == "the" and tokens[i - 2].orig == "For":
            continue  # "For the Jahresabschluss I need …": a sentence that opens with its purpose
        if PLAIN_CUES["off_topic"].fullmatch(token.text):
            continue  # "back from PTO": a known subject, never a place
        if token.text in _LANGUAGES:
            continue  # "in German we say abspringen": a language, not a place
        after = tokens[i + 1] if i + 1 < len(tokens) else None
        if (
            after
            and i + 1 not in used
            and after.text not in FUNCTION_WORDS
            and after.text not in _HOW_IT_GOES
            and after.orig.islower()
        ):
            continue  # "for the Meta recap": a name qualifying a thing, not a place
        word = token.text
        if (
            not word.isalpha()
            or len(word) < 3
            or word in COMMON_WORDS
            or word in lex.vocabulary
            or word in MONTHS
            or word in WEEKDAYS
            or word == "scout"
        ):
            continue
        if (after is not None and after.text in _HOW_IT_GOES) or sent_to:
            return "region", token.orig  # "how's Denver doing?", "shipped to Ireland": a place
        return _closest_dimension(word, lex), token.orig
    return None


def _closest_dimension(word: str, lex: Lexicon) -> str:
    """The dimension whose values the unknown word looks most like; region by default."""
    pool = {v.lower(): d for d, vs in lex.values.items() for v in vs if len(v) > 2}
    close = difflib.get_close_matches(word, list(pool), n=1, cutoff=0.75)
    if close:
        return pool[close[0]]
    if "region" in lex.values:
        return "region"
    return next(d for d, vs in lex.values.items() if vs)


def values_left_out(text: str, lex: Lexicon, today: date) -> dict[str, str]:
    """The values a request names to leave out ("all regions but the West" → region: West),
    for the breakdown that answers it to give the total without them."""
    return parse(text, lex, today).left_out
