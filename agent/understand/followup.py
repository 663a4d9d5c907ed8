"""Follow-ups in a thread: "what about the West?", "and last month?", "why?", "by device".

A follow-up names only what changes; everything else comes from the thread's previous goal:
"what about X" replaces the value of X's dimension; "compare to X" / "vs X" sets the thread's
value against X (after a comparison on X's dimension, its first side against X; with no
value on X's dimension, the thread's segment split by it, X beside the rest); "break that
down by D" drops the filter on D; "the week before" moves the window back and keeps the rest
(by the period's own unit when a week is shorter than it); "drop the filter" takes off the
one added last; a new question with its own segment ("why did it drop in the Southeast?")
drops the thread's other filters; "why?" explains the previous answer, over its window.
Where a reading could have been another, `thread_notes` says which one was taken.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from agent.domain import Goal, Intent, Window, format_segment
from agent.understand.intents import NEEDS_METRIC
from agent.understand.slots import Parsed
from agent.understand.windows import (
    BASELINE_INTENTS,
    comparison_period,
    default_window,
    named_baseline,
    resolve,
    whole_months,
)

# Openings that say "change only this": the rest of the thread's goal carries over.
_MARKER = re.compile(
    r"^(?:what about|how about|and|same|now|ok|okay|also|what if|then|instead|just|but|"
    r"what if|ditto|likewise)\b"
)

# "no, I meant orders", "actually, orders", "sorry — orders": a correction of the last
# request, which keeps everything else it said.
_CORRECTION = re.compile(r"^(?:no|nope|sorry|oops|actually|rather)\b|\bi meant\b|^not \S+")
# "across all channels", "every region", "remove the email filter": a filter taken off.
_ALL_OF = re.compile(
    r"\b(?:all|any|every|across(?: all)?|for all|regardless of) (?:the )?"
    r"(?P<dim>regions?|devices?|channels?|categor(?:y|ies)|topics?|states?|customer types?)\b"
)
_FILTER_OFF = re.compile(
    r"\b(?:remove|drop|clear|lose|undo|take off|without) (?:the )?(?P<what>\S+(?: \S+)?) "
    r"(?:filter|cut|restriction)s?\b"
)

# "drop the filters", "remove all filters", "no filters": every filter off.
_FILTERS_OFF = re.compile(
    r"\b(?:remove|drop|clear|lose|undo|take off|without|no|reset) (?:the |that |this |those |"
    r"all (?:the |of the )?|any |my )?(?:filters?|cuts?|restrictions?)\b"
)
# "drop the filter", "undo that cut" (one, named by none of its values): the filter added
# last. With three on screen (Southeast, then mobile, then new customers), the singular
# means the one just put on, not all three (probe F, class 8d); "drop all filters", "drop
# the filters", "no filter" and "reset" still take every one off.
_ONE_FILTER_OFF = re.compile(
    r"\b(?:remove|drop|clear|lose|undo|take off|without) (?:the |that |this )?"
    r"(?:filter|cut|restriction)\b(?!s)"
)

# Dimensions that name the same thing at two scales: a new value of one replaces the other.
_PLACES = {"region": ("state",), "state": ("region",)}


def last_filter_dropped(parsed: Parsed, context: Goal) -> str | None:
    """The dimension of the filter "drop the filter" takes off, when the thread holds more
    than one (with one, singular and plural mean the same); None otherwise."""
    if len(context.filters) < 2 or not _ONE_FILTER_OFF.search(parsed.norm):
        return None
    # Filters keep the order they were added in, in the goal and in thread memory (JSON).
    return list(context.filters)[-1]


def cleared(parsed: Parsed, context: Goal) -> set[str]:
    """The dimensions whose filter the message takes off the thread's goal."""
    if (last := last_filter_dropped(parsed, context)) is not None:
        return {last}
    if _FILTERS_OFF.search(parsed.norm):
        return set(context.filters)
    off: set[str] = set()
    for found in _ALL_OF.finditer(parsed.norm):
        named = found["dim"].replace(" ", "_")
        dim = "category" if named.startswith("categor") else named.rstrip("s")
        if dim in context.filters:
            off.add(dim)
    for found in _FILTER_OFF.finditer(parsed.norm):
        what = found["what"].replace(" ", "_")
        off |= {
            d
            for d, v in context.filters.items()
            if what in (d, v.lower(), f"{d}_filter") or what.rstrip("s") == d
        }
    return off


