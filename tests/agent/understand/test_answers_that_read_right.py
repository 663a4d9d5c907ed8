"""Requests whose nearest reading would be answered with a figure that looks like the answer and
is not: "revenue excluding the West" with the West alone, "revenue per customer" with revenue,
"the 3 worst days for orders" with the month's total. Each is read for what it asks, or refused
with what Scout can do instead (the reply says why)."""

from __future__ import annotations

from datetime import date

from agent.domain import Intent, Ranked
from agent.semantic import SemanticLayer
from agent.understand.lexicon import lexicon_for
from agent.understand.slots import values_left_out
from tests.agent.understand.test_context_and_shorthand import on, span

TUESDAY = "2026-06-30"
MONDAY = "2026-11-23"


def assert_refused(layer: SemanticLayer, day: str, cases: tuple[tuple[str, str], ...]) -> None:
    """Each text is refused (intent unknown), and its reply names what cannot be done."""
    for text, said in cases:
        goal = on(layer, day, text)
        assert goal.intent is Intent.UNKNOWN, text
        assert goal.clarification is not None and said in goal.clarification.refusal, text


def test_a_split_by_something_the_data_lacks_is_refused_with_what_it_has(
    layer: SemanticLayer,
) -> None:
    assert_refused(
        layer,
        TUESDAY,
        tuple(
            (text, "can't be split by")
            for text in (
                "revenue by city last week",
                "revenue by brand",
                "orders by hour yesterday",
            )
        ),
    )
    assert "region" in on(layer, TUESDAY, "revenue by city").clarification.refusal  # type: ignore[union-attr]
    first = on(layer, TUESDAY, "delivery tickets last week")
    goal = on(layer, TUESDAY, "can you split those by carrier?", first)
    assert goal.intent is Intent.UNKNOWN and "carrier" in goal.clarification.refusal  # type: ignore[union-attr]
    # Splits the layer has, and the segmentation's own measures, are still read.
    assert on(layer, TUESDAY, "revenue by region last week").group_by == ("region",)
    assert on(layer, TUESDAY, "revenue by day last week").intent is Intent.TREND
    goal = on(layer, TUESDAY, "Segment our Midwest customers by recency, frequency and spend")
    assert goal.intent is Intent.SEGMENT


def test_a_value_left_out_or_included_is_never_the_filter(layer: SemanticLayer) -> None:
    # A filter can only keep a value: "excluding the West" answered with the West alone would
    # be the opposite of the question, and "including the West" would drop the rest; the split
    # by region answers both, with every value in it.
    for text, dim in (
        ("revenue excluding the West last week", "region"),
        ("revenue for all regions except the West", "region"),
        ("revenue other than mobile", "device"),
        ("why did conversion drop outside the Northeast?", "region"),
        ("revenue not including the West last week", "region"),
        ("conversion for everyone but mobile", "device"),
        ("revenue from all channels but email", "channel"),
        ("revenue including the West last week", "region"),
        ("sales incl. mobile last week", "device"),
        ("revenue not from mobile last week", "device"),
        ("orders not in the Northeast last week", "region"),
        ("orders last week but not from email", "channel"),
        ("revenue, West excluded, last week", "region"),
        ("conversion rate for anyone not on mobile", "device"),
    ):
        goal = on(layer, TUESDAY, text)
        assert dict(goal.filters) == {} and goal.group_by == (dim,), text
    assert dict(on(layer, TUESDAY, "revenue in the West last week").filters) == {"region": "West"}
    # "but" joining two clauses leaves nothing out.
    assert dict(on(layer, TUESDAY, "revenue is up but mobile is down").filters) == {
        "device": "mobile"
    }


def test_cuts_the_data_cannot_make_are_refused_not_dropped(layer: SemanticLayer) -> None:
    assert_refused(
        layer,
        MONDAY,
        (
            ("top 5 products by revenue last week", "can't rank products"),
            ("best selling products yesterday", "can't rank products"),
            ("orders over $100 yesterday", "over 100"),
            ("revenue from customers over 65 last month", "over 65"),
            ("orders from customers who bought twice", "bought \u201ctwice\u201d"),
            ("revenue from customers that have ordered more than 3 times", "more than 3 times"),
        ),
    )
    # "over" a period is the period.
    goal = on(layer, MONDAY, "revenue over the last 30 days")
    assert goal.intent is Intent.LOOKUP and span(goal.window) == ("2026-10-24", "2026-11-23")
    # "non-mobile" is every device but mobile: the split, never mobile alone.
    goal = on(layer, MONDAY, "revenue from non-mobile devices last week")
    assert dict(goal.filters) == {} and goal.group_by == ("device",)
    # How often customers buy is the segmentation's to group by.
    assert on(layer, MONDAY, "segment customers who bought twice").intent is Intent.SEGMENT
    assert dict(on(layer, MONDAY, "revenue from returning customers").filters) == {
        "customer_type": "returning"
    }


