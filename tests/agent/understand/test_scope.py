"""Scope judged by where a request's unknown words sit (agent/understand/scope.py), and the
other general rules that unseen batch 11 showed were missing, each in wording of its own."""

from __future__ import annotations

from datetime import date

import pytest

from agent.domain import Goal, Intent
from agent.semantic import SemanticLayer
from agent.understand import clarify, lexicon_for, understand
from agent.understand.known import is_foreign

MONDAY = date(2026, 11, 23)


def ask(layer: SemanticLayer, text: str, context: Goal | None = None) -> Goal:
    return understand(text, layer=layer, today=MONDAY, context=context)


def refusal(goal: Goal) -> str:
    assert goal.intent is Intent.UNKNOWN, goal
    assert goal.clarification is not None
    return goal.clarification.question


def test_foreign_means_unknown_to_the_layer_the_cues_and_everyday_english(
    layer: SemanticLayer,
) -> None:
    lex = lexicon_for(layer)
    assert is_foreign("sommelier", lex)
    assert is_foreign("headcount", lex)
    for known in ("revenue", "tablet", "yesterday", "figures", "why", "the", "numbers", "odds"):
        assert not is_foreign(known, lex), known


@pytest.mark.parametrize(
    ("text", "thing"),
    [
        # What a "which" or "what is the" asks for.
        ("which parking spot is reserved for the revenue team?", "parking"),
        ("what's the headcount of the Midwest branch?", "headcount"),
        ("what is the elevation of Denver", "elevation"),
        # What a question is about.
        ("any update on the vendor dispute? it might delay apparel orders", "vendor dispute"),
        ("heard any rumours regarding the merger?", "merger"),
        # What "my" points at.
        ("my sommelier course clashes with the orders review, can I skip it?", "sommelier"),
        ("how much of my commission comes from revenue in Texas?", "commission"),
    ],
)
def test_a_foreign_thing_asked_about_is_out_of_scope_whatever_shop_words_surround_it(
    layer: SemanticLayer, text: str, thing: str
) -> None:
    says = refusal(ask(layer, text))
    assert thing in says.lower() and "shop's data" in says


def test_a_measure_of_something_foreign_is_a_metric_the_warehouse_lacks(
    layer: SemanticLayer,
) -> None:
    says = refusal(ask(layer, "avg dwell time on electronics pages yesterday?"))
    assert "dwell" in says and "metrics don't include" in says
    says = refusal(ask(layer, "number of influencer mentions for toys last week"))
    assert "influencer" in says


@pytest.mark.parametrize(
    "text",
    [
        "what did Etsy post for orders last quarter?",
        "how much revenue did Zalando make in Q3?",
        "what's Temu's AOV these days?",
    ],
)
def test_another_company_s_numbers_are_theirs_not_the_shop_s(
    layer: SemanticLayer, text: str
) -> None:
    assert "only have this shop's data" in refusal(ask(layer, text))


@pytest.mark.parametrize(
    ("text", "intent", "metric"),
    [
        # Foreign words as context around an analysis asked for in so many words.
        ("why did tablet revenue drop the day the sommelier promo launched?", Intent.EXPLAIN,
         "revenue"),
        ("orders by region last week, my bet is the West", Intent.BREAKDOWN, "orders"),
        ("what's the checkout conversion on desktop yesterday?", Intent.LOOKUP,
         "conversion_rate"),
        ("what are the odds C000412 stops ordering?", Intent.CHURN, None),
        ("which region had the most orders yesterday? asking for the headcount plan",
         Intent.BREAKDOWN, "orders"),
        ("what did the West bring in yesterday?", Intent.LOOKUP, "revenue"),
    ],
)  # fmt: skip
def test_foreign_words_beside_the_question_leave_it_in_scope(
    layer: SemanticLayer, text: str, intent: Intent, metric: str | None
) -> None:
    goal = ask(layer, text)
    assert (goal.intent, goal.metric) == (intent, metric)


@pytest.mark.parametrize(
    "text",
    [
        "do we have to collect a bottle deposit on orders to Oregon?",
        "are we required to show unit prices on the product page?",
        "write me a looker view that sums revenue by region",
        "write a macro computing the return rate by category",
    ],
)
def test_obligations_and_writing_things_to_order_are_refused(
    layer: SemanticLayer, text: str
) -> None:
    refusal(ask(layer, text))


