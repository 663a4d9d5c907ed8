"""Which words of a message are context, not the request: an aside about an event or a
person, statements around a self-contained question, a relayed question's messenger, a date
that names something else's day, a remark about the day. Their dates, values and cue words
ask for nothing; `agent.understand.slots` reads the request without them."""

from __future__ import annotations

import re

from agent.understand.date_phrases import WEEKDAYS
from agent.understand.known import is_foreign
from agent.understand.lexicon import Lexicon, PhraseMatch
from agent.understand.normalize import Token
from agent.understand.vocabulary import REPORT_NOUNS

# A purchase or a send, dated by when it happens ("the December buy", "the Thursday sends").
_BUYING_NOUNS = frozenset(
    [
        "buy",
        "buys",
        "po",
        "pos",
        "purchase",
        "purchases",
        "send",
        "sends",
        "blast",
        "blasts",
        "mailer",
        "mailers",
        "drop",
        "drops",
    ]
)
# Words that set one period against another ("and the week before?").
_SET_AGAINST = frozenset(
    [
        "vs",
        "versus",
        "v",
        "against",
        "than",
        "compared",
        "compare",
        "before",
        "after",
        "prior",
        "previous",
        "same",
    ]
)
_PEOPLE = frozenset(["i", "we", "you", "she", "he", "they"])
_SENDING = frozenset(["sent", "posted", "shared", "wrote", "published", "circulated", "emailed"])
# Verbs that make their clause an aside about an event: its date and metric are context.
_EVENT_VERBS = frozenset(
    ["joined", "rolled", "launched", "released", "deployed", "migrated", "introduced", "went"]
)
# "my manager is out today", "on call this week": where a person is, not what to analyse.
_AWAY = re.compile(
    r"^(?:is|am|im|are|was|i) (?:out|off|away|ooo|back|on leave)$|^on call$"
    # "it's for the persona deck": what the answer is for, not what to analyse.
    r"|^(?:its|thats|this is|its going|it will be) (?:for|into)$"
)
CLAUSE_BREAK = re.compile(r"[.?!;,:|\u00b7\u2022\u2014\u2013]|\s-\s")


# A question starting after the aside ends it, punctuation or not ("… on Wednesday — why …";
# dashes are already spaces here).
_QUESTION_OPENS = frozenset(
    ["why", "what", "whats", "how", "hows", "which", "can", "could", "might", "would", "but"]
)


def ends_sentence(tokens: list[Token], text: str, i: int, marks: str = ".?!") -> bool:
    """Whether a sentence ends between token `i` and the next (at one of `marks`)."""
    return i + 1 < len(tokens) and any(
        c in marks for c in text[tokens[i].end : tokens[i + 1].start]
    )


def breaks_after(tokens: list[Token], text: str, i: int) -> bool:
    """Whether a clause ends between token `i` and the next (a full stop, a comma, a dash)."""
    return i + 1 < len(tokens) and bool(
        CLAUSE_BREAK.search(text[tokens[i].end : tokens[i + 1].start])
    )


_GUESS = re.compile(r"^(?:my (?:guess|bet|hunch) is|i (?:suspect|bet)\b)")
# "Revenue by region for yesterday — want to be sure no region went missing": why the request
# is made, in a clause after it.
_MOTIVE = re.compile(
    r"^(?:(?:i |just )?(?:want|need|wanted) to (?:be sure|make sure|double check)|making sure|"
    r"(?:just )?to (?:be sure|make sure)|just making sure|"
    r"(?:i |just )?(?:want|need|wanted) to (?:know|see|check) (?:if|whether)|"
    # "who are our biggest spenders? want their tickets jumped to the front": what the
    # answer is for.
    r"(?:i |we |they )?(?:want|need|wanted) (?:them|their|these|those)|"
    r"(?:i |we |they )?(?:want|need|wanted) to (?:send|give|offer|thank|invite|gift|prioriti[sz]e|"
    r"test|try|target|reach|contact|interview)|"
    # "deciding where the Mother's Day money goes": the decision the answer feeds.
    r"(?:im |i am |we are |were )?(?:deciding|trying to decide|(?:need|have|want) to decide|"
    r"figuring out|working out) (?:where|which|whether|if|how|who|what)|"
    r"(?:im |i am |were |we are )?trying to (?:understand|figure out|work out))\b"
)