def corrects(parsed: Parsed) -> bool:
    """Whether the message corrects the last request ("no, I meant orders")."""
    return _CORRECTION.search(parsed.norm) is not None


_WHEN_STARTED = re.compile(
    r"\bwhen did (?:it|this|that|the \w+) (?:start|begin|kick in|kick off)\b|\bsince when\b|"
    r"\bwhen (?:did|was) (?:it|this|that) (?:first|start)"
)

# Requests that stand on their own even inside a thread.
_SELF_CONTAINED = frozenset({Intent.HELP, Intent.DIGEST, Intent.SEGMENT, Intent.CHURN})


def is_followup(parsed: Parsed, intent: Intent | None, context: Goal) -> bool:
    """Whether the message leans on the previous goal rather than standing alone."""
    if context.intent in (Intent.UNKNOWN, Intent.HELP) or context.clarification is not None:
        return False
    if intent in _SELF_CONTAINED and intent is not context.intent:
        return False
    if parsed.unknown_value is not None:
        return False
    cues = parsed.cues
    if cleared(parsed, context):
        return True  # "across all channels": the thread's figure, a filter taken off
    # "go back one more week": moving the thread's period leans on it by definition.
    marker = (
        cues.has("followup")
        or _BACK_BY.search(parsed.norm) is not None
        or corrects(parsed)
        or _WHEN_STARTED.search(parsed.norm) is not None
    )
    if _THERE.search(parsed.norm) and not parsed.has_window:
        return True  # "why are billing tickets so high there?": the thread's place
    if _for_a_group(parsed, context) and not parsed.has_window:
        return True  # "split that by new and returning customers": the thread's figure, cut
    if parsed.metric is not None:
        if (
            parsed.metric == context.metric
            and not parsed.has_window
            and parsed.group_by
            and intent in (None, Intent.LOOKUP, Intent.BREAKDOWN)
        ):
            # "sessions yesterday" … "sessions by device?": the same figure, split.
            return True
        if (
            parsed.metric == context.metric
            and not parsed.has_window
            and parsed.filters
            and intent in (None, Intent.LOOKUP)
        ):
            # "revenue last week" … "revenue for mobile only": the same figure and period, cut.
            return True
        # "what about orders?", "same for AOV": swap the metric, keep the rest.
        return marker and not parsed.has_window and intent in (None, Intent.LOOKUP)
    says_something = bool(
        parsed.filters
        or parsed.compare
        or parsed.group_by
        or parsed.mentions
        or cues.grain
        or cues.has("why", "move", "trend", "breakdown", "compare", "detect", "investigate")
        or cues.has("overall")
        or marker
    )
    return says_something and (context.metric is not None or context.intent not in NEEDS_METRIC)


