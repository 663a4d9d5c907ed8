"""understand(): a Slack message (and the thread's previous goal) → a precise Goal.

Deterministic and local: the semantic layer's words, a fixed `today`, rules. When a required
piece is missing or a value unknown, the goal carries a Clarification whose options are
complete goals; otherwise Scout does not ask.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from functools import cache
from typing import assert_never

from agent.domain import ALL_TIME, WHOLE_PERIODS, Goal, Grain, Intent, Ranked, Window
from agent.understand import clarify
from agent.understand.campaign import (
    acquired_through,
    campaign_delivery,
    is_send_date,
    message_sent,
)
from agent.understand.context import (
    asked_apart,
    asked_in_a_question_of_its_own,
    sentence_spans,
    told_only_after_the_question,
    told_only_beside_a_question,
    told_only_beside_a_request,
)
from agent.understand.events import unknown_event
from agent.understand.followup import is_followup, merge, thread_notes
from agent.understand.intents import (
    NEEDS_METRIC,
    PLAIN_CUES,
    SEGMENT_GROUP_WORDS,
    Slots,
    decide,
    unknown_subject,
)
from agent.understand.known import is_foreign
from agent.understand.learned import Guess, intent_model
from agent.understand.lexicon import LayerLike, Lexicon, lexicon_for
from agent.understand.normalize import normalize
from agent.understand.ranking import ranked_periods, ranked_rows
from agent.understand.refusals import (
    NOT_MEASURED,
    REFUSALS,
    UNCOMPUTED,
    Refusal,
    not_measured,
)
from agent.understand.scope import held_against_outside, outside
from agent.understand.slots import Parsed, parse
from agent.understand.windows import resolve

_EXACT = 0.99
_PER_TYPO = 0.07
_DEFAULTED_WINDOW = 0.03
_INFERRED = 0.02
_FOLLOWUP = 0.05
_EXTRA_PIECE = 0.15
_HOSTILE_CAP = 0.6
# The learned model decides only where no cue did, and only this sure (anything named from
# the layer anchors the request in scope; without it the bar is higher).
LEARNED = True
_MODEL_SURE = 0.6
_MODEL_SURE_UNANCHORED = 0.8
# Over this probability the model's intent replaces a cue's, when the pieces fit it. Cues are
# single words ("why", "vs", "list"), and a request often carries one that is not its ask
# ("picking which region gets the first wave of the spring": no churn). Chosen out of fold:
# fitted without each session's read batches and run on them, 0.7 gained 1-4 requests in
# every set of 280-910 and lost none (bench/understand_model_cv.py --override).
MODEL_OVERRIDE: float | None = 0.7
# What it may overrule a cue with: analyses whose pieces the request must carry (a split needs
# a dimension, a comparison two things). A bare lookup or a churn score fits nearly anything,
# and the model is as sure of them where a word it never saw is the ask ("what hurt …").
_OVERRULES_TO = frozenset(
    {Intent.BREAKDOWN, Intent.COMPARE, Intent.EXPLAIN, Intent.TREND, Intent.SEGMENT}
)
# The model's probability that a request is outside the data, over which it is refused.
_MODEL_OUTSIDE = 0.4
_MODEL_OUTSIDE_WORDS = 1
# The longest question (in words) the model's judgement of scope is trusted on: the hand-
# labelled requests it learned from run to about 65 words.
_MODEL_LONGEST = 80
_MODEL_OUTSIDE_WHY = "That doesn't read as a question the shop's data can answer."
# What an out-of-scope reply says first, by kind.
_NOT_FROM_CHAT = (
    "I don't carry out requests from chat: I answer questions about the shop's data, and the "
    "actions I propose wait for an approver."
)
_OFF_TOPIC = "That's outside the shop's data, so I can't help with it."
# Analyses of customers or of the whole business, not of one metric.
_NO_METRIC = frozenset({Intent.HELP, Intent.DIGEST, Intent.SEGMENT, Intent.CHURN, Intent.UNKNOWN})


def understand(text: str, *, layer: LayerLike, today: date, context: Goal | None = None) -> Goal:
    """The goal a message asks for; `context` is the thread's previous goal, for follow-ups."""
    return understand_with(text, lexicon=lexicon_for(layer), today=today, context=context)


def reading_notes(
    text: str, *, layer: LayerLike, today: date, context: Goal | None, goal: Goal
) -> list[str]:
    """What a reply says about how a follow-up was read, where its words could have meant
    something else ("drop the filter" with three on: the last one); empty for a message that
    stands alone or was not answered."""
    if context is None or goal.needs_clarification or goal.intent is Intent.UNKNOWN:
        return []
    return thread_notes(parse(text, lexicon_for(layer), today), context, goal)