def test_days_and_parts_left_out_are_refused_not_answered_for_the_rest(
    layer: SemanticLayer,
) -> None:
    assert_refused(
        layer,
        "2026-12-05",
        (
            ("orders excluding yesterday", "leave days out"),
            ("revenue in Q4 excluding Black Friday", "leave days out"),
            ("revenue last month on weekends only", "days of the week"),
            ("orders on Mondays last month", "days of the week"),
            ("sessions on saturdays in October", "days of the week"),
            ("AOV for orders with more than 2 items last week", "more than 2"),
            ("revenue net of refunds last week", "refunds"),
            ("conversion rate excluding bots last week", "bots"),
        ),
    )
    assert on(layer, "2026-12-05", "is revenue net of refunds?").intent is Intent.HELP
    assert on(layer, "2026-12-05", "revenue last weekend").intent is Intent.LOOKUP
    assert on(layer, "2026-12-05", "revenue on weekends").intent is Intent.LOOKUP


def test_a_metric_per_a_count_the_layer_lacks_is_refused_not_answered_as_the_metric(
    layer: SemanticLayer,
) -> None:
    assert_refused(
        layer,
        MONDAY,
        (
            ("revenue per customer last week", "\u201crevenue per customer\u201d"),
            ("orders per customer last month", "\u201corders per customer\u201d"),
            ("units per order last week", "\u201cunits per order\u201d"),
            ("tickets per order in November", "\u201ctickets per order\u201d"),
            ("average revenue per user", "\u201crevenue per user\u201d"),
            ("orders per session yesterday", "\u201corders per session\u201d"),
        ),
    )
    # Ratios the layer defines, splits and grains are read as before.
    assert on(layer, MONDAY, "revenue per order last week").metric == "aov"
    assert on(layer, MONDAY, "revenue per session by device").metric == "revenue_per_session"
    assert on(layer, MONDAY, "AOV per customer type").group_by == ("customer_type",)
    assert on(layer, MONDAY, "revenue per region last week").group_by == ("region",)
    assert on(layer, MONDAY, "revenue per day last week").intent is Intent.TREND
    goal = on(layer, MONDAY, "Is your conversion rate per session or per visitor?")
    assert goal.intent is Intent.HELP


def test_best_and_worst_periods_are_a_series_with_those_periods_first(
    layer: SemanticLayer,
) -> None:
    for text, ranked, grain, window in (
        ("the 3 worst days for orders last month", Ranked(order="worst", count=3), "day",
         ("2026-10-01", "2026-11-01")),
        ("which day last week had the most orders?", Ranked(order="highest", count=1), "day",
         ("2026-11-16", "2026-11-23")),
        ("top 3 weeks by revenue this year", Ranked(order="highest", count=3), "week",
         ("2026-01-01", "2026-11-23")),
        ("lowest conversion day last week", Ranked(order="lowest", count=1), "day",
         ("2026-11-16", "2026-11-23")),
        ("what was the highest revenue day in October", Ranked(order="highest", count=1), "day",
         ("2026-10-01", "2026-11-01")),
        ("our worst week for conversion this quarter", Ranked(order="worst", count=1), "week",
         ("2026-10-01", "2026-11-23")),
        ("five best days of sales in November", Ranked(order="best", count=5), "day",
         ("2026-11-01", "2026-11-23")),
    ):  # fmt: skip
        goal = on(layer, MONDAY, text)
        assert goal.intent is Intent.TREND and goal.ranked == ranked, text
        assert goal.grain == grain and span(goal.window) == window, text
    # A split ranks its own rows; a question about a day's move stays one.
    goal = on(layer, MONDAY, "which region had the most orders last week")
    assert goal.intent is Intent.BREAKDOWN and goal.ranked is None
    goal = on(layer, MONDAY, "units returned spiked on monday, biggest day of the year. why??")
    assert goal.intent is Intent.EXPLAIN and goal.ranked is None
    assert on(layer, MONDAY, "revenue last week").ranked is None