def test_a_summary_to_write_is_still_the_digest(layer: SemanticLayer) -> None:
    assert ask(layer, "write me a summary of last week").intent is Intent.DIGEST


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("AOV in the South East cratered yesterday", Intent.EXPLAIN),
        ("sessions look awful today, what broke?", Intent.EXPLAIN),
        ("has revenue from email been steadily climbing?", Intent.TREND),
        ("anything janky in yesterday's orders?", Intent.DETECT),
        ("which new customers from the spring never came back?", Intent.CHURN),
        ("give me the short version of how last week went", Intent.DIGEST),
        ("back from sick leave, catch me up on last week", Intent.DIGEST),
        ("can you draw graphs as well or just tables?", Intent.HELP),
        ("great, thanks a lot", Intent.HELP),
        ("awesome ty", Intent.HELP),
    ],
)
def test_batch_11_rules_in_other_words(layer: SemanticLayer, text: str, intent: Intent) -> None:
    assert ask(layer, text).intent is intent


def test_a_comparison_to_check_is_a_comparison_not_a_move_to_explain(
    layer: SemanticLayer,
) -> None:
    goal = ask(layer, "someone said mobile converted worse yesterday than the day before?")
    assert goal.intent is Intent.COMPARE and goal.metric == "conversion_rate"
    assert ask(layer, "why did mobile convert worse yesterday?").intent is Intent.EXPLAIN


def test_chat_shorthand_reads_as_the_word(layer: SemanticLayer) -> None:
    goal = ask(layer, "how many ppl bought something in Ohio yesterday")
    assert (goal.intent, goal.metric, goal.filters) == (Intent.LOOKUP, "customers", {"state": "OH"})


def test_the_same_month_named_twice_is_that_month_a_year_apart(layer: SemanticLayer) -> None:
    goal = ask(layer, "this September's orders compared with last September's")
    assert goal.window is not None and goal.baseline is not None
    assert (goal.window.start, goal.window.end) == (date(2026, 9, 1), date(2026, 10, 1))
    assert (goal.baseline.start, goal.baseline.end) == (date(2025, 9, 1), date(2025, 10, 1))


def test_since_the_start_of_a_month_runs_to_today(layer: SemanticLayer) -> None:
    goal = ask(layer, "daily revenue since the beginning of October")
    assert goal.window is not None
    assert (goal.window.start, goal.window.end) == (date(2026, 10, 1), MONDAY)


def test_going_back_n_weeks_is_the_last_n_weeks(layer: SemanticLayer) -> None:
    goal = ask(layer, "weekly orders going back 6 weeks")
    assert goal.window is not None
    assert (goal.window.start, goal.window.end) == (date(2026, 10, 12), MONDAY)


def test_an_email_being_planned_is_how_it_is_sent_not_a_filter(layer: SemanticLayer) -> None:
    goal = ask(layer, "segment Texas customers by spend, prepping a back-to-school email")
    assert goal.intent is Intent.SEGMENT and goal.filters == {"state": "TX"}


def test_an_off_topic_word_is_never_an_unknown_place(layer: SemanticLayer) -> None:
    goal = ask(layer, "just back from Payroll training, what did I miss yesterday?")
    assert goal.intent is Intent.DIGEST and goal.clarification is None


# Unseen batch 12's lessons, in wording of their own.


@pytest.mark.parametrize(
    ("text", "thing"),
    [
        ("Northeast footfall vs last month?", "footfall"),
        ("is the Snowplow tracker fixed yet? orders look stuck", "tracker"),
        ("median resolution time on billing tickets last week", "resolution"),
    ],
)
def test_a_foreign_head_opening_subject_or_measure_is_out_of_scope(
    layer: SemanticLayer, text: str, thing: str
) -> None:
    assert thing in refusal(ask(layer, text)).lower()


@pytest.mark.parametrize(
    "text",
    [
        "tag all of them as VIP in the CRM",
        "label each of those customers as churn risk",
        "could you draw up a holiday staffing plan for the warehouse?",
    ],
)
def test_tagging_and_drawing_up_are_actions_scout_does_not_take(
    layer: SemanticLayer, text: str
) -> None:
    refusal(ask(layer, text))