def understand_with(
    text: str,
    *,
    lexicon: Lexicon,
    today: date,
    context: Goal | None = None,
    learned: bool = LEARNED,
) -> Goal:
    """As `understand`, with an explicit lexicon (benchmarks compare lexicon settings) and
    the learned intent model switched on or off."""
    parsed = parse(text, lexicon, today)
    goal = _understand(text, parsed, lexicon, today, context, learned)
    answered = goal.intent is not Intent.UNKNOWN and goal.clarification is None
    left_out = _left_out(parsed, lexicon) if answered else ""
    split = _questions(parsed)
    if left_out or split is None:
        return replace(goal, left_out=left_out) if left_out else goal
    # "Revenue last week? also, what's the weather in Boston?": a later question refused on
    # its own is named in the reply; when it is what kept the whole from being answered,
    # the first question is answered alone.
    first_text, rest_text = split
    rest_parsed = parse(rest_text, lexicon, today)
    rest = _understand(rest_text, rest_parsed, lexicon, today, None, learned)
    why = _refused_why(rest)
    if not why:
        # Only a later question about a metric of its own is another question: "… the rate
        # looks insane for the last fortnight. Is something broken?" says more of the first.
        if answered and rest_parsed.metrics and _another_question(rest, goal):
            # "revenue yesterday? :chart: and how many orders?": the first question alone is
            # answered (the second's words, an emoji's "up" among them, no longer recolour
            # it), and the second is named in the reply as the asker wrote it.
            first = _understand(
                first_text, parse(first_text, lexicon, today), lexicon, today, context, learned
            )
            if first.intent is not Intent.UNKNOWN and first.clarification is None:
                return replace(first, text=text, unanswered=_as_written(text))
        return goal
    if answered:
        return replace(goal, left_out=why)
    first = _understand(
        first_text, parse(first_text, lexicon, today), lexicon, today, context, learned
    )
    if first.intent is Intent.UNKNOWN or first.clarification is not None:
        return goal
    return replace(first, text=text, left_out=why)


def _asking(parsed: Parsed) -> list[tuple[int, int]]:
    """The token spans of the sentences that end in a question mark."""
    return [(b, e) for b, e, asks in parsed.sentences if asks]


def _questions(parsed: Parsed) -> tuple[str, str] | None:
    """The first question and the rest, when a message asks two or more."""
    asking = _asking(parsed)
    if len(asking) < 2:
        return None
    cut = parsed.tokens[asking[0][1] - 1].end + 1  # just past the first question mark
    return parsed.cleaned[:cut], parsed.cleaned[cut:]


def _as_written(text: str) -> str:
    """The message after its first question mark, without Slack emoji codes."""
    rest = text.split("?", 1)[1] if "?" in text else ""
    return " ".join(re.sub(r":[a-z0-9_+\-]+:", " ", rest).split())


def _another_question(rest: Goal, goal: Goal) -> bool:
    """Whether a later question asks something the answer to the first does not hold."""
    if rest.intent is Intent.UNKNOWN or rest.clarification is not None:
        return False  # "and the week before?" alone is no question of its own
    return (rest.intent, rest.metric, dict(rest.filters)) != (
        goal.intent,
        goal.metric,
        dict(goal.filters),
    )


def _refused_why(goal: Goal) -> str:
    """Why a goal is a refusal, when Scout knows or judges it outside the data; "" when it
    was only not understood ("and the week before?" on its own)."""
    if goal.intent is not Intent.UNKNOWN or goal.clarification is None:
        return ""
    if goal.clarification.refusal:
        return goal.clarification.refusal
    judged = goal.clarification.question.startswith(_MODEL_OUTSIDE_WHY)
    return _MODEL_OUTSIDE_WHY if judged else ""


def _left_out(parsed: Parsed, lex: Lexicon) -> str:
    """Why a second question in the message goes unanswered ("revenue last week? and what's
    the weather in Boston?"), so the reply can say so instead of dropping it silently."""
    for refusal in (*REFUSALS, *UNCOMPUTED):
        if (
            parsed.cues.has(refusal.kind)
            and _why_not_what(refusal, parsed, lex)
            and asked_in_a_question_of_its_own(parsed.tokens, parsed.sentences, refusal.pattern)
        ):
            return refusal.why
    return ""