def merge(
    parsed: Parsed,
    intent: Intent | None,
    stated: bool,
    context: Goal,
    today: date,
    values: Mapping[str, tuple[str, ...]] | None = None,
) -> Goal:
    """The previous goal with what the follow-up changes applied (`values`: each dimension's
    values, so "the other one" after one of two names the second)."""
    shifted = _shifted_window(parsed, context) or _one_back(parsed, context, today)
    new_intent = context.intent if shifted else _intent(parsed, intent, stated, context)
    filters = {} if parsed.cues.has("overall") or _restated(parsed) else dict(context.filters)
    off = cleared(parsed, context)
    if off and parsed.metric is None:
        new_intent = context.intent  # "drop the channel filter": the same analysis, wider
    filters |= _the_other(parsed, context, values or {})
    filters |= _group_filter(parsed, context, values or {})
    compare = dict(parsed.compare) or {
        d: pair for d, pair in context.compare.items() if d not in parsed.filters
    }
    beside = set_beside(parsed, context)
    for dim, value in parsed.filters.items():
        # "compare to the West" after a Northeast answer: the Northeast against the West.
        previous = context.filters.get(dim)
        pair = context.compare.get(dim)
        if parsed.cues.has("compare") and previous is not None and previous != value:
            compare[dim] = (previous, value)
            new_intent = Intent.COMPARE
        elif pair is not None and value not in pair and new_intent in _TWO_SIDED:
            # "how about vs email?" after paid search vs organic: the thread's subject (the
            # first side) against email; email alone would compare nothing (probe F, 8c).
            # "what about tablet?" after "why is mobile lower than desktop?": mobile's gap
            # to tablet.
            compare[dim] = (pair[0], value)
        elif (dim, value) != beside:
            filters[dim] = value
            # "ok and for the whole Midwest?" after Minnesota: a place replaces the place
            # before, whether it is named as a state or as a region.
            for other in _PLACES.get(dim, ()):
                if other not in parsed.filters:
                    filters.pop(other, None)
    for dim in (*compare, *parsed.group_by, *off):
        # "break that down by region" after a West answer splits every region; "remove the
        # email filter" names email to take it off.
        filters.pop(dim, None)
    if beside is not None:
        # "compare to organic" after the West: a region and a channel are no two sides of
        # one comparison, and the West × organic alone compares nothing (probe F, 8c).
        # The thread's segment split by the named value's dimension sets organic beside
        # the West's other channels, each with its share of the West; the reply says so
        # (`thread_notes`).
        dim = beside[0]
        group_by = tuple(dict.fromkeys((dim, *context.group_by)))[:2]
        if new_intent is Intent.COMPARE:
            new_intent = Intent.BREAKDOWN
    elif parsed.group_by:
        group_by = tuple(parsed.group_by)
    elif new_intent in (Intent.BREAKDOWN, Intent.EXPLAIN, Intent.COMPARE, Intent.TREND):
        # A trend keeps the split too: "per day please" after orders by channel is answered
        # for every channel together, and says so, rather than drop the channels in silence.
        # "📱 vs 💻?" after conversion by device: two of the split's rows set side by side.
        group_by = tuple(g for g in context.group_by if g not in filters and g not in compare)
    else:
        group_by = ()
    if new_intent is Intent.BREAKDOWN and compare:
        # "break that down by region" after "mobile vs desktop": split by both, so each
        # region's mobile and desktop rows are there (a split by region alone would add
        # every device together under the comparison's name).
        group_by = tuple(dict.fromkeys((*compare, *group_by)))[:2]
        compare = {}
    if new_intent is Intent.BREAKDOWN and not group_by:
        new_intent = Intent.LOOKUP
    if shifted is not None:
        window: Window | None = shifted
        baseline = comparison_period(shifted) if new_intent in BASELINE_INTENTS else None
        period_stated, baseline_stated = True, False
    else:
        window, baseline = _windows(parsed, new_intent, context, today)
        resolved = resolve(parsed.mentions, new_intent, today)
        # A period the follow-up names is stated; one kept from the thread stays as it was.
        period_stated = resolved.explicit_window or resolved.baseline_named
        baseline_stated = resolved.baseline_named or (
            baseline == context.baseline and context.baseline_stated
        )
        if not period_stated and window == context.window and baseline == context.baseline:
            period_stated = context.window_stated
        if (
            new_intent is Intent.EXPLAIN
            and context.intent is not Intent.EXPLAIN
            and context.window is not None
            and window == context.window
        ):
            # "why?" after numbers for a period (a default one included: "per day please"
            # widened the thread to 30 days) explains those numbers, that window against
            # its baseline. Looking for where the move began instead explained another
            # window under the thread's header (probe F, 8a). After an explanation, a
            # period nobody named stays open: it already searched for the onset.
            period_stated = True
    if _WHEN_STARTED.search(parsed.norm):
        # "when did it start?": the explanation looks for the day the move began, rather
        # than repeating itself over the thread's period.
        new_intent, period_stated = Intent.EXPLAIN, False
    return Goal(
        intent=new_intent,
        metric=_metric(parsed, context),
        filters=filters,
        compare=compare,
        group_by=group_by,
        window=window,
        baseline=baseline,
        grain=(parsed.cues.grain or context.grain or "day") if new_intent is Intent.TREND else None,
        customer_id=parsed.customer_id or context.customer_id,
        text=parsed.text,
        window_stated=period_stated,
        baseline_stated=baseline_stated,
        # "and the month before?" after "the 3 worst days last month": the same ranking.
        ranked=context.ranked if new_intent is Intent.TREND else None,
    )