def motives(tokens: list[Token], text: str) -> set[int]:
    """Token positions of a clause, after the request, that says why it is asked ("— just
    making sure nothing went missing", "want to know if the Southwest dip is new"): its
    values filter nothing."""
    found: set[int] = set()
    for i in range(1, len(tokens)):
        if breaks_after(tokens, text, i - 1) and _MOTIVE.match(
            " ".join(t.text for t in tokens[i : i + 5])
        ):
            # "I'm trying to understand, descriptively, where …": the motive runs to the
            # sentence's end, past the commas of its own asides.
            end = next(
                (j for j in range(i, len(tokens) - 1) if ends_sentence(tokens, text, j)),
                len(tokens) - 1,
            )
            found.update(range(i, end + 1))
    return found


def asides(tokens: list[Token], text: str) -> set[int]:
    """Token positions from an event verb to the end of its clause ("we rolled the new
    checkout out to mobile traffic on Wednesday"), and of a guess."""
    found: set[int] = set()
    for i, token in enumerate(tokens):
        pair = " ".join(t.text for t in tokens[i : i + 2])
        opening = " ".join(t.text for t in tokens[i : i + 5])
        if _GUESS.match(opening):
            # "my guess is one channel is dragging it down — split it by channel?": the
            # person's guess, before what they ask.
            end = next(
                (j for j in range(i, len(tokens) - 1) if breaks_after(tokens, text, j)), None
            )
            if end is not None:
                found.update(range(i, end + 1))
            continue
        if token.text not in _EVENT_VERBS and not _AWAY.match(pair):
            continue
        if token.text == "went" and (i + 1 >= len(tokens) or tokens[i + 1].text != "live"):
            continue
        j = i
        while j < len(tokens):
            found.add(j)
            if j + 1 < len(tokens) and (
                breaks_after(tokens, text, j) or tokens[j + 1].text in _QUESTION_OPENS
            ):
                break
            j += 1
    return found


# Words a statement about the person or the situation starts with ("The loyalty email went out
# on Friday", "Those are the people I'm trying to win back").
_STATEMENT_SUBJECTS = frozenset(
    [
        "i",
        "im",
        "ive",
        "id",
        "we",
        "were",
        "weve",
        "our",
        "my",
        "the",
        "a",
        "an",
        "something",
        "on",
        "those",
        "these",
        "they",
        "theyre",
        "that",
        "thats",
        "it",
        "its",
        "her",
        "his",
        "she",
        "he",
        "this",
        "setting",
        "planning",
        "thinking",
        "trying",
        "working",
        "prepping",
        "covering",
    ]
)


def _points_back(sentence: list[Token]) -> bool:
    """'Is it one product?', 'What's causing this?': a question about something said before."""
    words = [t.text for t in sentence]
    return bool({"it", "they", "them"} & set(words)) or words[-1] in (
        "this",
        "that",
        "these",
        "those",
    )


def sentence_spans(
    tokens: list[Token], text: str, *, at_dashes: bool = False
) -> list[tuple[int, int, bool]]:
    """Each sentence's token span (start, end) and whether it ends with a question mark; with
    `at_dashes`, a dash ends one too ("revenue by state for H1 — tax wants to see which states
    crossed the threshold" is a request and then why it is asked)."""
    marks = ".?!\u00b7\u2014\u2013" if at_dashes else ".?!"
    sentences: list[tuple[int, int, bool]] = []
    start = 0
    for i in range(len(tokens)):
        gap = (
            text[tokens[i].end : tokens[i + 1].start]
            if i + 1 < len(tokens)
            else text[tokens[i].end :]
        )
        if any(c in gap for c in marks) or (at_dashes and " - " in gap) or i == len(tokens) - 1:
            sentences.append((start, i + 1, "?" in gap))
            start = i + 1
    return sentences