def _understand(
    text: str,
    parsed: Parsed,
    lex: Lexicon,
    today: date,
    context: Goal | None,
    learned: bool,
) -> Goal:
    slots = Slots(
        metric=parsed.metric,
        has_filters=bool(parsed.filters),
        has_compare=bool(parsed.compare),
        has_group=bool(parsed.group_by),
        has_window=parsed.has_window,
        has_time_baseline=parsed.has_baseline,
        customer_id=parsed.customer_id,
        forecast_metric=parsed.metric == "forecast_error",
    )
    intent, stated = decide(parsed.cues, slots)
    if parsed.cues.has("action", "off_task") and not parsed.cues.has("can_or_only"):
        # Asking Scout to *do* something (approve, pay, delete) is not a question it answers.
        return clarify.unknown(text, lex, today, confidence=0.1, why=_NOT_FROM_CHAT)
    # "do you see utm_content, or only the channel?": whether Scout holds a thing is a
    # question about Scout, whatever the thing.
    about_scout = parsed.cues.has("can_or_only", "definition")
    for refusal in () if about_scout else REFUSALS:
        if parsed.cues.has(refusal.kind) and not _why_not_what(refusal, parsed, lex):
            return clarify.unknown(text, lex, today, confidence=0.1, why=refusal.why)
    if (
        parsed.cues.has("off_topic", "unmeasured")
        and parsed.metric is None
        # "just back from PTO, what did I miss?": the aside is not the question; "what time
        # zone do you cut days in?" asks how Scout counts; "churn check on C552190? CSAT 1
        # both times": told after the question, the words are its setting.
        and not parsed.cues.has("digest_strong")
        and not (about_scout and parsed.cues.has("definition"))
        and not all(
            _told_after_the_question(parsed, PLAIN_CUES[kind])
            or _told_beside_a_recap(parsed, PLAIN_CUES[kind])
            for kind in ("off_topic", "unmeasured")
            if parsed.cues.has(kind)
        )
    ):
        # Weather, HR, code, jokes: out of scope, never mapped to the nearest intent.
        if parsed.cues.has("unmeasured"):
            why = _not_measured(parsed)
        else:
            # "which parking spot is reserved for the revenue team?": name the thing if it shows.
            why = found.why if (found := outside(parsed, lex)) is not None else _OFF_TOPIC
        return clarify.unknown(text, lex, today, confidence=0.1, why=why)
    if intent is not Intent.HELP and (found := outside(parsed, lex)) is not None:
        # "what did Wayfair report?", "which conference room…": shop words, another subject.
        return clarify.unknown(text, lex, today, confidence=0.1, why=found.why)
    for statistic in () if about_scout else UNCOMPUTED:
        if parsed.cues.has(statistic.kind) and not _why_not_what(statistic, parsed, lex):
            # "median order value", "the r between sessions and orders": a statistic of
            # measures the layer has, which it cannot give (checked after scope, so "median
            # resolution time" names the missing measure).
            return clarify.unknown(text, lex, today, confidence=0.1, why=statistic.why)
    subject = unknown_subject(parsed.shape) if parsed.unknown_value is None else None
    if intent is Intent.DIGEST and subject and (named := _weak_value(subject, lex)) is not None:
        # "how's home doing?": a value that is also an everyday word, as the whole subject.
        parsed.filters[named[0]] = named[1]
        subject = None
    if intent is Intent.DIGEST and subject:
        # "how's the new intern doing?": a scorecard of something that is not the shop's.
        why = f"I don't know \u201c{subject}\u201d in the shop's data."
        return clarify.unknown(text, lex, today, confidence=0.2, why=why)
    if (
        intent is Intent.COMPARE
        and not (parsed.compare or parsed.has_baseline)
        and parsed.metric is not None
        and held_against_outside(parsed, lex)
    ):
        # "AOV MTD, I want to check it against the budget model": a figure to hold against
        # something the data does not have is a lookup.
        intent = Intent.LOOKUP
    if context is not None:
        _read_as_thread_edit(parsed, context)
    if _one_or_all(parsed):
        intent = Intent.BREAKDOWN
    followup = context is not None and is_followup(parsed, intent, context)
    # Scored at most once per request: the scope check and the intent fallback share it.
    guess = cache(lambda: intent_model(lex).guess(parsed.shape))
    if learned and not followup and _model_says_outside(parsed, lex, intent, guess):
        # "how long do tablet visitors spend on a product page?": shop words around a subject
        # no rule names; the model, fitted on hundreds of refused requests, recognises the
        # kind. Not a known reason, so an LLM, when configured, may still read it.
        return clarify.unknown(
            text, lex, today, confidence=0.15, why=_MODEL_OUTSIDE_WHY, sure=False
        )
    if followup:
        assert context is not None
        goal = merge(parsed, intent, stated, context, today, lex.values)
        return _checked(goal, parsed, lex, today, _confidence(parsed, True, True) - _FOLLOWUP)
    if learned and (intent is None or not stated):
        guessed = _learned_intent(parsed, lex, intent, guess())
        if guessed is not None:
            intent, stated = guessed, False
    elif learned and intent is not None:
        overruled = _learned_override(parsed, lex, intent, guess())
        if overruled is not None:
            intent = overruled
    if intent is None:
        if parsed.unknown_value is not None or not parsed.empty:
            intent, stated = _implied(parsed), False
        else:
            cap = 0.1 if parsed.hostile else 0.2
            return clarify.unknown(text, lex, today, confidence=cap)
    if (
        intent is Intent.BREAKDOWN
        and parsed.group_by
        and (parsed.cues.has("move") or _DOUBLED.search(parsed.norm))
        and _WHICH_ALONE.search(parsed.cleaned)
        and not _CHANGE_RANKED.search(parsed.shape)
    ):
        # "tickets roughly doubled on Thursday. which topic?": which part made the move.
        intent = Intent.EXPLAIN
    if intent is Intent.EXPLAIN and parsed.group_by and _CHANGE_RANKED.search(parsed.shape):
        # "which states had the biggest revenue drop?": the split with each row's change
        # answers it, whatever the total did; an explanation of a flat total names none.
        intent = Intent.BREAKDOWN
    if intent in (Intent.LOOKUP, Intent.BREAKDOWN) and (dim := _share_asked(parsed)) is not None:
        # "share of revenue from mobile": the split by device has mobile's share; a filter to
        # mobile would answer with mobile's revenue, which reads like the share and is not.
        del parsed.filters[dim]
        parsed.group_by.append(dim)
        intent = Intent.BREAKDOWN
    if intent is Intent.COMPARE and parsed.compare and GAP_MOVED.search(parsed.norm):
        # "did the gap between mobile and desktop widen this month vs last month?": how the
        # gap moved is the gap's explanation, held against the period named.
        intent = Intent.EXPLAIN
    if (dim := _driver_asked(parsed)) is not None:
        # "was the spike driven by new customers?": whether new customers carried the move
        # is read from the move split by customer type; a filter to new customers would
        # explain their own change (or call their day ordinary), which reads as "no".
        del parsed.filters[dim]
        parsed.filter_words.pop(dim, None)
        if dim not in parsed.group_by:
            parsed.group_by.append(dim)
        intent = Intent.EXPLAIN
    ranking = _ranking(parsed, intent)
    if ranking is not None:
        intent = Intent.TREND
    rows = ranked_rows(parsed.shape) if intent is Intent.BREAKDOWN and parsed.group_by else None
    metric = parsed.metric
    if intent is Intent.FORECAST_CHECK and "forecast_error" in lex.dims_for:
        # The forecast's error is what a forecast check measures ("… stock orders lock
        # friday" names the stakes, not the metric).
        metric = "forecast_error"
    mentions = parsed.mentions
    if intent in (Intent.SEGMENT, Intent.CHURN):
        # "the newsletter going out friday", "likely to lapse before Cyber Monday": when the
        # list is sent or needed by, not which days to analyse.
        mentions = [m for m in mentions if not is_send_date(parsed.norm, m)]
    resolved = resolve(mentions, intent, today)
    goal = Goal(
        intent=intent,
        metric=None if intent in _NO_METRIC else metric,
        filters=dict(parsed.filters),
        compare=dict(parsed.compare),
        group_by=tuple(parsed.group_by),
        window=resolved.window,
        baseline=resolved.baseline,
        grain=ranking[1] if ranking else _grain(parsed, intent),
        customer_id=parsed.customer_id,
        text=text,
        window_stated=resolved.explicit_window or resolved.baseline_named,
        baseline_stated=resolved.baseline_named,
        ranked=ranking[0] if ranking else rows,
    )
    if intent in (Intent.HELP,):
        goal = replace(goal, filters={}, compare={}, group_by=(), window=None, baseline=None)
    if (
        intent is Intent.TREND
        and goal.grain in WHOLE_PERIODS
        and not resolved.explicit_window
        and context is None
    ):
        # "monthly revenue": the last whole months, not 30 days cut into two partial months.
        whole = Window.whole(goal.grain, today, WHOLE_PERIODS[goal.grain])  # type: ignore[arg-type]
        goal = replace(goal, window=whole)
    if goal.window is not None and goal.window.label == ALL_TIME:
        goal = replace(goal, baseline=None)  # "lifetime revenue": nothing comes before it
    if intent is Intent.CHURN and goal.customer_id is not None:
        # "C045512 opened 4 tickets this month: likely to churn?": the period and the
        # ticket topic are evidence, not the analysis's window or segment (one customer's
        # risk is scored as of today).
        goal = replace(goal, window=None, baseline=None, filters={}, compare={})
    if intent is Intent.BREAKDOWN and set(goal.filters) & set(goal.group_by):
        # "which device has the lowest add-to-cart rate? my bet is mobile": a guess at the
        # answer, not a filter that would leave one row of the split.
        kept = {k: v for k, v in goal.filters.items() if k not in goal.group_by}
        goal = replace(goal, filters=kept)
    if intent is Intent.EXPLAIN and set(goal.filters) & set(goal.group_by):
        # "> Sessions by landing category: Beauty down 18%. What happened to beauty?": the
        # segment asked about, not a split of that one segment.
        goal = replace(goal, group_by=tuple(d for d in goal.group_by if d not in goal.filters))
    if intent in (Intent.SEGMENT, Intent.CHURN):
        # "customers who bought toys last Christmas", "lapse before Cyber Monday": segments
        # and risk scores are as of today; a date names a cohort's history or a deadline.
        goal = replace(goal, window=None, baseline=None)
        for name in parsed.metrics:
            # "segments for new customers": the group the layer's own metric counts.
            value, _, _ = name.partition("_")
            dims = [d for d, values in lex.values.items() if value in values]
            if value != name and len(dims) == 1 and dims[0] not in goal.filters:
                goal = replace(goal, filters={**goal.filters, dims[0]: value})
    # "a list for the winback email": how the list will be used, not who is on it; "the
    # Earth Day email promised …": a message that went out, whatever is asked about it.
    delivery = (
        campaign_delivery(text) if intent in (Intent.SEGMENT, Intent.CHURN) else message_sent(text)
    )
    if intent in (Intent.SEGMENT, Intent.CHURN):
        # "losing our regulars after the delivery mess": a ticket's topic is no trait of a
        # customer to segment or score them by.
        goal = replace(goal, filters={k: v for k, v in goal.filters.items() if lex.cuts_many(k)})
    if intent is Intent.SEGMENT:
        # "who are our loyal customers?": the group the segmentation finds, not a filter.
        kept = {k: v for k, v in goal.filters.items() if not _names_a_group(parsed, k)}
        goal = replace(goal, filters=kept)
    if delivery is not None:
        # "for tomorrow's email campaign" says how it is sent, not which orders count.
        kept = {
            k: v
            for k, v in goal.filters.items()
            if v.lower() != delivery or acquired_through(text, delivery)
        }
        goal = replace(goal, filters=kept)
    defaulted = not resolved.explicit_window and goal.window is not None
    confidence = _confidence(parsed, stated, not defaulted)
    if metric is not None and parsed.metric is None:
        confidence -= _INFERRED
    if defaulted and not resolved.baseline_named and (event := unknown_event(parsed.norm)):
        # "Prime Day revenue", "since the price change": an event with no date Scout knows
        # would silently become the default period (yesterday) and read as the event's figure.
        checked = _checked(goal, parsed, lex, today, confidence)
        if checked.clarification:
            return checked
        typed = re.search(re.escape(event).replace(r"\ ", r"\W+"), parsed.cleaned, re.I)
        return clarify.ask_period(checked, typed[0] if typed else event, today)
    return _checked(goal, parsed, lex, today, confidence)