# Analyses that set two values of one dimension side by side.
_TWO_SIDED = frozenset({Intent.COMPARE, Intent.EXPLAIN})


def set_beside(parsed: Parsed, context: Goal) -> tuple[str, str] | None:
    """'compare to organic' after an answer about the West (or about everything): the one
    value named to compare with, on a dimension the thread neither filters nor compares on
    (dimension, value); None when the comparison has two sides in one dimension."""
    if not parsed.cues.has("compare") or parsed.compare or parsed.has_baseline:
        return None
    if len(parsed.filters) != 1 or parsed.metric not in (None, context.metric):
        return None
    ((dim, value),) = parsed.filters.items()
    if dim in context.filters or context.compare or context.metric is None:
        # After "mobile vs desktop", "compare to organic" keeps both sides, in organic.
        return None
    return dim, value


# "what about the other one?": the thread's value of a two-valued dimension, swapped.
_OTHER = re.compile(r"\bthe other (?:one|ones|group|type|kind|side|half|segment)\b")


def _the_other(
    parsed: Parsed, context: Goal, values: Mapping[str, tuple[str, ...]]
) -> dict[str, str]:
    """The other value of the one two-valued dimension the thread filtered on, if asked."""
    if parsed.filters or not _OTHER.search(parsed.norm):
        return {}
    swapped = {
        dim: next(v for v in values[dim] if v != value)
        for dim, value in context.filters.items()
        if len(values.get(dim, ())) == 2 and value in values[dim]
    }
    return swapped if len(swapped) == 1 else {}


def _shifted_window(parsed: Parsed, context: Goal) -> Window | None:
    """'what about the week before?': the thread's window moved back, everything else kept."""
    if context.window is None or parsed.has_window or parsed.cues.has("compare"):
        return None
    relative = [m for m in parsed.mentions if m.role == "baseline" and not m.compared]
    if len(relative) != 1 or relative[0].relative is None:
        return None
    return in_own_units(relative[0].relative(context.window), context.window)


def in_own_units(moved: Window, window: Window) -> Window:
    """A period moved back, kept to the shape of the one on screen. "The week before" after
    a calendar month moved that month back 7 days: a 30-day window no calendar names, half
    of it the month already shown (probe F, 8b). A step shorter than the period, which
    overlaps it, steps back by the period's own unit instead (the month before a month,
    the 30 days before 30 days); "the month before" a Monday–Sunday week, which lands on
    six days from a Saturday, is the same weekdays four weeks earlier. The reply says so
    (`thread_notes`)."""
    if moved.end > window.start:
        # Overlapping the period, or not before it at all ("the month before" a quarter
        # read as the month before today).
        return comparison_period(window) if whole_months(window) else window.previous()
    if moved.days != window.days and not whole_months(window) and window.days > 1:
        weeks = max(1, round((window.start - moved.start).days / 7))
        return window.shifted(-7 * weeks, label=f"{weeks} weeks earlier")
    return moved


# "the prior week" alone is last week; after an answer about last week it is the one before.
_ONE_BACK = re.compile(r"\b(?:prior|previous|preceding|earlier) (?:day|week|month|quarter|year)\b")


# "roll it back one more week", "go back a day": the thread's window moved by one unit.
_BACK_BY = re.compile(
    r"\bback (?:by )?(?:one|a|1) (?:more )?(?P<unit>day|week|month)\b"
    r"|\b(?:one|a|1) (?:more )?(?P<unit2>day|week|month) (?:back|earlier)\b"
)
_UNIT_DAYS = {"day": 1, "week": 7}