def clause_spans(tokens: list[Token], text: str) -> list[tuple[int, int]]:
    """Each clause's token span (start, end): split at full stops, commas and dashes."""
    spans: list[tuple[int, int]] = []
    start = 0
    for i in range(len(tokens)):
        if i == len(tokens) - 1 or breaks_after(tokens, text, i):
            spans.append((start, i + 1))
            start = i + 1
    return spans


def _qualifies(clause: list[Token]) -> bool:
    """A clause that describes what the one before it names: "…'s forecast — the one the
    reps commit to in their CRM", "… which comes from NetSuite"."""
    words = [t.text for t in clause[:2]]
    return words[:1] in (["which"], ["whose"]) or words in (["the", "one"], ["the", "ones"])


def asked_apart(tokens: list[Token], text: str, said: re.Pattern[str], lex: Lexicon) -> bool:
    """Whether `said` is only told after a clause that asks for a metric: "what's count(*) on
    support tickets for last week? making sure the Zendesk sync didn't double anything" asks
    for the tickets; the sync is why, and a second question after the first ("… also, who owns
    the gift guide?") does not turn the first away. Said first ("did the load finish?",
    "units on backorder, with customers waiting?") or describing what is asked for ("the one
    the reps commit to in their CRM"), the words are the question's."""
    asked = False
    for b, e in clause_spans(tokens, text):
        clause = tokens[b:e]
        says = said.search(" ".join(t.text for t in clause)) is not None
        if says and (not asked or _qualifies(clause)):
            return False
        asked = asked or (not says and any(m.is_metric for m in lex.match(clause)))
    return asked


Sentences = list[tuple[int, int, bool]]


def asked_in_a_question_of_its_own(
    tokens: list[Token], sentences: Sentences, said: re.Pattern[str]
) -> bool:
    """Whether `said` is in a sentence that asks (ends with a question mark) after the first:
    "revenue last week? also, what's the weather in Boston?" asks two things; "… making sure
    the Zendesk sync didn't double anything" only says why."""
    return any(asks and _says(tokens, b, e, said) for b, e, asks in sentences[1:])


def told_only_after_the_question(
    tokens: list[Token], sentences: Sentences, said: re.Pattern[str]
) -> bool:
    """Whether `said` is only in sentences that ask nothing, after a first sentence that asks
    without it: "what did I miss this week? been stuck in hiring interviews since monday"."""
    if len(sentences) < 2 or not sentences[0][2]:
        return False
    (first_b, first_e, _), rest = sentences[0], sentences[1:]
    return not _says(tokens, first_b, first_e, said) and all(
        not asks for b, e, asks in rest if _says(tokens, b, e, said)
    )


def told_only_beside_a_request(
    tokens: list[Token], sentences: Sentences, said: re.Pattern[str], lex: Lexicon
) -> bool:
    """Whether `said` is only in statements beside a sentence that names a metric and asks
    without it: "the auditors sampled Boxing Day. How many orders did we book on the 26th?"
    (the setting before the question), or, with no question mark anywhere, a first sentence
    that is the request ("return rate, Q3 vs Q3 last year. trying to decide whether the
    p-value is worth computing": the rest says why)."""
    if len(sentences) < 2:
        return False
    asking = [(b, e) for b, e, asks in sentences if asks]
    if not asking:
        asking = [sentences[0][:2]]
    return not any(_says(tokens, b, e, said) for b, e in asking) and any(
        m.is_metric for b, e in asking for m in lex.match(tokens[b:e])
    )