def _weak_value(subject: str, lex: Lexicon) -> tuple[str, str] | None:
    """(dimension, value) when the words are exactly one of the layer's values."""
    senses = [s for s in lex.phrases.get(tuple(subject.split()), ()) if s.kind == "value"]
    if not senses or senses[0].value is None:
        return None
    dims = [s.name for s in senses if s.value == senses[0].value]
    return lex.value_dimension(dims, None), senses[0].value


def _not_measured(parsed: Parsed) -> str:
    """The refusal of a measure the warehouse lacks, naming it ("footfall")."""
    found = PLAIN_CUES["unmeasured"].search(parsed.norm)
    if found is None:
        return NOT_MEASURED
    # Quoted as typed ("ROAS"), when the words survive as they were.
    typed = re.search(re.escape(found.group(0)).replace(r"\ ", r"\W+"), parsed.cleaned, re.I)
    return not_measured((typed or found).group(0))


def _learned_intent(
    parsed: Parsed, lex: Lexicon, ruled: Intent | None, guess: Guess
) -> Intent | None:
    """The model's intent where no cue stated one, if it is sure and the pieces fit it.

    Only reached after the out-of-scope and action checks, so it can never turn a refusal
    into an analysis; with nothing from the layer named, it must be surer still.
    """
    if guess.intent in (Intent.UNKNOWN, ruled):
        return None
    named = not parsed.empty or parsed.unknown_value is not None
    if guess.probability < (_MODEL_SURE if named else _MODEL_SURE_UNANCHORED):
        return None
    return guess.intent if _fits(guess.intent, parsed, lex) else None