def test_a_follow_up_keeps_the_ranking(layer: SemanticLayer) -> None:
    first = on(layer, MONDAY, "the 3 worst days for orders last month")
    goal = on(layer, MONDAY, "and the month before?", first)
    assert goal.intent is Intent.TREND and goal.ranked == Ranked(order="worst", count=3)
    assert span(goal.window) == ("2026-09-01", "2026-10-01")


def test_cuts_the_layer_lacks_are_refused_with_the_reason(layer: SemanticLayer) -> None:
    assert_refused(
        layer,
        MONDAY,
        (
            ("orders between 9am and 5pm yesterday", "by the hour"),
            ("revenue in the evening yesterday", "by the hour"),
            ("unresolved tickets last week", "resolved or open tickets"),
            ("tickets that were resolved last week", "resolved or open tickets"),
            ("orders with a discount last week", "with a discount"),
            ("discounted orders last week", "with a discount"),
            ("revenue from large orders", "large or small orders"),
            ("revenue from our top 10 customers last month", "top customers"),
            ("net revenue after refunds last month", "\u201crefunds\u201d"),
            ("ratio of returning to new customers", "no such ratio"),
            ("unique visitors last week", "not distinct visitors"),
            ("sessions that converted last week", "Converted sessions"),
            ("revenue in euros last week", "convert"),
        ),
    )
    # A meeting's hour, distinct buyers (the customers metric) and "top customers" alone are
    # read as before.
    goal = on(layer, MONDAY, "GMV for the Midwest yesterday? also is the 2pm still on")
    assert goal.metric == "revenue" and dict(goal.filters) == {"region": "Midwest"}
    assert on(layer, MONDAY, "how many unique buyers in Texas yesterday").metric == "customers"
    assert on(layer, MONDAY, "who are our top 50 customers this year?").intent is Intent.SEGMENT


def test_an_area_that_is_no_region_asks_which_region(layer: SemanticLayer) -> None:
    for text in (
        "revenue in the South last week",
        "revenue on the East Coast",
        "orders in the North",
    ):
        goal = on(layer, MONDAY, text)
        assert dict(goal.filters) == {} and goal.clarification is not None, text
        assert "region" in goal.clarification.question, text
    # The West Coast is the West, and the compass regions are read as they are.
    assert dict(on(layer, MONDAY, "revenue on the west coast").filters) == {"region": "West"}
    assert dict(on(layer, MONDAY, "revenue in the south east").filters) == {"region": "Southeast"}


def test_a_part_of_a_named_month_is_that_part(layer: SemanticLayer) -> None:
    for text, window in (
        ("revenue first week of November", ("2026-11-01", "2026-11-08")),
        ("revenue in the first half of October", ("2026-10-01", "2026-10-16")),
        ("revenue in the second half of October", ("2026-10-16", "2026-11-01")),
        ("revenue last 10 days of October", ("2026-10-22", "2026-11-01")),
        ("revenue the last week of October", ("2026-10-25", "2026-11-01")),
        ("revenue in early November", ("2026-11-01", "2026-11-11")),
        ("orders during mid-October", ("2026-10-11", "2026-10-21")),
        ("revenue the first 3 days of November", ("2026-11-01", "2026-11-04")),
    ):
        assert span(on(layer, MONDAY, text).window) == window, text
    # "normal for mid-August" says what is usual; the window is the Saturday asked about.
    goal = on(layer, MONDAY, "saturday traffic felt dead. normal for mid-August?")
    assert span(goal.window) == ("2026-11-21", "2026-11-22")


def test_a_share_of_a_count_is_the_split_that_holds_it(layer: SemanticLayer) -> None:
    for text, dim in (
        ("share of revenue from mobile last week", "device"),
        ("what percent of orders came from new customers last week", "customer_type"),
        ("what % of sessions are on mobile", "device"),
    ):
        goal = on(layer, MONDAY, text)
        assert goal.intent is Intent.BREAKDOWN, text
        assert dict(goal.filters) == {} and goal.group_by == (dim,), text
    # A split already named keeps the other value as a filter.
    goal = on(layer, MONDAY, "what share of tickets is each topic in the Midwest this month?")
    assert goal.group_by == ("topic",) and dict(goal.filters) == {"region": "Midwest"}