def _one_back(parsed: Parsed, context: Goal, today: date) -> Window | None:
    """'what did the prior week look like?' after last week: the thread's period one back."""
    if context.window is None or parsed.cues.has("compare"):
        return None
    if (by := _BACK_BY.search(parsed.norm)) is not None and not parsed.has_window:
        unit = by["unit"] or by["unit2"]
        if unit in _UNIT_DAYS:
            moved = context.window.shifted(-_UNIT_DAYS[unit], label=f"a {unit} earlier")
            return in_own_units(moved, context.window)
        return comparison_period(context.window)
    if not _ONE_BACK.search(parsed.norm):
        return None
    named = resolve(parsed.mentions, context.intent, today).window
    return comparison_period(context.window) if named == context.window else None


# "and for first-time buyers?": a customer group the thread's metric is cut by, not a
# switch to counting customers.
_FOR_A_GROUP = re.compile(
    r"\b(?:for|by) (?:the |our )?(?P<group>new|first ?time|returning|repeat|loyal|existing)\b"
)
_CUSTOMER_COUNTS = frozenset(["customers", "new_customers"])


def _metric(parsed: Parsed, context: Goal) -> str | None:
    if _for_a_group(parsed, context) and (parsed.filters or context.metric not in _CUSTOMER_COUNTS):
        return context.metric
    return parsed.metric or context.metric


def _for_a_group(parsed: Parsed, context: Goal) -> bool:
    return (
        parsed.metric in _CUSTOMER_COUNTS
        and context.metric is not None
        and _FOR_A_GROUP.search(parsed.norm) is not None
    )


def _group_filter(
    parsed: Parsed, context: Goal, values: Mapping[str, tuple[str, ...]]
) -> dict[str, str]:
    """'and for the new clients?' after the loyal customers' AOV: the group, as the filter the
    customer count's words stood for (the dimension that holds that value)."""
    found = _FOR_A_GROUP.search(parsed.norm)
    if parsed.filters or found is None or not _for_a_group(parsed, context):
        return {}
    wanted = "new" if found["group"] in ("new", "first time", "firsttime") else "returning"
    return {
        dim: wanted for dim, vals in values.items() if wanted in vals and dim not in parsed.group_by
    }


# "there", "in that region": the place the thread is already about.
_THERE = re.compile(r"\b(?:there|in (?:that|this|the same) (?:region|state|channel|segment))\b")


def _restated(parsed: Parsed) -> bool:
    """A new question with its own segment ("why did it drop in the Southeast?"): the
    thread's other filters no longer apply unless the text repeats them or points back to
    them ("why's delivery so high there?")."""
    if not parsed.filters or _MARKER.match(parsed.norm) or _THERE.search(parsed.norm):
        return False
    return parsed.cues.has("why", "move", "trend", "detect", "investigate", "direction")


def _intent(parsed: Parsed, intent: Intent | None, stated: bool, context: Goal) -> Intent:
    """A stated new intent wins; otherwise the thread's, adjusted to what was added."""
    chosen: Intent | None = None
    if stated and intent is not None and intent is not Intent.LOOKUP:
        chosen = intent
    # "which channel?" inside an explanation asks for that split of the explanation.
    if (
        chosen is Intent.BREAKDOWN
        and not parsed.cues.has("breakdown")
        and context.intent in (Intent.EXPLAIN, Intent.COMPARE, Intent.DETECT)
    ):
        chosen = context.intent
    if chosen is None:
        chosen = context.intent
        if parsed.compare:
            chosen = Intent.COMPARE
        elif parsed.group_by and context.intent in (Intent.LOOKUP, Intent.TREND):
            chosen = Intent.BREAKDOWN
    if chosen in _SELF_CONTAINED and chosen is not context.intent:
        chosen = context.intent
    if chosen is Intent.EXPLAIN and (parsed.metric or context.metric) == "forecast_error":
        # "why is toys so far off?" after forecast error by category: why a forecast misses
        # is what a forecast check answers.
        chosen = Intent.FORECAST_CHECK
    return chosen