def _learned_override(parsed: Parsed, lex: Lexicon, ruled: Intent, guess: Guess) -> Intent | None:
    """The model's intent over a cue's, where it is sure, the intent is one whose pieces the
    request must carry, and they fit it (refusing stays with the scope checks)."""
    if MODEL_OVERRIDE is None or guess.intent not in _OVERRULES_TO or guess.intent is ruled:
        return None
    if ruled is Intent.FORECAST_CHECK or (
        ruled is Intent.COMPARE and (parsed.compare or parsed.has_baseline)
    ):
        return None  # the forecast's own words, or two things set side by side, are no cue
    if guess.probability < MODEL_OVERRIDE:
        return None
    return guess.intent if _fits(guess.intent, parsed, lex) else None


def _model_says_outside(
    parsed: Parsed, lex: Lexicon, intent: Intent | None, guess: Callable[[], Guess]
) -> bool:
    """Whether the learned model reads a request as outside the data, with nothing in it that
    only the data could answer (a split, a comparison, a customer, a question about Scout)."""
    if intent in (Intent.HELP, Intent.DIGEST) or parsed.group_by or parsed.compare:
        return False  # "what's the story this week?": a scorecard has no subject to miss
    if parsed.metric is not None and parsed.has_baseline:
        return False  # "revenue per session, March vs February": two periods of a metric
    if parsed.customer_id or (intent is None and parsed.empty):
        return False  # nothing read at all ("blorp") is "not sure", not "outside"
    if _first_of_two_questions_asks_for_a_metric(parsed, lex):
        return False  # "revenue last week? also, what's the weather?": the second is apart
    # A subject the data lacks has words for it that nothing here knows ("wishlists"), in
    # the question itself: a log pasted after "what was revenue yesterday?" is context.
    question = _the_question(parsed)
    if len(question) > _MODEL_LONGEST:
        return False  # a paste far longer than any request it learned from
    if sum(is_foreign(word, lex) for word in question) < _MODEL_OUTSIDE_WORDS:
        return False
    read = guess()
    return read.intent is Intent.UNKNOWN and read.probability >= _MODEL_OUTSIDE


def _the_question(parsed: Parsed) -> list[str]:
    """The words that ask: the sentences ending in a question mark, else the first line."""
    asked = [t.text for b, e in _asking(parsed) for t in parsed.tokens[b:e]]
    if asked:
        return asked
    return normalize(parsed.text.strip().split("\n", 1)[0]).split()


def _first_of_two_questions_asks_for_a_metric(parsed: Parsed, lex: Lexicon) -> bool:
    asking = _asking(parsed)
    if len(asking) < 2:
        return False
    begin, end = asking[0]
    return any(m.is_metric for m in lex.match(parsed.tokens[begin:end]))