def test_all_time_is_all_the_data_with_nothing_before_it(layer: SemanticLayer) -> None:
    from agent.domain import ALL_TIME

    for text in ("total revenue all time", "lifetime revenue", "orders since launch",
                 "revenue since we launched", "sessions since day one"):  # fmt: skip
        goal = on(layer, MONDAY, text)
        assert goal.window is not None and goal.window.label == ALL_TIME, text
        assert goal.window.end.isoformat() == MONDAY and goal.baseline is None, text
    # "since the beginning of the month" is this month; lifetime value is no period.
    assert span(on(layer, MONDAY, "revenue since the beginning of the month").window) == (
        "2026-11-01",
        "2026-11-23",
    )
    goal = on(layer, MONDAY, "customer lifetime value")
    assert goal.window is None or goal.window.label != ALL_TIME


def test_an_average_of_weeks_and_a_bare_qoq_are_the_periods_they_name(
    layer: SemanticLayer,
) -> None:
    wednesday = "2026-11-25"
    for text in (
        "revenue last week compared to the 4-week average",
        "revenue last week vs 4 week avg",
    ):
        goal = on(layer, wednesday, text)
        assert span(goal.window) == ("2026-11-16", "2026-11-23"), text
        assert span(goal.baseline) == ("2026-10-19", "2026-11-16"), text  # never last week alone
    # A bare QoQ is the last complete quarter against the one before (was last week against a
    # week three months back); a named period keeps its own.
    goal = on(layer, wednesday, "revenue QoQ")
    assert span(goal.window) == ("2026-07-01", "2026-10-01")
    assert span(goal.baseline) == ("2026-04-01", "2026-07-01")
    goal = on(layer, wednesday, "revenue this quarter QoQ")
    assert span(goal.window) == ("2026-10-01", "2026-11-25")
    # "avg page load time over the same stretch": no average of the metric's weeks.
    goal = on(layer, wednesday, "revenue per session on desktop, last 30 days - avg page load too")
    assert span(goal.window) == ("2026-10-26", "2026-11-25")


def test_a_thread_is_edited_the_way_the_person_meant(layer: SemanticLayer) -> None:
    first = on(layer, MONDAY, "revenue in the Northeast last week")
    for text in ("no, I meant orders", "actually, orders"):
        goal = on(layer, MONDAY, text, first)
        assert goal.metric == "orders" and dict(goal.filters) == {"region": "Northeast"}, text
        assert span(goal.window) == ("2026-11-16", "2026-11-23"), text
    first = on(layer, MONDAY, "revenue by channel in the West last week")
    goal = on(layer, MONDAY, "not revenue, orders", first)
    assert goal.metric == "orders" and goal.group_by == ("channel",)
    assert dict(goal.filters) == {"region": "West"}
    # "new customers only" keeps the thread's figure, for new customers.
    first = on(layer, MONDAY, "revenue by region last week")
    goal = on(layer, MONDAY, "new customers only", first)
    assert goal.metric == "revenue" and dict(goal.filters) == {"customer_type": "new"}
    assert goal.group_by == ("region",)
    # A filter can be taken off again.
    email = on(layer, MONDAY, "just email", first)
    assert dict(email.filters) == {"channel": "email"}
    for text in (
        "all channels",
        "revenue by region across all channels",
        "remove the email filter",
        "drop the channel filter",
    ):
        goal = on(layer, MONDAY, text, email)
        assert goal.intent is Intent.BREAKDOWN and dict(goal.filters) == {}, text
        assert goal.group_by == ("region",) and goal.metric == "revenue", text


def test_a_count_of_conversions_is_refused_with_the_count_there_is(layer: SemanticLayer) -> None:
    assert_refused(
        layer,
        MONDAY,
        (
            ("how many conversions did we get last week?", "orders counts the purchases"),
            ("how many people converted yesterday?", "orders counts the purchases"),
        ),
    )
    assert on(layer, MONDAY, "total conversion rate for mobile").metric == "conversion_rate"


def test_the_same_week_last_month_is_a_week(layer: SemanticLayer) -> None:
    goal = on(layer, MONDAY, "revenue last week vs the same week last month")
    assert span(goal.baseline) == ("2026-10-19", "2026-10-26")  # was all of October
    first = on(layer, MONDAY, "AOV by device last week")
    goal = on(layer, MONDAY, "compare that with the same week last month", first)
    assert span(goal.window) == ("2026-11-16", "2026-11-23")
    assert span(goal.baseline) == ("2026-10-19", "2026-10-26")