@pytest.mark.parametrize(
    ("text", "intent", "metric"),
    [
        ("conversion rate yesterday, I'm checking it against Adobe", Intent.LOOKUP,
         "conversion_rate"),
        ("sessions last week vs the week before", Intent.COMPARE, "sessions"),
        ("orders yesterday? want a number before I look into the alert", Intent.LOOKUP,
         "orders"),
        ("session count on Nov 2", Intent.LOOKUP, "sessions"),
        ("cheers, that matches the finance sheet", Intent.HELP, None),
    ],
)  # fmt: skip
def test_batch_12_rules_in_other_words(
    layer: SemanticLayer, text: str, intent: Intent, metric: str | None
) -> None:
    goal = ask(layer, text)
    assert (goal.intent, goal.metric) == (intent, metric)


def test_platforms_name_their_channel(layer: SemanticLayer) -> None:
    assert ask(layer, "sessions from Pinterest yesterday").filters == {"channel": "social"}
    assert ask(layer, "orders from bing ads last week").filters == {"channel": "paid_search"}


def test_a_dimension_combined_is_the_total_not_the_split(layer: SemanticLayer) -> None:
    goal = ask(layer, "revenue last month, all regions combined")
    assert goal.intent is Intent.LOOKUP and goal.group_by == ()


def test_a_name_qualifying_a_thing_is_not_an_unknown_place(layer: SemanticLayer) -> None:
    goal = ask(layer, "AOV yesterday for the Hubspot sync")
    assert goal.clarification is None and goal.metric == "aov"


def test_any_single_dimension_groups_and_names_the_only_metric_it_has(
    layer: SemanticLayer,
) -> None:
    goal = ask(layer, "did any single ticket topic jump abnormally yesterday?")
    assert (goal.intent, goal.metric, goal.group_by) == (
        Intent.DETECT,
        "support_tickets",
        ("topic",),
    )


def test_of_two_metrics_the_one_the_split_exists_for(layer: SemanticLayer) -> None:
    goal = ask(layer, "orders and tickets by ticket topic last week")
    assert goal.metric == "support_tickets" and goal.group_by == ("topic",)


def test_one_customer_s_risk_keeps_no_segment(layer: SemanticLayer) -> None:
    goal = ask(layer, "C004512 filed two billing tickets, will they leave?")
    assert goal.intent is Intent.CHURN and goal.filters == {} and goal.window is None


def test_the_same_point_in_a_month_is_as_many_days_of_it(layer: SemanticLayer) -> None:
    goal = ask(layer, "orders month to date vs the same point in September")
    assert goal.baseline is not None
    assert (goal.baseline.start, goal.baseline.end) == (date(2026, 9, 1), date(2026, 9, 23))


def test_a_month_to_date_runs_from_its_first_day(layer: SemanticLayer) -> None:
    goal = ask(layer, "monthly revenue, Mar to date")
    assert goal.window is not None
    assert (goal.window.start, goal.window.end) == (date(2026, 3, 1), MONDAY)


def test_a_quarter_being_planned_is_not_the_window(layer: SemanticLayer) -> None:
    planned = ask(layer, "is the toys demand forecast good enough for the Q1 budget?")
    named = ask(layer, "is the toys demand forecast good enough for Q3?")
    assert planned.window is not None and named.window is not None
    assert (planned.window.end - planned.window.start).days == 30
    assert named.window.start == date(2026, 7, 1)


def test_next_to_in_a_thread_compares(layer: SemanticLayer) -> None:
    first = ask(layer, "sessions from email yesterday")
    goal = ask(layer, "put that alongside affiliates", context=first)
    assert goal.intent is Intent.COMPARE and goal.compare == {"channel": ("email", "affiliate")}


# Unseen batch 13's lessons, in wording of their own.


def test_an_aside_s_date_and_metric_are_context(layer: SemanticLayer) -> None:
    goal = ask(
        layer,
        "I started here when we launched the loyalty page on Thursday, so bear with me. "
        "Conversion rate for tablets over the last 14 days?",
    )
    assert goal.window is not None and (goal.window.end - goal.window.start).days == 14
    goal = ask(
        layer,
        "we migrated checkout traffic to the new theme last Friday; why did AOV drop this weekend?",
    )
    assert (goal.intent, goal.metric) == (Intent.EXPLAIN, "aov")
    assert goal.window is not None and goal.window.start == date(2026, 11, 21)
    goal = ask(
        layer, "we launched the gift finder on Tuesday \u2014 why did tablet AOV dip yesterday?"
    )
    assert goal.window is not None and goal.window.start == date(2026, 11, 22)
    goal = ask(layer, "orders by region yesterday, for tomorrow's packing rota")
    assert goal.window is not None and goal.window.start == date(2026, 11, 22)
    goal = ask(layer, "my lead is away today; can you give me a recap of last week?")
    assert goal.intent is Intent.DIGEST and goal.window is not None
    assert goal.window.start == date(2026, 11, 16)