def _fits(intent: Intent, parsed: Parsed, lex: Lexicon) -> bool:
    """Whether the pieces named can make a goal of this intent without dropping any."""
    match intent:
        case Intent.BREAKDOWN:
            return bool(parsed.group_by)
        case Intent.COMPARE:
            return bool(parsed.compare) or parsed.has_baseline
        case Intent.FORECAST_CHECK:
            return "forecast_error" in lex.dims_for and parsed.metric in (None, "forecast_error")
        case Intent.DIGEST:
            return parsed.metric is None and not parsed.group_by
        case Intent.HELP:
            return parsed.empty and not parsed.mentions
        case Intent.SEGMENT | Intent.CHURN:
            # Customers are grouped or scored, never a metric such as tickets or revenue.
            return (
                not parsed.group_by and not parsed.compare and parsed.metric in (None, "customers")
            )
        case Intent.LOOKUP | Intent.TREND | Intent.EXPLAIN | Intent.DETECT:
            return not parsed.compare
        case Intent.UNKNOWN:
            return False
        case _:
            assert_never(intent)


def _dims_named(goal: Goal) -> set[str]:
    return set(goal.filters) | set(goal.compare) | set(goal.group_by)


def _only_metric_for(goal: Goal, lex: Lexicon) -> str | None:
    """The one metric that can be cut by every dimension the request names, if only one can."""
    dims = _dims_named(goal)
    if not dims:
        return None
    fits = clarify.metrics_supporting(lex, dims)
    return fits[0] if len(fits) == 1 else None


def _metric_for_the_cut(goal: Goal, parsed: Parsed, lex: Lexicon) -> str | None:
    """Another named metric when the goal's cannot be cut by the dimensions named and it can."""
    fits = clarify.metrics_supporting(lex, _dims_named(goal))
    if goal.metric is None or goal.metric in fits:
        return None
    return next((m for m in parsed.metrics if m in fits), None)


def _names_a_group(parsed: Parsed, dimension: str) -> bool:
    return bool(SEGMENT_GROUP_WORDS.search(parsed.filter_words.get(dimension, "")))


def _implied(parsed: Parsed) -> Intent:
    """No cue, but pieces named: a place alone reads as 'how are we doing there?'."""
    if parsed.metric is None and not parsed.group_by and not parsed.compare:
        return Intent.DIGEST if parsed.cues.has("digest") or parsed.unknown_value else Intent.LOOKUP
    return Intent.BREAKDOWN if parsed.group_by else Intent.LOOKUP


_CHANGE_RANKED = re.compile(
    r"\b(?:which|what) _dimension_ (?:(?:had|has|have|saw|sees|showed|posted|got) )?(?:the )?"
    r"(?:biggest|largest|steepest|sharpest|greatest|worst|most|highest|smallest) (?:\S+ )?"
    r"(?:drop|fall|decline|dip|decrease|rise|increase|growth|jump|gain|change|swing)s?\b"
)
_NOT_THIS = re.compile(r"^(?:no,? )?not (?:the )?\S+")
_ONLY_NEW = re.compile(
    r"(?:(?:only|just) (?:the )?new (?:customers|buyers)|new (?:customers|buyers) only)"
)


_JUST_ONE_OR_ALL = re.compile(
    r"\b(?:just|only) (?:on |in |for |the )*_value_(?: \S+)? or (?:is it )?(?:everywhere|"
    r"everyone|everybody|all (?:over|of them|\S+)|across the board|every \S+|the whole \S+)\b"
)


def _one_or_all(parsed: Parsed) -> bool:
    """'is it just mobile or everywhere?': the split that shows whether it is only mobile
    (a filter to mobile would show mobile alone, which cannot answer it)."""
    if len(parsed.filters) != 1 or parsed.group_by or not _JUST_ONE_OR_ALL.search(parsed.shape):
        return False
    ((dim, _),) = parsed.filters.items()
    del parsed.filters[dim]
    parsed.filter_words.pop(dim, None)
    parsed.group_by.append(dim)
    return True


def _read_as_thread_edit(parsed: Parsed, context: Goal) -> None:
    """In a thread, "not revenue, orders" names the metric after the one it takes back, and
    "new customers only" keeps the thread's figure for new customers (not the new-customer
    count)."""
    if _NOT_THIS.match(parsed.norm) and len(parsed.metrics) >= 2:
        parsed.metrics = parsed.metrics[1:]
    if (
        _ONLY_NEW.search(parsed.norm)
        and parsed.metrics == ["new_customers"]
        and context.metric not in (None, "new_customers")
    ):
        parsed.metrics = []
        parsed.filters["customer_type"] = "new"
        parsed.filter_words["customer_type"] = "new"


