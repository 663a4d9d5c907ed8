"""Short questions with buttons: each option is a complete goal Scout can run as is."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from agent.act.redact import clean_text
from agent.domain import Clarification, ClarificationOption, Goal, Intent
from agent.understand.intents import NEEDS_METRIC
from agent.understand.lexicon import Lexicon, plural
from agent.understand.vocabulary import PREFERRED_METRICS
from agent.understand.windows import (
    BASELINE_INTENTS,
    comparison_period,
    default_window,
    find_windows,
    resolve,
)

MAX_OPTIONS = 5
OPTION_CONFIDENCE = 0.95


def _asking(
    base: Goal,
    question: str,
    options: list[ClarificationOption],
    cap: float,
    *,
    refusal: str = "",
) -> Goal:
    # A question back may quote the asker's words ("I don't know “…”"): redacted like the
    # echo of the question itself, so a pasted card number never goes back out in it.
    clarification = Clarification(
        question=clean_text(question),
        options=tuple(options[:MAX_OPTIONS]),
        refusal=clean_text(refusal),
    )
    return replace(base, confidence=min(base.confidence, cap), clarification=clarification)


def _chosen(goal: Goal) -> Goal:
    """An option's goal: what the person will have asked for by pressing the button."""
    return replace(goal, clarification=None, confidence=OPTION_CONFIDENCE)


def metrics_supporting(lex: Lexicon, dims: set[str]) -> list[str]:
    """Metrics that can be cut by all of `dims`, the usual ones first."""
    ordered = [m for m in PREFERRED_METRICS if m in lex.metric_labels]
    ordered += [m for m in lex.metric_labels if m not in ordered]
    return [m for m in ordered if dims <= set(lex.dims_for.get(m, ()))]


def ask_metric(base: Goal, lex: Lexicon, question: str = "") -> Goal:
    """The request needs a metric and names none ("why did it drop?")."""
    dims = set(base.filters) | set(base.compare) | set(base.group_by)
    options = [
        ClarificationOption(label=lex.metric_labels[m], goal=_chosen(replace(base, metric=m)))
        for m in metrics_supporting(lex, dims)
    ]
    return _asking(base, question or "Which metric should I look at?", options, 0.5)


def ask_value(base: Goal, lex: Lexicon, dimension: str, typed: str) -> Goal:
    """A value Scout does not know ("Antarctica"): offer the dimension's real values."""
    label = lex.dimension_labels.get(dimension, dimension).lower()
    options = [
        ClarificationOption(
            label=value,
            goal=_chosen(replace(base, filters={**base.filters, dimension: value})),
        )
        for value in lex.values.get(dimension, ())
    ]
    question = f"I don't know a {label} called {typed}. Which {label} did you mean?"
    return _asking(base, question, options, 0.4)


def ask_group(base: Goal, lex: Lexicon, dimension: str) -> Goal:
    """The metric cannot be split this way: offer metrics that can, or other splits."""
    assert base.metric is not None
    label = lex.dimension_labels.get(dimension, dimension).lower()
    metric_label = lex.metric_labels[base.metric]
    options = [
        ClarificationOption(
            label=f"{lex.metric_labels[m]} by {label}",
            goal=_chosen(replace(base, metric=m, group_by=(dimension,))),
        )
        for m in metrics_supporting(lex, {dimension, *base.filters})
    ]
    options += [
        ClarificationOption(
            label=f"{metric_label} by {lex.dimension_labels[d].lower()}",
            goal=_chosen(replace(base, group_by=(d,))),
        )
        for d in lex.dims_for.get(base.metric, ())
        if d not in base.filters
    ]
    question = f"{metric_label} isn't recorded by {label}. What should I show instead?"
    return _asking(base, question, options, 0.5)


def ask_filter(base: Goal, lex: Lexicon, dimension: str, value: str) -> Goal:
    """A filter the metric cannot take ("support tickets on mobile")."""
    assert base.metric is not None
    metric_label = lex.metric_labels[base.metric]
    label = lex.dimension_labels.get(dimension, dimension).lower()
    without = {k: v for k, v in base.filters.items() if k != dimension}
    options = [
        ClarificationOption(
            label=f"{metric_label}, all {plural(label)}",
            goal=_chosen(replace(base, filters=without)),
        )
    ]
    options += [
        ClarificationOption(
            label=f"{lex.metric_labels[m]} for {value}",
            goal=_chosen(replace(base, metric=m)),
        )
        for m in metrics_supporting(lex, set(base.filters) | set(base.group_by))
    ]
    question = f"{metric_label} isn't recorded by {label}, so I can't filter it to {value}."
    return _asking(base, question + " What should I show?", options, 0.5)