def statements_beside_a_request(
    tokens: list[Token], sentences: Sentences, lex: Lexicon
) -> set[int]:
    """The tokens of sentences told beside the one that asks for a metric, by the rule of
    `told_only_beside_a_request`: "Why is mobile conversion lower than desktop? In Japan the
    smartphone is always higher" asks nothing about Japan."""
    if len(sentences) < 2:
        return set()
    asking = [(b, e) for b, e, asks in sentences if asks] or [
        # No question mark: the request is the first sentence that names a metric ("Good
        # morning, thank you. Please teach me the sales of last week. Tokyo HQ …").
        next(((b, e) for b, e, _ in sentences if _names_a_metric(tokens[b:e], lex)), (0, 0))
    ]
    if not any(_names_a_metric(tokens[b:e], lex) for b, e in asking):
        return set()
    return {i for b, e, _ in sentences if (b, e) not in asking for i in range(b, e)}


def told_only_beside_a_question(
    tokens: list[Token], sentences: Sentences, said: re.Pattern[str]
) -> bool:
    """Whether `said` is only in statements beside the sentences that ask: "C608214 … is now
    threatening a chargeback. real flight risk or just holiday stress?"."""
    asking = [(b, e) for b, e, asks in sentences if asks]
    return bool(asking) and not any(_says(tokens, b, e, said) for b, e in asking)


def _names_a_metric(tokens: list[Token], lex: Lexicon) -> bool:
    return any(m.is_metric for m in lex.match(tokens))


def _says(tokens: list[Token], begin: int, end: int, said: re.Pattern[str]) -> bool:
    return said.search(" ".join(t.text for t in tokens[begin:end])) is not None


def statements_around_a_question(tokens: list[Token], text: str, lex: Lexicon) -> set[int]:
    """In a message that asks a question, a sentence that states something (it ends without
    a question mark, opens with its subject and names no metric) is context for the question,
    not a request: "The loyalty email went out on Friday. Why did orders dip?". One naming a
    metric is what the question is about ("mobile conversion came in under … What's driving
    it?")."""
    sentences = sentence_spans(tokens, text)
    if len(sentences) < 2 or not any(asks for _, _, asks in sentences):
        return set()
    # A bare question ("Who's most at risk?", "What's causing this?") is about what the
    # statements say.
    if not any(
        lex.match(tokens[begin:end]) or (end - begin >= 5 and not _points_back(tokens[begin:end]))
        for begin, end, asks in sentences
        if asks
    ):
        return set()
    # "Our agency says desktop is where the money is. … Which device earns more revenue per
    # session?": when the question names its own metric, what others claim is the dispute.
    asks_own_metric = any(
        asks and any(m.is_metric for m in lex.match(tokens[begin:end]))
        for begin, end, asks in sentences
    )
    found: set[int] = set()
    for begin, end, asks in sentences:
        if asks or end - begin < 5:
            continue
        claim = asks_own_metric and any(t.text in _CLAIM_VERBS for t in tokens[begin:end])
        if claim or (
            tokens[begin].text in _STATEMENT_SUBJECTS
            and not any(m.is_metric for m in lex.match(tokens[begin:end]))
        ):
            found.update(range(begin, end))
    return found


_CLAIM_VERBS = frozenset(["says", "claims", "thinks", "reckons", "insists", "argues", "swears"])


_RELAY_VERBS = frozenset(["asks", "asked", "wants", "wanted", "says", "wonders", "needs"])


_RELAYED_AS = frozenset(["asking", "wondering", "question", "q", "ask", "followup"])