# "driven by new customers", "did mobile drive it", "was it mobile that drove": a value asked
# about as the move's driver.
_DRIVER = re.compile(
    # "new customers" reads as the new-customer count's words too: either stands for the value.
    r"\b(?:driv\w*|caused|fuell?ed|powered|led|carried) (?:mostly |mainly |largely )?by "
    r"(?:the )?(?:_value_|_metric_)|\b(?:did|do|does) (?:the )?(?:_value_|_metric_) (?:\S+ )?"
    r"(?:driv\w*|cause|fuel|power|carry)\b|\bwas it (?:the )?(?:_value_|_metric_) "
    r"(?:that|who|which) (?:drove|driver|caused)\b"
)
# "is it paid search or everything?", "my guess is paid search, not sitewide", "was it the
# new customers dragging it down?": a suspect offered for the move, which the split by its
# dimension confirms or clears (read in the words, where "new customers" is a value too).
_SUSPECT_LEAD = (
    r"\b(?:is it|was it|is that|if it s|if its|if it is|my guess is|"
    r"i (?:think|bet|suspect|reckon) it s|i suspect) (?:all |just |only |mostly )?(?:the )?"
)
# "Aug rev dipped m/m — paid search?", "units returned jumped in April. apparel again?": a
# value alone after the move, asked as its own question.
_SUSPECT_ASKED = re.compile(
    r"(?:^|[.!?]\s+|[-—–:,·]\s*)(?:just |only |all |mostly )?(?:the )?([^?.!:,·—–-]+?)"
    r"(?:\s+(?:again|too|as well))?\s*\?"
)

# "which topic?" asked on its own, and a count that doubled or halved.
_WHICH_ALONE = re.compile(r"(?:^|[.!?]\s+)which \w+\s*\?")
_DOUBLED = re.compile(r"\b(?:doubled|tripled|halved|quadrupled)\b")


# "did the gap between mobile and desktop widen?": also read by the gap analysis, which then
# holds the gap against the period named.
GAP_MOVED = re.compile(r"\bgap\b.*\b(?:widen|narrow|grow|grew|shrink|shrank|clos|chang)")
_A_MOVE = re.compile(
    r"\b(?:spike|surge|rise|rose|jump|boost|lift|increase|growth|grew|gain|drop|fall|fell|"
    r"dip|decline|slump|change|swing|move|sag|slid|tank|crater|climb|crept|creep|plung|soft)\w*"
    r"|\b(?:gone|went|is|are|was|were) (?:well |way |much |far |a lot )?(?:up|down)\b|\boff a cliff\b"
)


def _driver_asked(parsed: Parsed) -> str | None:
    """The dimension of the one value asked about as the driver of a move, if any."""
    if not parsed.filters or any(d not in parsed.filters for d in parsed.group_by):
        return None
    if not _A_MOVE.search(parsed.norm) or re.search(r"\bhow (?:many|much)\b", parsed.norm):
        # "new customers driven by email", "how many sessions did social drive": how they
        # came, and how many, with no move to split.
        return None
    # The filters in the order their words are written, as the shape's values are.
    words = {dim: parsed.filter_words.get(dim) or dim for dim in parsed.filters}
    placed = sorted(words, key=lambda dim: parsed.norm.find(words[dim]))
    found = _DRIVER.search(parsed.shape)
    if found is not None:
        nth = parsed.shape[: found.end()].count("_value_") - 1
        if "_value_" not in found.group(0):
            # "driven by new customers": the count's words stand for the value
            return placed[0] if len(placed) == 1 else None
        return placed[nth] if 0 <= nth < len(placed) else None
    suspects = [
        dim
        for dim in placed
        if re.search(rf"{_SUSPECT_LEAD}{re.escape(words[dim].lower())}\b", parsed.norm)
        or any(
            asked.group(1).lower() == words[dim].lower()
            for asked in _SUSPECT_ASKED.finditer(parsed.cleaned)
        )
    ]
    return suspects[0] if len(suspects) == 1 else None


# "what % of sessions …" normalises to "what of sessions …".
_SHARE = re.compile(
    r"\b(?:share|percent|percentage|proportion|fraction|pct|%|what) of (?:all |total |our |the )*"
)


def _share_asked(parsed: Parsed) -> str | None:
    """The dimension whose value's share of the metric is asked ("what percent of orders came
    from new customers" → customer type), if the text asks for a share of a count or sum."""
    found = _SHARE.search(parsed.norm)
    if found is None or not parsed.filters or parsed.group_by or len(parsed.metrics) > 2:
        return None  # "what share of tickets is each topic in the Midwest": split already named
    after = parsed.norm[found.end() :]
    placed = [
        (after.find(word), dim)
        for dim, word in parsed.filter_words.items()
        if dim in parsed.filters and after.find(word) > 0
    ]
    return min(placed)[1] if placed else None


def _ranking(parsed: Parsed, intent: Intent) -> tuple[Ranked, Grain] | None:
    """A request for one metric's best or worst days (weeks, months), however its intent read:
    the period's total would look like the answer and not be it."""
    if intent not in (Intent.LOOKUP, Intent.BREAKDOWN, Intent.TREND) or parsed.metric is None:
        return None
    if parsed.group_by or parsed.compare:
        return None  # "which region had the most orders": a split ranks its own rows
    return ranked_periods(parsed.shape)


def _grain(parsed: Parsed, intent: Intent) -> Grain | None:
    if intent is Intent.TREND:
        return parsed.cues.grain or "day"
    return None