def test_a_count_of_rows_from_one_end_of_a_split(layer: SemanticLayer) -> None:
    for text, ranked, dim in (
        ("bottom 3 states by conversion rate last week", Ranked(order="lowest", count=3), "state"),
        ("top 5 regions by revenue", Ranked(order="highest", count=5), "region"),
        ("worst 2 categories for return rate last month", Ranked(order="worst", count=2),
         "category"),
        ("which 3 channels had the lowest conversion rate", Ranked(order="lowest", count=3),
         "channel"),
    ):  # fmt: skip
        goal = on(layer, MONDAY, text)
        assert goal.intent is Intent.BREAKDOWN and goal.group_by == (dim,), text
        assert goal.ranked == ranked, text
    assert on(layer, MONDAY, "revenue by region last week").ranked is None


def test_the_same_figure_cut_in_a_thread_keeps_the_period(layer: SemanticLayer) -> None:
    first = on(layer, MONDAY, "revenue last week")
    goal = on(layer, MONDAY, "revenue for mobile only", first)
    assert span(goal.window) == ("2026-11-16", "2026-11-23")  # was yesterday
    assert dict(goal.filters) == {"device": "mobile"}
    # Naming a period of its own is a new question.
    assert span(on(layer, MONDAY, "revenue for mobile yesterday", first).window) == (
        "2026-11-22",
        "2026-11-23",
    )


def test_which_segment_moved_most_is_the_split_with_its_changes(layer: SemanticLayer) -> None:
    for text, dim in (
        ("which states had the biggest revenue drop last week?", "state"),
        ("what region saw the largest decline in orders", "region"),
    ):
        goal = on(layer, MONDAY, text)
        assert goal.intent is Intent.BREAKDOWN and goal.group_by == (dim,), text
    # What drove a move is still a cause question.
    assert on(layer, MONDAY, "which region drove the drop in revenue?").intent is Intent.EXPLAIN


def test_a_comparison_broken_down_keeps_its_two_sides_in_the_split(layer: SemanticLayer) -> None:
    first = on(layer, MONDAY, "mobile vs desktop revenue last week")
    goal = on(layer, MONDAY, "break that down by region", first)
    assert goal.intent is Intent.BREAKDOWN and goal.group_by == ("device", "region")
    assert dict(goal.compare) == {}  # was kept beside a split by region alone, then ignored


def test_when_did_it_start_looks_for_the_onset(layer: SemanticLayer) -> None:
    first = on(layer, MONDAY, "why did conversion drop in the Southeast last week?")
    for text in ("when did it start?", "since when?"):
        goal = on(layer, MONDAY, text, first)
        assert goal.intent is Intent.EXPLAIN and dict(goal.filters) == {"region": "Southeast"}
        assert goal.window_stated is False, text  # the explanation then finds where it began


def test_just_one_value_or_everywhere_is_the_split(layer: SemanticLayer) -> None:
    first = on(layer, MONDAY, "conversion rate last week")
    goal = on(layer, MONDAY, "is it just mobile or everywhere?", first)
    assert goal.intent is Intent.BREAKDOWN and goal.group_by == ("device",)
    assert dict(goal.filters) == {}  # was mobile alone, which cannot say if it is only mobile
    goal = on(layer, MONDAY, "is conversion down just on mobile or across the board last week?")
    assert goal.group_by == ("device",) and dict(goal.filters) == {}


def test_a_day_of_the_month_named_alone_is_that_day(layer: SemanticLayer) -> None:
    sunday = "2026-11-30"
    for text in ("desktop revenue on the 19th", "does desktop revenue look weird around the 19th?"):
        assert span(on(layer, sunday, text).window) == ("2026-11-19", "2026-11-20"), text
    # A day not yet come this month is last month's; "since the 1st" keeps its own rule.
    assert span(on(layer, sunday, "revenue on the 30th").window) == ("2026-10-30", "2026-10-31")
    assert span(on(layer, sunday, "revenue since the 1st").window) == ("2026-11-01", "2026-11-30")


def test_a_funnel_step_or_a_forecast_is_refused_not_answered_with_another_figure(
    layer: SemanticLayer,
) -> None:
    """ "checkout-to-purchase conversion" was answered with purchases per session (3.1% for a
    69% step); "forecast revenue for next week" with yesterday's revenue."""
    assert_refused(
        layer,
        MONDAY,
        (
            ("what was checkout-to-purchase conversion last week?", "step of the funnel"),
            ("conversion rate for visitors who added to cart, last week", "step of the funnel"),
            ("forecast revenue for next week", "I can't forecast"),
            ("what will revenue be over the next 7 days?", "I can't forecast"),
            ("how many sports units should we stock for next week?", "I can't forecast"),
        ),
    )
    # The planners' forecast against sales is the forecast check, as before.
    for text in ("are we over-forecasting apparel?", "beauty forecast units vs actual units"):
        assert on(layer, MONDAY, text).intent is Intent.FORECAST_CHECK, text
    assert on(layer, MONDAY, "add to cart rate last week").metric == "add_to_cart_rate"