def relayed_by(tokens: list[Token], lex: Lexicon) -> set[int]:
    """'Maria asks: same again for Q3?', "Dana's follow-up: and the week before?", "Dana's
    asking whether …": who the question is passed on from."""
    if not (len(tokens) > 2 and tokens[0].orig[:1].isupper() and is_foreign(tokens[0].text, lex)):
        return set()
    if tokens[1].text in _RELAY_VERBS:
        return {0, 1}
    # "Dana's" comes as one word ("danas") or two ("dana s").
    at = 2 if tokens[1].text == "s" else 1
    if at == 1 and not tokens[0].text.endswith("s"):
        return set()
    if len(tokens) > at + 2 and tokens[at].text in _RELAYED_AS:
        return set(range(at + 1))
    if len(tokens) > at + 3 and tokens[at].text == "follow" and tokens[at + 1].text == "up":
        return set(range(at + 2))
    return set()


def is_habit(at: set[int], tokens: list[Token]) -> bool:
    """'like every Monday', 'the usual Monday numbers', 'last time the app shipped on a
    Thursday': a day that recurs, or any one of them, not one day."""
    first = min(at, default=-1)
    if first < 0:
        return False
    if first > 0 and tokens[first].text in WEEKDAYS and tokens[first - 1].text == "a":
        # "shipped on a Thursday" is any Thursday; "normal for a Wednesday?" is about the
        # Wednesday just gone.
        return first > 1 and tokens[first - 2].text == "on"
    return tokens[first].text in ("every", "each") or (
        first > 0
        and tokens[first - 1].text in ("every", "each", "usual", "any")
        and tokens[first].text in WEEKDAYS
    )


def _an_aside(at: set[int], aside: set[int], tokens: list[Token], lex: Lexicon, text: str) -> bool:
    """A date inside an aside, one owning a thing the data does not hold ("today's
    picking waves", not "today's revenue"), a greeting's ("hope your Monday is going well",
    "happy Friday") or any day of a kind ("high for a Sunday")."""
    if at and at <= aside:
        return True
    first = min(at, default=0)
    if is_habit(at, tokens) or (
        first > 0 and tokens[first - 1].text in ("your", "happy", "a", "an")
    ):
        return True  # "for a Sunday", "like every Monday": any Sunday, not the last one
    on = first + 1 if tokens[first].text in ("on", "in", "during") else first
    before = [t.text for t in tokens[max(0, on - 3) : on]]
    kind = [t.text for t in tokens[max(0, first - 3) : first]]
    if kind[-1:] == ["in"]:
        kind = kind[:-1]
    if len(kind) >= 2 and kind[-1] in WEEKDAYS and kind[-2] in ("a", "an"):
        return True  # "normal for a Sunday in August?": which Sundays, not a period
    if len(before) == 3 and before[0] in _PEOPLE and before[1] in _SENDING and before[2] == "on":
        return True  # "the flash I sent on Monday says …": when a message went out
    last = max(at, default=-1)
    named = {t.text for t in tokens[last + 1 : last + 3]} if last >= 0 else set()
    if (
        named & (_BUYING_NOUNS | REPORT_NOUNS)
        and tokens[last + 1].text not in _SET_AGAINST
        # "… vs the week before? investor call at 3": the next sentence names no date.
        and not breaks_after(tokens, text, last)
    ):
        # "the December buy", "*Monday recap*": the thing's date or name, not a window.
        return True
    if last < 0 or not tokens[last].orig.lower().endswith(("'s", "\u2019s")):
        return False
    following = tokens[last + 1].text if last + 1 < len(tokens) else ""
    return is_foreign(following, lex)


def _in_a_clause_about_else(at: set[int], tokens: list[Token], text: str, lex: Lexicon) -> bool:
    """A date in a later clause that names nothing of the layer, compares nothing and holds
    a word the data does not know ("is the returns vendor meeting still on for Wednesday")."""
    if not at:
        return False
    start, end = min(at), max(at)
    while start > 0 and not breaks_after(tokens, text, start - 1):
        start -= 1
    if start == 0:
        return False
    while end + 1 < len(tokens) and not breaks_after(tokens, text, end):
        end += 1
    clause = [t for k, t in enumerate(tokens[start : end + 1], start) if k not in at]
    words = {t.text for t in clause}
    if words & _SET_AGAINST:
        return False
    for m in lex.match(clause):
        # "the returns vendor meeting": a layer word qualifying a foreign noun names neither.
        if m.end >= len(clause) or not is_foreign(clause[m.end].text, lex):
            return False
    return any(is_foreign(w, lex) for w in words)