def _confidence(parsed: Parsed, stated: bool, window_given: bool) -> float:
    value = _EXACT - _PER_TYPO * len(parsed.corrections)
    if not window_given:
        value -= _DEFAULTED_WINDOW
    if not stated:
        value -= _INFERRED
    if len(parsed.metrics) > 1 or parsed.extra_values:
        value -= _EXTRA_PIECE
    if parsed.hostile:
        value = min(value, _HOSTILE_CAP)
    return value


# Refusals whose words also describe the setting of a request: told after a dated request for
# a metric, a system, a team, a policy or the weather says why it is asked ("diffing it
# against my dbt model", "the sales-tax team wants it", "the heatwave"), not what.
_CHECKED_AGAINST = frozenset(
    {
        "plumbing",
        "documents",
        "legal",
        "stock_level",
        "policy",
        "not_recorded",
        "weather",
        "statistic",  # "point estimate is fine, I'll bootstrap the interval on my side"
        "whose_job",
        "unheld_measures",  # "revenue by channel for May — the take rate review is built off it"
    }
)


def _why_not_what(refusal: Refusal, parsed: Parsed, lex: Lexicon) -> bool:
    """Whether the refused words sit in clauses of their own beside a request for a metric
    over a period, or only in statements after a question that asks for something Scout
    gives ("what did I miss this week? been stuck in hiring interviews since monday")."""
    return (
        (
            refusal.kind in _CHECKED_AGAINST
            and parsed.metric is not None
            and parsed.has_window
            and asked_apart(parsed.tokens, parsed.cleaned, refusal.pattern, lex)
        )
        or _told_after_the_question(parsed, refusal.pattern)
        or _told_beside_the_request(parsed, refusal.pattern, lex)
        or (
            parsed.customer_id is not None
            and told_only_beside_a_question(parsed.tokens, parsed.sentences, refusal.pattern)
        )
    )


def _told_beside_the_request(parsed: Parsed, said: re.Pattern[str], lex: Lexicon) -> bool:
    """The words appear only in statements beside a sentence asking for a metric over a period."""
    return (
        parsed.metric is not None
        and parsed.has_window
        and told_only_beside_a_request(
            parsed.tokens,
            # With no question asked, a dash parts the request from why it is made.
            sentence_spans(parsed.tokens, parsed.cleaned, at_dashes=True)
            if len(parsed.sentences) == 1 and "?" not in parsed.cleaned
            else parsed.sentences,
            said,
            lex,
        )
    )


def _told_beside_a_recap(parsed: Parsed, said: re.Pattern[str]) -> bool:
    """The words appear only in statements around a question that asks for a recap of a
    period: "… a short summary of the Obon days? The Tokyo office was also closed"."""
    return (
        parsed.cues.has("digest")
        and parsed.has_window
        and told_only_beside_a_question(parsed.tokens, parsed.sentences, said)
    )


def _told_after_the_question(parsed: Parsed, said: re.Pattern[str]) -> bool:
    """The words appear only in sentences that ask nothing, after a first sentence that asks
    for a recap, a customer's risk, the forecast's record or a metric over a period."""
    asks_for_something = (
        parsed.cues.has("digest_strong")
        or parsed.customer_id is not None
        or parsed.metric == "forecast_error"
        or (parsed.metric is not None and parsed.has_window)
    )
    return asks_for_something and told_only_after_the_question(
        parsed.tokens, parsed.sentences, said
    )


def _checked(goal: Goal, parsed: Parsed, lex: Lexicon, today: date, confidence: float) -> Goal:
    """Attach a clarification when a required piece is missing or cannot work."""
    goal = replace(goal, confidence=round(max(0.05, min(confidence, 0.99)), 3))
    if parsed.unknown_value is not None:
        dimension, typed = parsed.unknown_value
        if goal.metric is None or dimension in lex.dims_for.get(goal.metric, ()):
            return clarify.ask_value(goal, lex, dimension, typed)
    if goal.metric is not None and (better := _metric_for_the_cut(goal, parsed, lex)):
        # "what were customers writing in about? by topic": of the metrics named, the one
        # the split exists for.
        goal = replace(goal, metric=better)
    if (
        goal.intent is Intent.DETECT
        and goal.metric is None
        and (only := _only_metric_for(goal, lex))
    ):
        # "did any ticket topic spike?": only tickets have a topic to watch.
        goal = replace(goal, metric=only)
    if goal.intent in NEEDS_METRIC and goal.metric is None:
        only = _only_metric_for(goal, lex)
        if only is not None:
            # "tickets about billing" typed as "tix", "which topics do people write in
            # about?": only one metric has a topic, so there is nothing to ask.
            return _checked(replace(goal, metric=only), parsed, lex, today, confidence - _INFERRED)
        question = "Which metric should I look at?"
        if goal.intent is Intent.EXPLAIN:
            question = "Which metric do you mean? I'll explain what moved it."
        return clarify.ask_metric(goal, lex, question)
    if goal.metric is not None:
        allowed = lex.dims_for.get(goal.metric, ())
        for dim in goal.group_by:
            if dim not in allowed:
                return clarify.ask_group(replace(goal, group_by=()), lex, dim)
        for dim, value in goal.filters.items():
            if dim not in allowed:
                return clarify.ask_filter(goal, lex, dim, value)
        for dim in goal.compare:
            if dim not in allowed:
                return clarify.ask_compare(goal, lex, dim)
    return goal
