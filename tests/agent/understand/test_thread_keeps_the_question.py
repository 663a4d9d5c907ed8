"""Follow-ups that quietly changed the question (probe F, class 8), and what the reply says
about a follow-up read one of two ways. The labelled goals are in followups.yml; these check
the pieces around them: whether the period counts as the one on screen, the notes, the
shapes a step back may take."""

from __future__ import annotations

from datetime import date

import pytest

from agent.domain import Goal, Intent, Window
from agent.semantic import SemanticLayer
from agent.understand import reading_notes, understand
from agent.understand.followup import in_own_units

MONDAY = date(2026, 8, 3)  # the probe's today: last week is Jul 27 – Aug 2


def thread(layer: SemanticLayer, *texts: str) -> tuple[Goal, Goal, list[str]]:
    """The thread's goal before the last message, the last message's goal, and its notes."""
    context: Goal | None = None
    for text in texts[:-1]:
        context = understand(text, layer=layer, today=MONDAY, context=context)
    assert context is not None
    goal = understand(texts[-1], layer=layer, today=MONDAY, context=context)
    notes = reading_notes(texts[-1], layer=layer, today=MONDAY, context=context, goal=goal)
    return context, goal, notes


def span(window: Window | None) -> str:
    assert window is not None
    return f"{window.start}/{window.end}"


# ------------------------------------------------------------------ a) why? explains the screen


def test_why_after_a_widened_window_explains_that_window(layer: SemanticLayer) -> None:
    shown, goal, notes = thread(
        layer, "orders yesterday", "per day please", "break that down by channel", "why?"
    )
    assert span(shown.window) == "2026-07-04/2026-08-03" and not shown.window_stated
    assert goal.intent is Intent.EXPLAIN and goal.group_by == ("channel",)
    assert (goal.window, goal.baseline) == (shown.window, shown.baseline)
    # Stated: the explanation compares these 30 days with the 30 before, as the header
    # says, instead of looking for where a move began ("You named no period …").
    assert goal.window_stated
    assert notes == []


def test_why_after_an_undated_answer_explains_its_day(layer: SemanticLayer) -> None:
    shown, goal, _ = thread(layer, "conversion rate", "why did it drop?")
    assert not shown.window_stated and span(shown.window) == "2026-08-02/2026-08-03"
    assert goal.intent is Intent.EXPLAIN and goal.window == shown.window and goal.window_stated


def test_an_undated_explanation_still_looks_for_the_onset(layer: SemanticLayer) -> None:
    for texts in (
        ("why did conversion drop?", "what about mobile?"),
        ("why did conversion drop?", "why?"),
        ("why did conversion drop in the Southeast last week?", "when did it start?"),
    ):
        _, goal, _ = thread(layer, *texts)
        assert goal.intent is Intent.EXPLAIN and not goal.window_stated, texts


# ------------------------------------------------------------------ b) a step back in its own unit


def test_the_week_before_a_month_is_the_month_before_and_says_so(layer: SemanticLayer) -> None:
    shown, goal, notes = thread(
        layer,
        "revenue by region last month",
        "what about the month before?",
        "and the week before?",
    )
    assert span(shown.window) == "2026-06-01/2026-07-01"
    assert span(goal.window) == "2026-05-01/2026-06-01"
    assert span(goal.baseline) == "2026-04-01/2026-05-01"
    assert goal.group_by == ("region",)
    (note,) = notes
    assert "“the week before”" in note and "May 25 – Jun 23, 2026" in note
    assert "the month before: May 1 – May 31, 2026" in note


@pytest.mark.parametrize(
    ("texts", "window"),
    [
        # 30 days, not calendar months: the 30 days before.
        (("revenue last 30 days", "and the week before?"), "2026-06-04/2026-07-04"),
        # "the month before" a Monday–Sunday week: the same weekdays four weeks back (a
        # month back would be Sat Jun 27 – Thu Jul 2).
        (("revenue last week", "and the month before?"), "2026-06-29/2026-07-06"),
        # "the month before" a quarter was read as the month before today (July).
        (("revenue in Q2", "and the month before?"), "2026-01-01/2026-04-01"),
        # "go back one more week" from a month: the month before.
        (("revenue last month", "go back one more week"), "2026-06-01/2026-07-01"),
    ],
)
def test_a_step_shorter_than_the_period_moves_by_the_period(
    layer: SemanticLayer, texts: tuple[str, str], window: str
) -> None:
    _, goal, notes = thread(layer, *texts)
    assert span(goal.window) == window
    assert len(notes) == 1 and "no period of the same kind" in notes[0]


@pytest.mark.parametrize(
    ("texts", "window"),
    [
        (("revenue yesterday", "and the week before?"), "2026-07-26/2026-07-27"),
        (("revenue last week", "and the week before?"), "2026-07-20/2026-07-27"),
        (("revenue last weekend", "and the week before?"), "2026-07-25/2026-07-27"),
        (("revenue last month", "what about the month before?"), "2026-06-01/2026-07-01"),
        (("revenue last week", "go back one more week"), "2026-07-20/2026-07-27"),
    ],
)
def test_a_step_of_the_periods_own_kind_is_unchanged(
    layer: SemanticLayer, texts: tuple[str, str], window: str
) -> None:
    _, goal, notes = thread(layer, *texts)
    assert span(goal.window) == window and notes == []