def test_the_first_or_second_half_of_a_year_is_that_half_year(layer: SemanticLayer) -> None:
    """ "revenue in the first half of the year" was yesterday's revenue, said as no period."""
    for text, want in (
        ("revenue in the first half of the year", ("2026-01-01", "2026-06-30")),
        ("revenue in the first half", ("2026-01-01", "2026-06-30")),
        ("revenue in the second half of last year", ("2025-07-01", "2026-01-01")),
        ("orders in the first half of 2025", ("2025-01-01", "2025-07-01")),
        ("revenue in the first half of June", ("2026-06-01", "2026-06-16")),
    ):
        goal = on(layer, TUESDAY, text)
        assert goal.window_stated and span(goal.window) == want, text


def test_drop_the_filter_takes_every_filter_off_and_keeps_the_analysis(
    layer: SemanticLayer,
) -> None:
    """ "drop the filter" read "drop" as a fall: an explanation, still for returning customers."""
    first = on(layer, MONDAY, "conversion rate by device last month")
    narrowed = on(layer, MONDAY, "only for returning customers", context=first)
    assert dict(narrowed.filters) == {"customer_type": "returning"}
    for text in ("drop the filter", "remove all filters", "no filters please"):
        wider = on(layer, MONDAY, text, context=narrowed)
        assert wider.intent is Intent.BREAKDOWN and dict(wider.filters) == {}, text
        assert tuple(wider.group_by) == ("device",) and span(wider.window) == span(first.window)


def test_a_clarification_option_answers_what_its_label_says(layer: SemanticLayer) -> None:
    """ "AOV for electronics vs apparel" offered "Revenue for electronics", which answered with
    every category's revenue: the comparison had been dropped before the options were made."""
    goal = on(layer, MONDAY, "AOV for electronics vs apparel last month")
    assert goal.clarification is not None
    options = goal.clarification.options
    assert options[0].label == "Average order value, all categories"
    assert dict(options[0].goal.compare) == {}
    for option in options[1:]:
        chosen = option.goal
        assert option.label.endswith(": electronics vs apparel"), option.label
        assert dict(chosen.compare) == {"category": ("electronics", "apparel")}, option.label
        assert "category" in layer.dimensions_for(chosen.metric), option.label


def test_named_days_mean_what_a_retail_team_means(layer: SemanticLayer) -> None:
    """ "Why was revenue down on Thanksgiving?" took the day for the period it fell against and
    answered for the last 7 days; "last Black Friday" beside Black Friday was the Friday
    before; "the holiday weekend" was the Saturday and Sunday alone."""
    day = "2026-12-02"  # the Wednesday after Cyber Monday
    for text, window, baseline in (
        ("Why was revenue down on Thanksgiving?", ("2026-11-26", "2026-11-27"), "2026-11-19"),
        ("Why were orders up on Black Friday?", ("2026-11-27", "2026-11-28"), "2026-11-20"),
        (
            "How did Black Friday orders compare to last Black Friday?",
            ("2026-11-27", "2026-11-28"),
            "2025-11-28",
        ),
        ("Cyber Monday revenue vs last Cyber Monday", ("2026-11-30", "2026-12-01"), "2025-12-01"),
        ("How did orders do over the holiday weekend?", ("2026-11-26", "2026-11-30"), "2026-11-19"),
    ):
        goal = on(layer, day, text)
        assert span(goal.window) == window, text
        assert goal.baseline is not None and str(goal.baseline.start) == baseline, text
    # The plain readings hold: "Q3 revenue up 6.1% on Q2" is against Q2; "last Black Friday"
    # alone is the latest one.
    assert str(on(layer, day, "Q3 revenue up 6.1% on Q2").baseline.start) == "2026-04-01"  # type: ignore[union-attr]
    assert span(on(layer, day, "how did last Black Friday go?").window) == (
        "2026-11-27",
        "2026-11-28",
    )


def test_did_the_gap_widen_is_the_gap_explained_against_the_period_named(
    layer: SemanticLayer,
) -> None:
    goal = on(layer, MONDAY, "did the gap between mobile and desktop conversion widen this month?")
    assert goal.intent is Intent.EXPLAIN
    assert dict(goal.compare) == {"device": ("mobile", "desktop")}
    plain = on(layer, MONDAY, "mobile vs desktop conversion this month")
    assert plain.intent is Intent.COMPARE