def ask_compare(base: Goal, lex: Lexicon, dimension: str) -> Goal:
    """Two values of a dimension the metric is not recorded by ("AOV for electronics vs
    apparel"): the metric without the split, or a metric that has it, the same two compared
    (never an option named for electronics that answers for every category)."""
    assert base.metric is not None
    first, second = base.compare[dimension]
    metric_label = lex.metric_labels[base.metric]
    label = lex.dimension_labels.get(dimension, dimension).lower()
    others = {k: v for k, v in base.compare.items() if k != dimension}
    options = [
        ClarificationOption(
            label=f"{metric_label}, all {plural(label)}",
            goal=_chosen(replace(base, compare=others)),
        )
    ]
    options += [
        ClarificationOption(
            label=f"{lex.metric_labels[m]}: {first} vs {second}",
            goal=_chosen(replace(base, metric=m)),
        )
        for m in metrics_supporting(lex, set(base.filters) | set(base.group_by) | {dimension})
    ]
    question = (
        f"{metric_label} isn't recorded by {label}, so I can't compare {first} with {second}."
    )
    return _asking(base, question + " What should I show?", options, 0.5)


# The periods offered when the one named has no date Scout knows ("Prime Day").
_PERIODS = ("yesterday", "the last 7 days", "the last 30 days", "this month")


def ask_period(base: Goal, event: str, today: date) -> Goal:
    """An event named as the period with no date Scout knows ("since the price change"):
    which period to use, each choice a complete goal with its baseline."""
    options = []
    for phrase in _PERIODS:
        resolved = resolve(find_windows(phrase, today), base.intent, today)
        goal = replace(base, window=resolved.window, baseline=resolved.baseline)
        options.append(ClarificationOption(label=phrase.capitalize(), goal=_chosen(goal)))
    question = (
        f"I don't know when \u201c{event}\u201d was: it isn't in my calendar. "
        "Which period should I use?"
    )
    return _asking(base, question, options, 0.5)


def capabilities(lex: Lexicon, today: date, text: str) -> list[ClarificationOption]:
    """One example of each main thing Scout does, as runnable goals."""
    names = [m for m in PREFERRED_METRICS if m in lex.metric_labels] or list(lex.metric_labels)
    first = names[0]
    why = names[1] if len(names) > 1 else first
    group = next(iter(lex.dims_for.get(first, ())), None)

    def goal(intent: Intent, metric: str | None, group_by: tuple[str, ...] = ()) -> Goal:
        window = default_window(intent, today)
        baseline = comparison_period(window) if window and intent in BASELINE_INTENTS else None
        return Goal(
            intent=intent,
            metric=metric,
            group_by=group_by,
            window=window,
            baseline=baseline,
            confidence=OPTION_CONFIDENCE,
            text=text,
        )

    label = lex.metric_labels
    options = [
        ClarificationOption(label=f"{label[first]} yesterday", goal=goal(Intent.LOOKUP, first)),
        ClarificationOption(
            label=f"Why {label[why].lower()} changed this week", goal=goal(Intent.EXPLAIN, why)
        ),
    ]
    if group:
        options.append(
            ClarificationOption(
                label=f"{label[first]} by {lex.dimension_labels[group].lower()}",
                goal=goal(Intent.BREAKDOWN, first, (group,)),
            )
        )
    options.append(ClarificationOption(label="Anything unusual?", goal=goal(Intent.DETECT, None)))
    options.append(ClarificationOption(label="Morning digest", goal=goal(Intent.DIGEST, None)))
    return options


def unknown(
    text: str,
    lex: Lexicon,
    today: date,
    *,
    confidence: float = 0.2,
    why: str = "",
    sure: bool = True,
) -> Goal:
    """Nothing recognisable (or nothing Scout answers): say why when it is known, and offer
    what Scout can do. `sure=False`: the reason is a judgement, not a rule that matched."""
    base = Goal(intent=Intent.UNKNOWN, confidence=confidence, text=text)
    lead = why or "I'm not sure what you'd like me to look at."
    question = (
        f"{lead} I can look up a metric, explain a change, break it down, compare, spot "
        "anomalies, segment customers, check churn risk or the inventory forecast. "
        "Try one of these:"
    )
    options = capabilities(lex, today, text)
    return _asking(base, question, options, confidence, refusal=why if sure else "")


def is_complete(goal: Goal, lex: Lexicon) -> bool:
    """Whether a goal could run as is: no question pending, every required piece present."""
    if goal.clarification is not None or goal.intent is Intent.UNKNOWN:
        return False
    if goal.metric is not None:
        allowed = set(lex.dims_for.get(goal.metric, ()))
        if not set(goal.filters) | set(goal.compare) | set(goal.group_by) <= allowed:
            return False
    if goal.intent in NEEDS_METRIC:
        return goal.metric is not None and goal.window is not None
    if goal.intent in BASELINE_INTENTS and goal.window is not None:
        return goal.baseline is not None
    return True