def test_my_device_is_not_a_filter(layer: SemanticLayer) -> None:
    assert ask(layer, "revenue in Ohio yesterday? reading on my tablet").filters == {"state": "OH"}


@pytest.mark.parametrize(
    ("text", "group_by", "filters"),
    [
        ("support tickets for each topic of the Midwest region yesterday", ("topic",),
         {"region": "Midwest"}),
        ("weekend big picture for the West? regional call at noon", (), {"region": "West"}),
        ("regional revenue last week", ("region",), {}),
    ],
)  # fmt: skip
def test_a_dimension_word_groups_only_when_it_asks_for_a_split(
    layer: SemanticLayer, text: str, group_by: tuple[str, ...], filters: dict[str, str]
) -> None:
    goal = ask(layer, text)
    assert (goal.group_by, goal.filters) == (group_by, filters)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("need AOV for the last 7 days for my monthly review", Intent.LOOKUP),
        ("break sessions down by device for last week", Intent.BREAKDOWN),
        ("are we losing repeat custs?", Intent.CHURN),
        ("is the toys fcst accurate?", Intent.FORECAST_CHECK),
        ("have refund tickets plateaued?", Intent.TREND),
        ("are West orders still sliding?", Intent.TREND),
        ("how'd things go yesterday?", Intent.DIGEST),
        ("is there a list of the metrics you know?", Intent.HELP),
        ("Ohio vs Texas on orders this month? and has legal seen the banner copy", Intent.COMPARE),
        ("toys forecast against actuals last month, how close?", Intent.FORECAST_CHECK),
    ],
)
def test_batch_13_rules_in_other_words(layer: SemanticLayer, text: str, intent: Intent) -> None:
    assert ask(layer, text).intent is intent


def test_month_after_month_is_a_monthly_course(layer: SemanticLayer) -> None:
    goal = ask(layer, "how is going the revenue month after month this year?")
    assert (goal.intent, goal.grain) == (Intent.TREND, "month")


def test_the_same_point_last_month_is_as_many_days_of_it(layer: SemanticLayer) -> None:
    goal = ask(layer, "MTD orders vs same point last month?")
    assert goal.baseline is not None
    assert (goal.baseline.start, goal.baseline.end) == (date(2026, 10, 1), date(2026, 10, 23))


def test_a_campaign_s_send_day_or_deadline_is_not_the_window(layer: SemanticLayer) -> None:
    assert (
        ask(layer, "segment Ohio customers by spend for the winter email on Friday").window is None
    )
    goal = ask(layer, "lapsed West shoppers for the winback flow, needed before Christmas")
    assert goal.intent is Intent.CHURN and goal.window is None


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("bump the free-returns limit to 60 days on apparel", "don't carry out requests"),
        ("tell the SEO agency to pause the toys pages", "don't carry out requests"),
        ("what's a typical AOV for a home goods store in the industry?", "industry"),
        ("are we on track against the Q1 revenue target?", "targets"),
        ("when will the warranty contract with our courier expire?", "contract"),
        ("what's the December orders goal in the board plan?", "targets"),
        ("how many times did journalists mention our toys last month?", "journalists"),
        ("please correlate rainfall with West sessions since September", "rainfall"),
        ("what % of gift cards were redeemed on mobile yesterday?", "gift cards"),
    ],
)
def test_batch_13_refusals_in_other_words(layer: SemanticLayer, text: str, says: str) -> None:
    assert says in refusal(ask(layer, text)).lower()


def test_a_question_back_never_quotes_a_pasted_card_number(layer: SemanticLayer) -> None:
    said = refusal(ask(layer, "my 4111 1111 1111 1111 statement is wrong, who fixes it?"))
    assert "4111" not in said.replace(" ", "")
    # The redaction is on every question back, whatever it quotes.
    goal = clarify.unknown("x", lexicon_for(layer), MONDAY, why="Not \u201c4111111111111111\u201d.")
    assert goal.clarification is not None and "4111111111111111" not in goal.clarification.question