def test_vs_the_weekend_before_replaces_a_baseline_the_data_lacked(
    layer: SemanticLayer,
) -> None:
    """After "orders over the BFCM weekend vs last year" (last year not in the data), "ok then
    vs the weekend before" kept last year and was refused again."""
    day = "2026-12-02"
    first = on(layer, day, "orders over the BFCM weekend vs last year")
    assert first.baseline is not None and first.baseline.start.year == 2025
    for text in ("ok then vs the weekend before", "compare with the previous weekend instead"):
        goal = on(layer, day, text, context=first)
        assert span(goal.window) == span(first.window), text
        assert span(goal.baseline) == ("2026-11-20", "2026-11-24"), text


def test_per_day_after_a_split_keeps_the_split_for_the_answer_to_name(
    layer: SemanticLayer,
) -> None:
    """ "per day please" after "orders by channel" dropped the channels in silence; the trend
    keeps them, and says it draws one series for all of them."""
    first = on(layer, TUESDAY, "orders by channel this month")
    goal = on(layer, TUESDAY, "per day please", context=first)
    assert goal.intent is Intent.TREND and tuple(goal.group_by) == ("channel",)


def test_a_quarter_to_date_against_last_quarter_is_the_same_stretch_of_it(
    layer: SemanticLayer,
) -> None:
    """ "orders so far this quarter vs same point last quarter" held 77 days against all of Q1."""
    day = "2026-06-17"
    for text in (
        "orders so far this quarter vs same point last quarter",
        "QTD orders vs last quarter",
    ):
        goal = on(layer, day, text)
        assert span(goal.window) == ("2026-04-01", "2026-06-17"), text
        assert span(goal.baseline) == ("2026-01-01", "2026-03-19"), text
    whole = on(layer, day, "revenue last quarter vs the quarter before")
    assert span(whole.baseline) == ("2025-10-01", "2026-01-01")


PROBE_DAY = "2026-08-03"  # a Monday: last week is Jul 27 – Aug 2, last month July


def test_a_value_left_out_after_all_but_or_not_counting_is_the_split(layer: SemanticLayer) -> None:
    """Before, "all regions but the West" and "not counting paid search" were answered with
    the West (paid search) alone, the opposite of the question."""
    for text, dim, value in (
        ("revenue last week, all regions but the West", "region", "West"),
        ("revenue last week not counting paid search", "channel", "paid_search"),
        ("orders from every channel except email", "channel", "email"),
        ("revenue leaving out the West last week", "region", "West"),
    ):
        goal = on(layer, PROBE_DAY, text)
        assert goal.intent is Intent.BREAKDOWN, text
        assert dict(goal.filters) == {} and goal.group_by == (dim,), text
        # The breakdown gives the total without it (tests/bot/commands/test_ask_reads_right.py).
        left_out = values_left_out(text, lexicon_for(layer), date.fromisoformat(PROBE_DAY))
        assert left_out == {dim: value}, text
    included = "revenue including the West last week"
    assert values_left_out(included, lexicon_for(layer), date.fromisoformat(PROBE_DAY)) == {}
    assert dict(on(layer, PROBE_DAY, "revenue is up but mobile is down").filters) == {
        "device": "mobile"
    }


def test_top_rows_by_a_change_keep_the_ranking_for_the_breakdown(layer: SemanticLayer) -> None:
    from agent.understand import normalize
    from agent.understand.ranking import ranked_by_change

    for text, kind in (
        ("top 3 regions by revenue decline last week", "fall"),
        ("top 5 states by revenue growth this month", "rise"),
        ("top 5 states by conversion improvement", "better"),
        ("top 5 states by revenue change", "move"),
        ("top 5 states by revenue", None),
    ):
        goal = on(layer, PROBE_DAY, text)
        assert goal.intent is Intent.BREAKDOWN and goal.ranked is not None, text
        assert ranked_by_change(normalize(text)) == kind, text