def _windows(
    parsed: Parsed, intent: Intent, context: Goal, today: date
) -> tuple[Window | None, Window | None]:
    resolved = resolve(parsed.mentions, intent, today)
    if resolved.explicit_window:
        return resolved.window, resolved.baseline
    window = context.window
    # The thread saw numbers for this window, so keep it; only a trend needs room to move.
    if window is None or (intent is Intent.TREND and window.days < 7):
        window = default_window(intent, today) or window
    if window is None:
        return None, None
    # The thread kept its window, so it keeps the baseline its numbers were compared with.
    kept = context.baseline if window == context.window else None
    natural = kept or comparison_period(window)
    named = named_baseline(parsed.mentions, window, natural)
    if named is not None:
        return window, named
    return window, natural if intent in BASELINE_INTENTS else None


# ---------------------------------------------------------------------- what the reply says


def thread_notes(parsed: Parsed, context: Goal, goal: Goal) -> list[str]:
    """What the reply says about a follow-up read in a way its words alone do not show: the
    one filter "drop the filter" took off, a value set beside the thread's segment rather
    than compared with it, a step back taken in the period's own units. Each is a reading a
    person could have meant otherwise, so it is said, with the words for the other one."""
    notes: list[str] = []
    last = last_filter_dropped(parsed, context)
    if last is not None and last not in goal.filters and goal.filters:
        notes.append(
            f"I took off the filter added last, {_words({last: context.filters[last]})}, and "
            f"kept {_words(goal.filters)}; \u201cdrop all filters\u201d takes every one off."
        )
    beside = set_beside(parsed, context)
    if beside is not None and beside[0] in goal.group_by:
        dim, value = beside
        named, metric = value.replace("_", " "), (goal.metric or "").replace("_", " ")
        if context.filters:
            whole = _words(context.filters)
            kinds = " × ".join(_dim(d) for d in context.filters)
            notes.append(
                f"{named.capitalize()} is a {_dim(dim)} and {whole} a {kinds}, so they are no "
                f"two sides of one comparison: here is {whole} by {_dim(dim)}, {named} beside "
                f"the other {_dim(dim)}s. For {named} across every {kinds}, ask "
                f"\u201c{named} {metric} by {kinds}\u201d."
            )
        else:
            notes.append(
                f"Against the whole: here is every {_dim(dim)}, {named} beside the others."
            )
    stepped = _literal_step(parsed, context)
    if stepped is not None and context.window is not None and goal.window is not None:
        said, naive = stepped
        if goal.window != naive and goal.window == in_own_units(naive, context.window):
            notes.append(
                f"\u201c{said}\u201d from {context.window.describe()} would give "
                f"{naive.describe()}, which is no period of the same kind, so I stepped back "
                f"{_step(context.window, goal.window)}: {goal.window.describe()}."
            )
    return notes


def _literal_step(parsed: Parsed, context: Goal) -> tuple[str, Window] | None:
    """The words that move the thread's period back and where they alone would land it."""
    if context.window is None or parsed.has_window or parsed.cues.has("compare"):
        return None
    if (by := _BACK_BY.search(parsed.norm)) is not None:
        unit = by["unit"] or by["unit2"]
        if unit not in _UNIT_DAYS:
            return None
        return by[0], context.window.shifted(-_UNIT_DAYS[unit])
    relative = [m for m in parsed.mentions if m.role == "baseline" and not m.compared]
    if len(relative) != 1 or relative[0].relative is None:
        return None
    return parsed.norm[relative[0].start : relative[0].end], relative[0].relative(context.window)


def _words(where: Mapping[str, str]) -> str:
    return format_segment(where, style="words")


def _dim(dimension: str) -> str:
    return dimension.replace("_", " ")


def _step(window: Window, moved: Window) -> str:
    """How far back a period was moved, in its own terms."""
    if months := whole_months(window):
        return "to the month before" if months == 1 else f"to the {months} months before"
    if moved.days == window.days and moved.end == window.start:
        return f"to the {window.days} days before"
    return f"{(window.start - moved.start).days // 7} weeks, to the same weekdays"