# "(apparel in your world.)", "it all rolls up to home on your side", "flowers sit under home
# for us": a value the person names as where their own word sits in Scout's layer.
_GLOSS_AFTER = re.compile(
    r"^(?:in|on|for) (?:your|the|scouts|our) (?:world|taxonomy|catalog|catalogue|hierarchy|"
    r"system|data|setup|side|end|tree|books|layer|terms)\b|^for (?:us|you)\b"
)
_GLOSS_BEFORE = re.compile(
    r"\b(?:(?:rolls?|rolled) up (?:to|into|under)|(?:sits?|lives?|falls?|goes|belongs?|"
    r"is|are) (?:under|in|to)|(?:coded|filed|mapped|classed|booked) (?:to|as|under|in)|"
    r"counts? as)$"
)


def value_glosses(tokens: list[Token], lex: Lexicon) -> set[int]:
    """The tokens of values named as the place in the layer of the person's own word: a
    statement that says which value the question is about, so its value filters."""
    words = [t.text for t in tokens]
    glossed: set[int] = set()
    for m in lex.match(tokens):
        if not m.is_value:
            continue
        after = " ".join(words[m.end : m.end + 4])
        before = " ".join(words[max(0, m.start - 4) : m.start])
        if _GLOSS_AFTER.search(after) or _GLOSS_BEFORE.search(before):
            glossed |= set(range(m.start, m.end))
    return glossed


def outside_asides(
    matches: list[PhraseMatch], aside: set[int], tokens: list[Token]
) -> list[PhraseMatch]:
    """Metrics named in an aside are context when the request names one elsewhere; a value
    after "my" or "her" ("on my phone") is the person's, not a filter."""
    kept = [
        m
        for m in matches
        if not (m.start > 0 and tokens[m.start - 1].text in _OWNERS and _personal(m))
    ]
    metrics_outside = [m for m in kept if m.is_metric and m.start not in aside]
    if not metrics_outside:
        return kept
    return [m for m in kept if not (m.is_metric and m.start in aside)]


def without_remarks(
    matches: list[PhraseMatch],
    tokens: list[Token],
    text: str,
    dates: set[int],
    lex: Lexicon,
    glossed: set[int],
) -> list[PhraseMatch]:
    """Values in a later sentence that asks nothing of the data ("… today? phones are
    ringing off the hook"): no metric, no date, a word the data does not know. They are a
    remark about the day, not a filter, when the request names its metric elsewhere."""
    remark: set[int] = set()
    start = 0
    for i in range(len(tokens)):
        last = i == len(tokens) - 1
        if not last and not ends_sentence(tokens, text, i):
            continue
        span = set(range(start, i + 1))
        inside = [m for m in matches if m.start in span]
        if (
            start > 0
            and inside
            and all(m.is_value for m in inside)
            and not span & dates
            and any(is_foreign(tokens[k].text, lex) for k in span)
        ):
            remark |= span
        start = i + 1
    remark -= glossed
    if not remark or not any(m.is_metric and m.start not in remark for m in matches):
        return matches
    return [m for m in matches if m.start not in remark]


# "on my phone", "in her email": a thing of a person's. "my Texas customers" is a filter.
_PERSONAL_DIMENSIONS = frozenset(["device", "channel"])
_OWNERS = frozenset(["my", "his", "her"])


def _personal(match: PhraseMatch) -> bool:
    return match.is_value and all(s.name in _PERSONAL_DIMENSIONS for s in match.senses)


def date_is_context(
    at: set[int], aside: set[int], tokens: list[Token], text: str, lex: Lexicon
) -> bool:
    """Whether a date at token positions `at` is context: in an aside, a greeting's or a
    thing's, or in a later clause about something else."""
    return _an_aside(at, aside, tokens, lex, text) or _in_a_clause_about_else(at, tokens, text, lex)