def test_slack_shorthand_for_periods_names_the_period(layer: SemanticLayer) -> None:
    """Before, each of these fell to the default (yesterday, or the last week)."""
    for text, window, baseline in (
        ("rev l30", ("2026-07-04", "2026-08-03"), ("2026-06-04", "2026-07-04")),
        ("rev t7d", ("2026-07-27", "2026-08-03"), ("2026-07-20", "2026-07-27")),
        ("rev 2w", ("2026-07-20", "2026-08-03"), ("2026-07-06", "2026-07-20")),
        ("rev wk/wk", ("2026-07-27", "2026-08-03"), ("2026-07-20", "2026-07-27")),
        ("orders w/w", ("2026-07-27", "2026-08-03"), ("2026-07-20", "2026-07-27")),
        ("rev MoM", ("2026-07-01", "2026-08-01"), ("2026-06-01", "2026-07-01")),
        ("rev m/m", ("2026-07-01", "2026-08-01"), ("2026-06-01", "2026-07-01")),
        ("cvr DoD", ("2026-08-02", "2026-08-03"), ("2026-08-01", "2026-08-02")),
        ("cvr d/d", ("2026-08-02", "2026-08-03"), ("2026-08-01", "2026-08-02")),
        ("rev vs same day last week", ("2026-08-02", "2026-08-03"), ("2026-07-26", "2026-07-27")),
        ("rev m/m this month", ("2026-08-01", "2026-08-03"), ("2026-07-01", "2026-07-03")),
    ):
        goal = on(layer, PROBE_DAY, text)
        assert goal.clarification is None and goal.window_stated, text
        assert (span(goal.window), span(goal.baseline)) == (window, baseline), text


def test_an_event_with_no_date_is_asked_about_not_read_as_yesterday(
    layer: SemanticLayer,
) -> None:
    for text, event in (
        ("Prime Day revenue", "Prime Day"),
        ("how did we do on Prime Day?", "Prime Day"),
        ("revenue during our summer sale", "summer sale"),
        ("revenue since the price change", "price change"),
    ):
        goal = on(layer, PROBE_DAY, text)
        assert goal.clarification is not None, text
        assert f"\u201c{event}\u201d" in goal.clarification.question, text
        labels = [o.label for o in goal.clarification.options]
        assert labels == ["Yesterday", "The last 7 days", "The last 30 days", "This month"]
        month = goal.clarification.options[3].goal
        assert span(month.window) == ("2026-08-01", "2026-08-03")
    # Days the calendar knows, and an event with a period named, are answered.
    assert on(layer, PROBE_DAY, "revenue on Black Friday").clarification is None
    goal = on(layer, PROBE_DAY, "revenue since the price change last month")
    assert goal.clarification is None and span(goal.window) == ("2026-07-01", "2026-08-01")


def test_funnel_steps_get_the_funnel_reply_never_the_session_rate(layer: SemanticLayer) -> None:
    assert_refused(
        layer,
        PROBE_DAY,
        tuple(
            (text, "a step of the funnel")
            for text in (
                "what % of carts convert?",
                "add to cart to purchase rate",
                "cart conversion rate",
                "cart abandonment rate",
                "checkout abandonment",
                "checkout to purchase rate by device",
                "funnel by device",
                "conversion rate of people who added to cart",
                "checkout-to-purchase conversion",
            )
        ),
    )
    assert on(layer, PROBE_DAY, "add to cart rate yesterday").metric == "add_to_cart_rate"
    assert on(layer, PROBE_DAY, "why did conversion drop last week").intent is Intent.EXPLAIN


def test_metrics_of_another_table_are_refused_not_answered_from_the_nearest(
    layer: SemanticLayer,
) -> None:
    assert_refused(
        layer,
        PROBE_DAY,
        (
            ("refund amount by reason", "Refund amounts and return reasons"),
            ("refunds by reason last month", "Refund amounts and return reasons"),
            ("how much did we refund last month", "Refund amounts"),
            ("how many customers opted out of email", "email opt-outs"),
        ),
    )
    assert on(layer, PROBE_DAY, "return rate by category").group_by == ("category",)


def test_a_group_no_dimension_holds_is_refused_not_dropped(layer: SemanticLayer) -> None:
    assert_refused(
        layer,
        PROBE_DAY,
        (
            ("revenue from women last week", "\u201cwomen\u201d"),
            ("orders on iOS", "\u201ciOS\u201d"),
            ("revenue from loyalty members", "\u201cloyalty members\u201d"),
        ),
    )
    # A narrower word the layer reads as its value is kept; the answer says it widened
    # (tests/bot/commands/test_ask_reads_right.py).
    assert dict(on(layer, PROBE_DAY, "conversion on android").filters) == {"device": "mobile"}
    assert on(layer, PROBE_DAY, "segment our loyalty members").intent is Intent.SEGMENT


def test_widened_words_are_named() -> None:
    from agent.understand.widened import widened

    assert widened("revenue from TikTok last week", {"channel": "social"}) == [
        ("TikTok", "channel", "social")
    ]
    assert widened("revenue from social last week", {"channel": "social"}) == []
