"""A labelled training corpus generated from the semantic layer's own words.

Templates and paraphrase families per intent, filled with the layer's metric names and
synonyms, dimension values, period phrases, campaign words and out-of-scope subjects, then
roughened the way people type (greetings, missing punctuation, a swapped letter). Seeded, so
the same layer always gives the same corpus. It trains the intent model (agent.understand.
learned); nothing here is taken from the held-out set.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from agent.domain import Intent
from agent.understand.lexicon import Lexicon

SEED = 16
PER_FAMILY = 14


@dataclass(frozen=True, kw_only=True)
class Example:
    """One generated request and the intent (and metric, where it names one) it asks for."""

    text: str
    intent: Intent
    metric: str | None = None


_PERIODS = (
    "yesterday", "last week", "last month", "this week", "this month", "in october",
    "over the weekend", "in the past 30 days", "over the last 14 days", "since september",
    "last quarter", "on black friday", "this year", "today", "last 7 days", "for november",
    "the past two weeks", "on monday", "during cyber week", "year to date",
)  # fmt: skip
_DOWN = ("dropped", "fell", "declined", "tanked", "slipped", "dipped", "went down", "sank",
         "crashed", "shrank", "plunged", "slowed", "weakened", "got worse")  # fmt: skip
_UP = ("jumped", "spiked", "rose", "climbed", "went up", "surged", "grew", "shot up",
       "picked up", "improved", "ticked up", "increased")  # fmt: skip
_MOVE_NOUNS = ("drop", "dip", "decline", "fall", "spike", "jump", "slump", "rise", "swing",
               "change", "shift", "increase", "slowdown")  # fmt: skip
_CAMPAIGNS = ("email campaign", "sms blast", "newsletter", "paid social push", "promo",
              "black friday email", "instagram push", "winback mailer",
              "loyalty offer", "retargeting ads")  # fmt: skip
_PREFIXES = ("", "", "", "", "hey scout ", "hi, ", "quick q: ", "scout, ", "pls ", "hey team ",
             "yo scout ", "ok ", "morning! ", "question - ", "can someone tell me ")  # fmt: skip
_SUFFIXES = ("", "", "", "?", "?", "??", " pls", " thanks", " asap", " :eyes:", " thx", "!")

# Paraphrase families: "{m}" a metric phrase, "{v}"/"{w}" values of one dimension the metric
# can be cut by, "{d}" a dimension's name, "{p}" a period, "{down}"/"{up}"/"{move}" movement
# words, "{c}" a campaign word.
FAMILIES: dict[Intent, tuple[str, ...]] = {
    Intent.LOOKUP: (
        "{m} {p}",
        "what was {m} {p}",
        "what's our {m} for {v} {p}",
        "how much {m} {p}",
        "show me {m} {p}",
        "give me {m} for {v}",
        "{m} in {v} {p}",
        "tell me the {m} number {p}",
        "what are we at on {m} {p}",
        "can you pull {m} for {v} {p}",
        "current {m}",
        "what does {m} look like for {v} {p}",
        "how many {m} did we get {p}",
        "total {m} from {v} {p}",
        "where is {m} sitting {p}",
        "i need the {m} figure for {v}",
        "what's the latest on {m}",
        "quick check on {m} {p}",
        "{m} number for {v}",
        "get me {m} {p} for {v}",
        # A segment as the subject: "what did the West bring in last month?" asks for a
        # number, not for a cause.
        "what did {v} do on {m} {p}",
        "how much {m} came from {v} {p}",
        "what did {v} bring in {p}",
        "what was {v}'s {m} {p}",
        "how many {m} did {v} have {p}",
        "number of {m} from {v} {p}",
    ),
    Intent.TREND: (
        "{m} trend {p}",
        "how has {m} changed over time",
        "show {m} day by day {p}",
        "plot {m} {p}",
        "chart {m} for {v} {p}",
        "weekly {m} {p}",
        "{m} over time for {v}",
        "is {m} going up or down",
        "is {m} rising or falling {p}",
        "which way is {m} heading",
        "how has {m} been trending {p}",
        "graph {m} by week",
        "{m} history since september",
        "is {m} getting better or worse for {v}",
        "monthly {m} this year",
        "how is {m} moving over the last few weeks",
        "is {m} creeping up",
        "track {m} over time {p}",
        "what's the trajectory of {m}",
        "{m} timeline for {v}",
    ),
    Intent.BREAKDOWN: (
        "{m} by {d} {p}",
        "break down {m} by {d}",
        "split {m} by {d} {p}",
        "which {d} had the most {m} {p}",
        "top {d} by {m}",
        "{m} per {d}",
        "{m} for each {d} {p}",
        "show {m} across {d}",
        "which {d} is best for {m}",
        "what's the {d} mix of {m}",
        "worst {d} for {m} {p}",
        "{d} breakdown of {m}",
        "compare all {d} on {m}",
        "{m} by {d} and {d2}",
        "how does {m} vary by {d}",
        "lowest {m} by {d} {p}",
        "leaderboard of {d} by {m}",
    ),
    Intent.COMPARE: (
        "{v} vs {w} {m} {p}",
        "compare {m} for {v} and {w}",
        "{m}: {v} versus {w}",
        "{m} {p} compared to the week before",
        "how does {v} compare with {w} on {m}",
        "{m} this week vs last week",
        "is {m} better in {v} or {w}",
        "{m} for {v} against {w}",
        "{m} {p} versus the same period last year",
        "{v} or {w}, which has higher {m}",
        "{m} last month compared with the month before",
        "stack {v} up against {w} on {m}",
        "{m} yesterday vs a week ago",
        "how do {v} and {w} differ on {m}",
        "{m} in {v} relative to {w} {p}",
        "{m} this month vs last month for {v}",
    ),
    Intent.EXPLAIN: (
        "why did {m} {down} {p}",
        "why is {m} so low for {v}",
        "what caused the {move} in {m}",
        "what's behind the {move} in {m} {p}",
        "what drove {m} {down} in {v}",
        "explain the {m} {move} {p}",
        "why did {m} {up} {p}",
        "root cause of the {m} {move}",
        "what happened to {m} in {v} {p}",
        "{m} {down} {p}, why",
        "what pulled {m} down in {v}",
        "help me understand why {m} {down}",
        "can you investigate the {m} {move} {p}",
        "dig into {m} for {v}",
        "what's driving {m} {p}",
        "how come {m} {down} in {v}",
        "why is {m} up {p}",
        "{m} {down} in {v} - what's going on",
        "reasons for the {m} {move}",
        "what's dragging {m} down",
        "who or what is responsible for the {m} {move}",
        "what made {m} {down_inf} {p}",
    ),
    Intent.DETECT: (
        "anything unusual in {m} {p}",
        "any anomalies in {m}",
        "spot any outliers in {m} for {v}",
        "anything off with {m}",
        "was there a spike in {m} {p}",
        "flag anything strange in {m}",
        "any red flags in {m} {p}",
        "is {m} behaving oddly",
        "anything I should worry about",
        "anything unexpected {p}",
        "scan {m} for anomalies",
        "did {m} do anything odd {p}",
        "is anything broken in {m}",
        "any surprises in {m} {p}",
        "does {m} look abnormal for {v}",
        "check {m} for irregularities",
        "anything out of the ordinary {p}",
    ),
    Intent.SEGMENT: (
        "segment our customers",
        "customer segmentation for the {c}",
        "who should we target for the {c}",
        "build an audience for the {c}",
        "who are our {grp}",
        "give me customer segments for {v}",
        "group customers by behaviour",
        "rfm segments please",
        "which of our customers count as {grp}",
        "make an audience of {grp}",
        "cluster our buyers",
        "customer tiers for {v}",
        "who are our best customers",
        "build a target list for the {c}",
        "split customers into segments",
        "who's in the {grp} segment",
        "personas for the {c}",
        "pull a list of {grp}",
    ),
    Intent.FORECAST_CHECK: (
        "is the inventory forecast off for {cat}",
        "how accurate are our demand predictions",
        "check the forecast for {cat} {p}",
        "are we over-forecasting {cat}",
        "the inventory predictions seem wrong",
        "forecast error for {cat} {p}",
        "are we understocking {cat}",
        "can we trust the stock forecast",
        "how good was the forecast {p}",
        "is the forecast biased for {cat}",
        "are the predictions missing for {cat}",
        "how far off were the inventory predictions {p}",
        "forecast accuracy {p}",
        "is our demand planning accurate for {cat}",
        "are we going to run out of stock in {cat}",
    ),
    Intent.CHURN: (
        "who is likely to churn",
        "which customers are at risk",
        "churn risk in {v}",
        "who's about to leave us",
        "customers likely to stop buying",
        "which shoppers went quiet",
        "list lapsing customers",
        "who might cancel",
        "which buyers are slipping away",
        "churn list please",
        "at-risk customers in {v}",
        "who should we win back",
        "retention risks {p}",
        "who's going cold on us",
        "attrition risk",
        "who will we lose next month",
        "customers drifting away",
        "who looks ready to walk away",
        "which buyers are losing interest in us",
        "customers who might not come back",
        "who is thinking of leaving us",
    ),
    Intent.DIGEST: (
        "how are we doing",
        "give me the morning digest",
        "daily summary",
        "what did I miss {p}",
        "kpi summary {p}",
        "how are things in {v}",
        "how's {v} doing",
        "how's {v} looking {p}",
        "overview of {p}",
        "what should I know about {p}",
        "the numbers {p}",
        "give me a recap",
        "status update please",
        "how did {v} do {p}",
        "how are we tracking this month",
        "highlights from {p}",
        "scorecard for {v}",
        "state of the business",
        "pulse check",
    ),
    Intent.HELP: (
        "help",
        "what can you do",
        "how am I meant to use this bot",
        "what questions can I ask",
        "what are you for",
        "show me some examples",
        "what kinds of things do you know",
        "who are you",
        "what are you good at",
        "getting started",
        "how do I talk to you",
        "what can I ask scout",
        "list your commands",
        "what do you know about",
        "what sort of stuff can you handle",
        "which questions do you answer",
        "what types of requests work",
    ),
    Intent.UNKNOWN: (
        "what's the weather in {city}",
        "will it rain {day}",
        "tell us something funny",
        "who won the {sport} game",
        "how do I reset my password",
        "book a flight to {city}",
        "how many vacation days do I have",
        "what's the population of {country}",
        "write a python script",
        "fix my code",
        "what's the stock price of apple",
        "order {food} for the team",
        "what's the local time in {city}",
        "recommend a movie",
        "how do I expense a taxi",
        "where do I find the guest wifi",
        "play me a tune",
        "who is the ceo of {country}",
        "how do I set up the vpn",
        "suggest a name for our new {pet}",
        "when is payroll",
        "send flowers to {city}",
        "how tall is the eiffel tower",
        "play some music",
        "what should I cook tonight",
        "explain quantum physics",
        "is the {sport} game on {day}",
        "convert 5 miles to km",
        "what's my manager's phone number",
        "hire a new designer",
        "give me a riddle",
    ),
}
_CITIES = ("boston", "paris", "denver", "tokyo", "chicago", "lisbon")
_FOODS = ("pizza", "sushi", "taco", "burger", "thai", "salad")
_SPORTS = ("football", "basketball", "hockey", "baseball", "soccer")
_COUNTRIES = ("peru", "france", "canada", "kenya", "japan")
_DAYS = ("today", "tomorrow", "friday", "this weekend", "tonight")
_PETS = ("dog", "cat", "goldfish", "parrot")
_GROUPS = ("loyal customers", "champions",  "whales",
           "hibernating customers", "most valuable customers", "new buyers")  # fmt: skip


def generate(lex: Lexicon, *, seed: int = SEED, per_family: int = PER_FAMILY) -> list[Example]:
    """Every family filled `per_family` times from the lexicon, roughened; deterministic."""
    rng = random.Random(seed)
    words = _Words.of(lex)
    out: list[Example] = []
    seen: set[str] = set()
    for intent, templates in FAMILIES.items():
        for template in templates:
            for _ in range(per_family):
                example = _fill(template, intent, words, rng)
                if example.text not in seen:
                    seen.add(example.text)
                    out.append(example)
    return out


@dataclass(frozen=True, kw_only=True)
class _Words:
    metrics: dict[str, tuple[str, ...]]  # metric → phrases naming it
    values: dict[str, tuple[tuple[str, ...], ...]]  # dimension → per value, its phrases
    dimensions: dict[str, tuple[str, ...]]  # dimension → words naming it
    dims_for: dict[str, tuple[str, ...]]

    @staticmethod
    def of(lex: Lexicon) -> _Words:
        metrics: dict[str, list[str]] = {}
        values: dict[str, dict[str, list[str]]] = {}
        dimensions: dict[str, list[str]] = {}
        for key, senses in sorted(lex.phrases.items()):
            phrase = " ".join(key)
            for sense in senses:
                if sense.kind == "metric":
                    metrics.setdefault(sense.name, []).append(phrase)
                elif sense.kind == "dimension":
                    dimensions.setdefault(sense.name, []).append(phrase)
                elif sense.value is not None and len(phrase) > 2:
                    by_value = values.setdefault(sense.name, {})
                    by_value.setdefault(sense.value, []).append(phrase)
        return _Words(
            metrics={k: tuple(v) for k, v in metrics.items()},
            values={d: tuple(tuple(p) for p in vs.values()) for d, vs in values.items()},
            dimensions={k: tuple(v) for k, v in dimensions.items()},
            dims_for=dict(lex.dims_for),
        )


def _fill(template: str, intent: Intent, words: _Words, rng: random.Random) -> Example:
    forecast = intent is Intent.FORECAST_CHECK
    names = [m for m in sorted(words.metrics) if (m == "forecast_error") == forecast]
    metric = rng.choice(names) if names else None
    cut = [d for d in words.dims_for.get(metric or "", ()) if words.values.get(d)]
    if not cut:
        cut = sorted(d for d in words.values if words.values[d])
    dim = rng.choice(cut)
    # Two different values of one dimension, each named by one of its phrases.
    pair = [rng.choice(v) for v in rng.sample(words.values[dim], min(2, len(words.values[dim])))]
    pair += pair[:1] * (2 - len(pair))
    grouping = [d for d in cut if words.dimensions.get(d)]
    group = rng.choice(grouping) if grouping else dim
    group2 = rng.choice([d for d in grouping if d != group] or [group])
    categories = [p for v in words.values.get("category", ()) for p in v] or ["electronics"]
    fills = {
        "m": rng.choice(words.metrics[metric]) if metric else "revenue",
        "v": pair[0],
        "w": pair[1],
        "d": rng.choice(words.dimensions.get(group, (group,))),
        "d2": rng.choice(words.dimensions.get(group2, (group2,))),
        "p": rng.choice(_PERIODS + ("",) * 6),
        "down": rng.choice(_DOWN),
        "down_inf": rng.choice(("drop", "fall", "dip", "slide", "sink")),
        "up": rng.choice(_UP),
        "move": rng.choice(_MOVE_NOUNS),
        "c": rng.choice(_CAMPAIGNS),
        "grp": rng.choice(_GROUPS),
        "cat": rng.choice(categories),
        "city": rng.choice(_CITIES),
        "food": rng.choice(_FOODS),
        "sport": rng.choice(_SPORTS),
        "country": rng.choice(_COUNTRIES),
        "day": rng.choice(_DAYS),
        "pet": rng.choice(_PETS),
    }
    text = " ".join(template.format(**fills).split())
    text = _roughen(text, rng)
    named = metric if "{m}" in template or forecast else None
    if intent in (Intent.SEGMENT, Intent.CHURN, Intent.DIGEST, Intent.HELP, Intent.UNKNOWN):
        named = None
    return Example(text=text, intent=intent, metric=named)


def _roughen(text: str, rng: random.Random) -> str:
    """Greetings, sign-offs, capitals and the odd swapped letter, as people type in Slack."""
    text = rng.choice(_PREFIXES) + text + rng.choice(_SUFFIXES)
    if rng.random() < 0.15:
        tokens = text.split()
        long = [i for i, t in enumerate(tokens) if len(t) >= 6 and t.isalpha()]
        if long:
            i = rng.choice(long)
            j = rng.randrange(1, len(tokens[i]) - 2)
            t = tokens[i]
            tokens[i] = t[:j] + t[j + 1] + t[j] + t[j + 2 :]
            text = " ".join(tokens)
    if rng.random() < 0.2:
        text = text[:1].upper() + text[1:]
    return text