def test_in_own_units_keeps_whole_months_whole() -> None:
    june = Window(start=date(2026, 6, 1), end=date(2026, 7, 1))
    may = in_own_units(june.shifted(-7), june)
    assert (may.start, may.end) == (date(2026, 5, 1), date(2026, 6, 1))
    h1 = Window(start=date(2026, 1, 1), end=date(2026, 7, 1))
    moved = in_own_units(h1.shifted(-7), h1)
    assert (moved.start, moved.end) == (date(2025, 7, 1), date(2026, 1, 1))


# ------------------------------------------------------------------ c) what "vs X" compares


def test_vs_another_value_keeps_the_threads_subject(layer: SemanticLayer) -> None:
    _, goal, notes = thread(
        layer, "paid search revenue last week", "compare to organic", "how about vs email?"
    )
    assert goal.intent is Intent.COMPARE and dict(goal.compare) == {
        "channel": ("paid_search", "email")
    }
    assert dict(goal.filters) == {} and notes == []
    _, again, _ = thread(
        layer,
        "paid search revenue last week",
        "compare to organic",
        "how about vs email?",
        "and vs social?",
    )
    assert dict(again.compare) == {"channel": ("paid_search", "social")}


def test_a_value_of_another_dimension_is_set_beside_and_said(layer: SemanticLayer) -> None:
    _, goal, notes = thread(
        layer, "revenue last week", "what about the West?", "compare to organic"
    )
    assert goal.intent is Intent.BREAKDOWN and goal.group_by == ("channel",)
    assert dict(goal.filters) == {"region": "West"} and dict(goal.compare) == {}
    (note,) = notes
    assert "Organic is a channel and West a region" in note
    assert "here is West by channel, organic beside the other channels" in note
    assert "“organic revenue by region”" in note


def test_compare_to_a_value_of_the_whole(layer: SemanticLayer) -> None:
    _, goal, notes = thread(layer, "revenue last week", "compare to organic")
    assert goal.intent is Intent.BREAKDOWN and goal.group_by == ("channel",)
    assert dict(goal.filters) == {} and len(notes) == 1


def test_a_two_sided_comparison_stays_one(layer: SemanticLayer) -> None:
    _, goal, notes = thread(layer, "mobile vs desktop revenue last week", "compare to organic")
    assert dict(goal.compare) == {"device": ("mobile", "desktop")}
    assert dict(goal.filters) == {"channel": "organic"} and notes == []
    _, same_dim, _ = thread(
        layer, "revenue from email last week", "how does that compare to organic?"
    )
    assert dict(same_dim.compare) == {"channel": ("email", "organic")}


# ------------------------------------------------------------------ d) which filter comes off

SOUTHEAST = (
    "why did conversion drop in the Southeast last week?",
    "what about mobile?",
    "only new customers",
)


@pytest.mark.parametrize("text", ["drop the filter", "remove that filter", "undo the filter"])
def test_the_filter_is_the_last_one_added(layer: SemanticLayer, text: str) -> None:
    shown, goal, notes = thread(layer, *SOUTHEAST, text)
    assert list(shown.filters) == ["region", "device", "customer_type"]
    assert dict(goal.filters) == {"region": "Southeast", "device": "mobile"}
    assert goal.intent is Intent.EXPLAIN and goal.window == shown.window
    (note,) = notes
    assert "the filter added last, new customers" in note and "kept mobile × Southeast" in note
    assert "“drop all filters”" in note


@pytest.mark.parametrize(
    "text", ["drop the filters", "drop all filters", "remove all the filters", "no filters"]
)
def test_the_filters_are_all_of_them(layer: SemanticLayer, text: str) -> None:
    _, goal, notes = thread(layer, *SOUTHEAST, text)
    assert dict(goal.filters) == {} and notes == []


def test_one_filter_dropped_twice_walks_back(layer: SemanticLayer) -> None:
    context: Goal | None = None
    for text in (*SOUTHEAST, "drop the filter", "drop the filter"):
        context = understand(text, layer=layer, today=MONDAY, context=context)
    assert context is not None and dict(context.filters) == {"region": "Southeast"}
    _, alone, notes = thread(layer, "conversion in the West last week", "drop the filter")
    assert dict(alone.filters) == {} and notes == []  # one filter: nothing to choose between


def test_filter_order_survives_thread_memory(layer: SemanticLayer) -> None:
    """Thread memory stores the goal as JSON; the order filters were added in is kept."""
    shown, _, _ = thread(layer, *SOUTHEAST, "drop the filter")
    assert list(Goal.from_json(shown.to_json()).filters) == list(shown.filters)


def test_what_about_a_third_value_keeps_the_first_side(layer: SemanticLayer) -> None:
    """Before, the thread's comparison was dropped for a filter on the new value, under a
    "compare" that compared nothing."""
    _, gap, _ = thread(
        layer, "why is mobile conversion lower than desktop last week?", "what about tablet?"
    )
    assert gap.intent is Intent.EXPLAIN and dict(gap.compare) == {"device": ("mobile", "tablet")}
    _, side, _ = thread(layer, "mobile vs desktop orders last month", "what about tablet?")
    assert side.intent is Intent.COMPARE and dict(side.compare) == {"device": ("mobile", "tablet")}
    assert dict(side.filters) == {}