# "the West — sorry, I mean the Southwest", "by device, er, by channel I mean": a correction
# marker after a clause break; what follows it replaces as many words before it.
_CORRECTION = re.compile(
    r"^(?:(?:sorry|no wait|wait no|scratch that|er|erm|oops|correction|i mean|no)\s+)+"
)
_STOPS_A_CORRECTION = frozenset(
    [
        "how",
        "what",
        "why",
        "which",
        "who",
        "when",
        "where",
        "did",
        "does",
        "do",
        "is",
        "are",
        "was",
        "were",
        "can",
        "could",
        "will",
        "would",
        "please",
        "pls",
    ]
)


def self_corrected(tokens: list[Token], text: str, lex: Lexicon) -> set[int]:
    """Token positions a person took back ("Saturday — no wait, Sunday"): the marker and the
    words before it that its replacement stands for, within that clause; a metric replaces
    the last metric named before it ("omzet per channel for Q2 — sorry, revenue")."""
    dropped: set[int] = set()
    i = 1
    while i < len(tokens):
        marker = _CORRECTION.match(" ".join(t.text for t in tokens[i : i + 4]) + " ")
        if (
            marker is None
            or not breaks_after(tokens, text, i - 1)
            or (marker.group(0).strip() == "no" and not breaks_after(tokens, text, i))
            # "… in the week passed? I mean the pieces that came back": after a full stop or
            # a question mark, "I mean" says more; it takes nothing back.
            or (marker.group(0).strip() == "i mean" and ends_sentence(tokens, text, i - 1))
        ):
            i += 1
            continue
        start = i + len(marker.group(0).split())
        end = start
        while end < len(tokens):
            end += 1
            if breaks_after(tokens, text, end - 1):
                break
        words = [t.text for t in tokens[start:end]]
        if "mean" in words and words[words.index("mean") - 1 : words.index("mean")] == ["i"]:
            # "by channel I mean, for the last 14 days": the replacement ends at "I mean".
            cut = words.index("mean") - 1
            dropped.update({start + cut, start + cut + 1})
            end = start + cut
        named = _metric_taken_back(tokens[:i], tokens[start:end], lex)
        if named is not None:
            dropped.update(range(named.start, named.end))
            dropped.update(range(i, start))
            i = max(end, i + 1)
            continue
        back = i - 1
        while (
            back >= 0
            and i - 1 - back < end - start
            and tokens[back].text not in _STOPS_A_CORRECTION
            and (back == i - 1 or not breaks_after(tokens, text, back))
        ):
            dropped.add(back)
            back -= 1
        dropped.update(range(i, start))
        i = max(end, i + 1)
    return dropped


def _metric_taken_back(
    before: list[Token], replacement: list[Token], lex: Lexicon
) -> PhraseMatch | None:
    """The last metric named before a correction that is itself just a metric."""
    said = lex.match(replacement)
    whole = len(said) == 1 and said[0].start == 0 and said[0].end == len(replacement)
    if not whole or not said[0].is_metric:
        return None
    return next((m for m in reversed(lex.match(before)) if m.is_metric), None)


# "1. new customers last week\n2. what's the CPA\n3. drop it in the doc": a numbered list of
# asks, the first of them the request.
_FIRST_ITEM = re.compile(r"^\W*1[.)]\s")
_LATER_ITEM = re.compile(r"\s2[.)]\s")


def later_list_items(tokens: list[Token], text: str) -> set[int]:
    """Token positions of a numbered list's second and later items (the text's lines are
    joined by now, so the list is known by its numbers)."""
    found = _LATER_ITEM.search(text)
    if found is None or not _FIRST_ITEM.match(text):
        return set()
    return {i for i, t in enumerate(tokens) if t.start >= found.start()}
