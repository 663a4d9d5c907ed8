"""Requests Scout refuses by what they are, whatever metric words they carry: targets, other
companies' figures, the law, experiments, what-ifs, opinions, calendars, pipelines, personal
details, money owed, the weather, hiring, travel, fiscal calendars, carriers, other systems,
changes to a metric's definition. Each kind pairs the words that show it (read on the text
before masking, so "email that table" still shows an email) with the reason the reply gives
first. They are checked in this order, before scope (agent/understand/scope.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_P = re.compile

NOT_MEASURED = "The warehouse's metrics don't include that (no such metric in semantic.yml)."


def not_measured(thing: str) -> str:
    """The refusal of a measure the warehouse lacks, naming it ("footfall")."""
    return f"The warehouse's metrics don't include \u201c{thing}\u201d (no such metric in semantic.yml)."


@dataclass(frozen=True)
class Refusal:
    kind: str
    pattern: re.Pattern[str]
    why: str


REFUSALS: tuple[Refusal, ...] = (
    # Targets, plans and budgets: the warehouse holds what happened, not what was planned.
    Refusal(
        kind="planned",
        pattern=_P(
            r"\b(?:revenue|sales|rev|orders?|conversion|aov|sessions|traffic|units) "
            # "AOV goal for Q3 was $88, where did we land?": a target stated with its figure
            # is context; what happened is the question.
            r"(?:targets?|goals?|quotas?|budgets?|plan)\b(?!(?: \S+){0,3}? (?:is|was|of|at) \d)|"
            r"\b(?:the|our|my|a) (?:targets?|goals?|quotas?) (?:for|in|on) |"
            r"\b(?:vs|versus|against) (?:the )?(?:plan|target|goal|budget|quota)s?\b|"
            # "how far did FY25 revenue land from budget?"
            r"\b(?:land|landed|came in|come in|finish|finished|end|ended) (?:\S+ ){0,2}?"
            r"(?:from|to|against|vs|versus|on) (?:the |our )?(?:budget|plan|target)s?\b"
        ),
        why="The warehouse holds what happened, not targets, plans or budgets.",
    ),
    # Other companies' or the market's numbers: only this shop's data is in the warehouse.
    Refusal(
        kind="external",
        pattern=_P(
            r"\b(?:industry|benchmarks?|competitors?|competition|market share|peers|sector|"
            r"recession|the economy|economic|inflation|interest rates|tariffs?|gdp|"
            r"consumer confidence|app store|google play|play store|app ratings?|"
            r"glassdoor|trustpilot|yelp|google trends|"
            # Other channels' storefronts and partners one by one.
            r"walmart|ebay|etsy|seller (?:portal|central)|marketplace (?:storefront|listings?)|"
            r"affiliate publishers|"
            r"rivals?|other (?:shops|stores|retailers|brands)|"
            # "what's on the hot toys list this year?": someone else's list.
            r"(?:hot|trending|must ?have) (?:\w+ ){0,2}lists?|"
            # "what is Wayfair charging for …": someone else's prices.
            r"(?:is|are) (?!we\b|you\b)\S+ charging)\b"
        ),
        why="I only have this shop's data, not the industry's or other companies'.",
    ),
    # Law, tax and compliance are not in the data, whatever metric words they use ("sales tax").
    # "do we have to charge …?": what the law obliges, not what the data says.
    Refusal(
        kind="legal",
        pattern=_P(
            r"\b(?:gdpr|ccpa|hipaa|sales tax|vat|legally|legal (?:requirements?|to|risk|advice)|"
            # Accounting entries: "what returns reserve should we book against November?"
            r"(?:returns?|refund) reserves?|accruals?|journal entr(?:y|ies)|"
            r"asc 606|ifrs|gaap|revenue recognition|recogni[sz]e revenue|"
            r"lawyers?|attorney|compliance|data (?:retention )?polic(?:y|ies)|retention polic(?:y|ies)|"
            r"are we allowed to|is it legal|"
            # Product safety paperwork: "a UN38.3 battery test report".
            r"(?:battery|safety|lab|compliance) test(?:ing)?(?: reports?)?|test reports?|"
            r"safety data sheets?|msds|certificates? of (?:conformity|origin)|un ?38|"
            r"(?:do|does|must|should) (?:we|i|they|you) (?:have|need|got) to (?:charge|collect|pay|"
            r"file|register|remit|disclose|keep|retain|notify|display|honou?r)|"
            r"(?:are|is) (?:we|it|they) (?:required|obligated|obliged|permitted|allowed) to)\b"
        ),
        why="Law, tax and compliance questions are outside the shop's data.",
    ),
    # "Where are we losing money?": losses are profit, which needs costs the layer lacks,
    # whatever "money" (revenue) or "losing" (churn) would say alone.
    Refusal(
        kind="losses",
        pattern=_P(r"\b(?:losing|lose|lost|loses) money\b|\bmoney losing\b|\bin the red\b"),
        why=not_measured("profit"),
    ),
    # What happens in other tools (app crashes, live chat, an email's opens, API quotas) is
    # not in the warehouse, even beside "customers" or a channel.
    Refusal(
        kind="other_tools",
        pattern=_P(
            r"\blive chat\b|\bcrash(?:es)? rates?\b|\b(?:app|ios|android) (?:\S+ ){0,2}?crash(?:es|ing)\b|\bapi (?:quota|calls|limits?|usage)\b|"
            r"\bemails? (?:\S+ ){0,3}?(?:opened|clicked)\b|"
            r"\bapp (?:\S+ ){0,2}?download(?:s|ed)?\b|\b(?:been|was|were) downloaded\b|\brestocked\b|\bliquidat\w+|"
            # Searches on the site, ticket states, why and how goods come back, lead times.
            r"\b(?:searched for|(?<!paid )search (?:for|terms?|queries)|site search)\b|\breopened\b|"
            r"\breturn reasons?\b|\breturns? portal\b|\bstore credit\b|\bexchanges? instead\b|"
            r"\b(?:how many )?days (?:on average )?between\b"
        ),
        why=NOT_MEASURED,
    ),
    # Product attributes (sizes, colours) are not in the order lines: only the category is.
    Refusal(
        kind="product_attributes",
        pattern=_P(
            r"\b(?:clothing|shoe|garment|dress|shirt|jeans|ring) sizes?\b|"
            r"\bwhich (?:sizes?|colou?rs?)\b|\bby (?:size|colou?r|price point|price band)\b|"
            # "split into under $25, $25-50 and $50+ for the price ladder": item prices.
            r"\bprice (?:bands?|ladders?|points?|ranges?|buckets?|tiers?)\b|"
            r"\b(?:split|bucket|band|group)\w* (?:\S+ ){0,3}?into (?:under|below|over|above) \d+"
        ),
        why=not_measured("product sizes, colours or price points"),
    ),
    # Who does what in the company: a question for a person.
    Refusal(
        kind="whose_job",
        pattern=_P(
            r"\bwho (?:at us |here )?(?:runs|owns|leads|manages|heads|looks after|covers|is "
            r"(?:responsible|in charge) (?:for|of))\b"
        ),
        why="Who does what in the company is outside the shop's data; someone on the team will know.",
    ),
    # What the orders and sessions do not record: how people paid, what they watched or
    # tried on in the app, ad-platform detail (UTM campaigns, search terms, clicks), costs
    # and deferrals finance keeps, calls, and what a customer will spend in future.
    Refusal(
        kind="not_recorded",
        pattern=_P(
            r"\b(?:live ?streams?|try ?on|paid (?:with|by|via) (?:apple pay|google pay|paypal|klarna|"
            r"a card|credit card)|payment methods?|defer(?:red)? (?:revenue)?|gift ?card revenue|"
            r"landed cost|containers? (?:of|due|arriv\w*)|search terms|"
            r"brand(?:ed)? (?:vs|versus|or|and) generic|utm (?:campaign|source|medium|content|term)s?|"
            r"first (?:paid (?:search )?)?click|attribution window|(?:call )?recordings?|native app|"
            r"over the next (?:\d+|six|twelve) months)\b"
        ),
        why=NOT_MEASURED,
    ),
    # The language a ticket or message was written in is not recorded.
    Refusal(
        kind="language",
        pattern=_P(
            r"\b(?:written|sent|asked|raised|opened) in (?:spanish|english|french|german|"
            r"portuguese|italian|chinese|japanese|korean|arabic|another language)\b"
        ),
        why=not_measured("the language a ticket was written in"),
    ),
    # Extras chosen at checkout are not on the order either.
    Refusal(
        kind="order_extras",
        pattern=_P(r"\b(?:gift ?wrap(?:ped|ping)?|gift (?:messages?|notes?|receipts?))\b"),
        why=not_measured("gift wrapping or gift messages"),
    ),
    # Stock on hand is not recorded (only forecasts and sales): refused even beside "units".
    Refusal(
        kind="stock_level",
        pattern=_P(
            r"\b(?:on hand|stock on hand|inventory on hand|in stock right now|stock levels? right now|"
            # Counts and settings of the stock itself: shrink, safety stock, reorder points.
            r"shrinkage|(?:the|inventory|stock) shrink|stock ?counts?|cycle counts?|safety stock|reorder points?|"
            r"replenishment (?:tool|system|settings?)|back ?orders?|back ?ordered|"
            # Demand that stock could not meet is not recorded: only what sold.
            r"stock ?outs?|lost (?:\w+ )?sales|unfilled demand|demand (?:we|that) (?:couldn t|could not) "
            r"(?:fill|meet))\b"
        ),
        why=NOT_MEASURED,
    ),
    # A/B tests' significance and sizing: experiments are not in the warehouse.
    Refusal(
        kind="experiment",
        pattern=_P(
            r"\b(?:(?:test|variant|experiment|cell)s?\b(?: \S+){0,8}? significan\w*|"
            r"statistically significant|statistical (?:significance|power)|p ?values?|"
            r"sample sizes?|power analysis|minimum detectable effect)\b"
        ),
        why="A/B tests and their significance aren't in the warehouse.",
    ),
    # What a change would do ("if we cut the price by 10%", "price elasticity"): a prediction
    # of a decision's effect, not a record of what happened.
    Refusal(
        kind="what_if",
        pattern=_P(
            r"\b(?:elasticit(?:y|ies)|s?arima|prophet model|"
            r"(?:forecast|predict|project)(?:ion)?s? (?:for |of )?(?:the )?next \d+|"
            # "what will revenue be next year?": a figure still to come.
            r"(?:what|how much|how many) will (?:\S+ ){1,3}?(?:be|come in|land|reach|hit) (?:at |in )?"
            r"(?:next|this coming|by the end of) (?:week|month|quarter|year)|"
            r"(?:forecast|predict|project) (?:\S+ ){1,3}?for next (?:month|quarter|year)|"
            r"if we (?:cut|raise|lower|drop|increase|reduce|change|double|halve) (?:\S+ ){0,4}?"
            r"(?:prices?|by \d))"
        ),
        why="I can show what happened, not predict what a change would do.",
    ),
    # "honest opinion please", "should we start the sale earlier?": a decision to make, not
    # a figure to read.
    Refusal(
        kind="opinion",
        pattern=_P(
            r"\b(?:(?:honest|your|an) opinion|your (?:honest )?take on|"
            r"what (?:\w+ ){0,2}?should (?:we|i) (?:give|offer|set|charge|price|pay|book|accrue)|"
            r"should (?:we|i) (?:start|launch|run|move|change|stop|hire|open|switch|delay|extend|"
            r"end|offer|cancel|keep|go with|invest|bring forward|push back)\b)"
        ),
        why="That's a decision for the team; I can bring the numbers that inform it.",
    ),
    # Someone's diary: refused even when the meeting is about revenue.
    Refusal(
        kind="calendar",
        pattern=_P(
            r"\b(?:(?:my|his|her|their|your|\w+s) (?:calendar|diary)|free slots?|"
            r"(?:a |any )?free time)\b"
        ),
        why="People's calendars are outside the shop's data.",
    ),
    # The warehouse's plumbing (loads, jobs, row counts, a query's speed): not the shop's
    # numbers.
    Refusal(
        kind="plumbing",
        pattern=_P(
            r"\b(?:row counts?|backfill(?:s|ed)?|dbt (?:job|run|build|model)s?|etl|"
            r"restart (?:it|the|this|that)|"
            r"airflow|fivetran|(?:the |a )?(?:job|pipeline|load) (?:failed|finished|ran|run)|"
            r"(?:raw|stg|staging|fct|dim)\.\w+|"
            r"quer(?:y|ies) (?:is |are )?(?:so )?(?:slow|timing out|failing)|"
            # Code, streams and storage: who changed a model, a topic's lag, a table's size.
            r"git (?:log|blame|history|commits?)|who (?:last )?(?:changed|edited|modified|committed)|"
            r"kafka|consumer lag|streaming job|repartition\w*|table size|storage (?:bill|costs?|size)|"
            r"how (?:many|much) (?:gb|tb|mb|gigabytes|terabytes))\b"
        ),
        why="I read the shop's numbers, not the state of the pipelines that load them.",
    ),
    # The person's own mailbox or messages: not the shop's email channel.
    Refusal(
        kind="mailbox",
        pattern=_P(
            r"\b(?:unread (?:e ?mails?|messages?|dms?)|(?:my|the team s) inbox|"
            r"(?:e ?mails?|messages?|dms?) (?:do i|did i) (?:have|get))\b"
        ),
        why="Your inbox is outside the shop's data.",
    ),
    # One customer's personal details: never given out, whatever else is asked.
    Refusal(
        kind="personal",
        pattern=_P(
            r"\b(?:(?:phone|mobile|cell|telephone) (?:number|no)s?|(?:home |shipping |postal |email )?"
            r"address(?:es)? (?:on file|for)|on file for|date of birth|birthdays? of|passport|ssn)\b"
        ),
        why="I don't give out customers' personal details.",
    ),
    # Valuations, investors and fundraising are not in the shop's data.
    Refusal(
        kind="corporate",
        pattern=_P(
            r"\b(?:valuations?|fundrais\w*|funding round|ipo|revenue multiples?|"
            r"invoices?|accounts (?:payable|receivable)|payables|receivables|payouts?|do we owe|"
            r"(?:\d+x|times) (?:revenue|arr|ebitda))\b"
        ),
        why="Invoices, payouts, valuations and investors are outside the shop's data.",
    ),
    # "how many customers opted out of email": the customer table's opt-out flag is read only
    # to keep them out of Scout's own emails; no metric counts it (answered before as the
    # buyers who came from email).
    Refusal(
        kind="opt_outs",
        pattern=_P(
            r"\b(?:how many|number of|count of|share of|percent(?:age)? of|what % of|% of) "
            r"(?:\S+ ){0,3}?opted (?:out|in)\b"
        ),
        why=not_measured("email opt-outs")
        + " Scout reads a customer's opt-out only to keep them out of the emails it sends.",
    ),
    # "refund amount by reason": the layer counts returns in units, by region and category
    # (answered before as support tickets by topic).
    Refusal(
        kind="refund_detail",
        pattern=_P(
            r"\b(?:refund(?:ed)? (?:amounts?|values?|dollars|totals?|\$)|"
            r"(?:amount|value|dollars|\$) (?:of )?(?:refunds?|refunded)|how much (?:\S+ ){0,2}?refund|"
            r"return reasons?|reasons? (?:for|of) (?:the )?returns?|"
            r"(?:refunds?|returns?) (?:\S+ ){0,2}?by (?:return )?reasons?)\b"
        ),
        why=(
            "Refund amounts and return reasons aren't in the semantic layer: returns are "
            "counted in units (units returned, return rate), by region and category."
        ),
    ),
    # "is the returns warehouse open on Thanksgiving?": opening hours, whatever the place
    # is named after.
    Refusal(
        kind="opening_hours",
        pattern=_P(
            r"\b(?:is|are|will) (?:the |our )?(?:\S+ ){0,2}?(?:warehouse|store|shop|office|dc|"
            r"depot|mall|call cent(?:er|re)|returns bay) (?:be )?(?:open|closed)\b"
        ),
        why="Opening hours aren't in the warehouse: it holds orders, sessions, tickets and returns.",
    ),
    # Measures of the contact centre, the marketplace's fees and a customer's standing that
    # the warehouse does not hold, whatever they are split by.
    Refusal(
        kind="unheld_measures",
        pattern=_P(
            r"\b(?:aht|average handle time|handle times?|handling times?|agent minutes|"
            r"take rates?|listing fees?|restocking fees?|"
            r"net (?:revenue|dollar) retention|nrr|ndr|"
            r"(?:abuse|fraud|block|watch) ?list|blacklist(?:ed)?|"
            r"clicks? on (?:the )?(?:\S+ ){0,3}?(?:banner|button|link|grid|image|tile)s?|heat ?maps?|"
            r"click ?maps?|"
            # Delivery of the shop's own emails and the visitors' browsers are not recorded.
            r"ad ?blockers?|(?:confirmation |transactional )emails? (?:that )?(?:failed|bounced|"
            r"not sent)|(?:emails?|messages?) (?:that )?failed to (?:send|deliver|go out))\b"
        ),
        why=(
            "That measure isn't in the warehouse: it holds orders, revenue, sessions, tickets, "
            "returns and the inventory forecast."
        ),
    ),
    # "what % of rows have `channel` null?": a column's quality is the pipeline's test, not
    # a metric of the shop.
    Refusal(
        kind="column_checks",
        pattern=_P(
            r"\b(?:nulls?|null rates?|nullable|blank (?:values|fields|rows))\b(?! hypothes)"
        ),
        why=(
            "Scout reads the shop's metrics, not the tables' columns: null counts and column "
            "checks belong to the warehouse's own tests."
        ),
    ),
    # Email engagement: sends are not in the warehouse, only the orders they bring.
    Refusal(
        kind="email_engagement",
        pattern=_P(
            r"\b(?:unsubscrib(?:ed|es|ers)|opt ?outs?|email opens|open rates?|click ?throughs?|"
            # "the dip already bounced back" is a recovery, not an email.
            r"bounced(?! back)|bounces(?! back)|bounce rates?)\b"
        ),
        why="Email opens, clicks and unsubscribes aren't in the warehouse.",
    ),
    # Warehouse operations: picking, staffing and shifts are not in the data.
    Refusal(
        kind="warehouse_ops",
        pattern=_P(
            r"\b(?:picked per hour|pick rates?|units per hour|picks? per hour|labou?r hours|"
            # "the staffing post-mortem" names what the figure is for, not what is asked.
            r"staffing(?! post ?mortem| review| meeting| sync| deck| doc)|"
            r"shift rotas?)\b"
        ),
        why="Warehouse operations (picking, staffing) aren't in the data.",
    ),
    # The weather and its effect: not in the shop's data, whatever metric it is set beside.
    Refusal(
        kind="weather",
        pattern=_P(
            r"\b(?:weather|cold snap|heat ?wave|snow ?storms?|blizzards?|hurricanes?|degrees|"
            r"\d+ ?°|°c|°f)"
        ),
        why="The weather isn't in the shop's data.",
    ),
    # Hiring and staffing plans: not the shop's numbers, whatever team is named.
    Refusal(
        kind="people_ops",
        pattern=_P(
            r"\b(?:hiring|recruiting|recruitment|job openings?|new hires?|social security|"
            r"(?:finish|finished|complete|completed|done) (?:\S+ ){0,3}?training)\b"
        ),
        why="Hiring and staffing are outside the shop's data.",
    ),
    # Travel: "how long is the drive from Atlanta to Charlotte?"
    Refusal(
        kind="travel",
        pattern=_P(
            r"\b(?:(?:drive|driving|flight|flights|train|directions|commute|travel time) "
            r"(?:from|to|between)|how (?:long|far) is (?:it|the \w+) (?:from|to)|"
            # "hows traffic on the 101": road traffic, not the site's.
            r"traffic on (?:the )?(?:\d{1,3}|i \d{1,3}|highway|freeway|interstate|motorway|bridge|"
            r"roads?|ring road|beltway))\b"
        ),
        why="Travel is outside the shop's data.",
    ),
    # A fiscal calendar's own periods: the layer knows calendar periods only.
    Refusal(
        kind="fiscal",
        pattern=_P(
            r"\b(?:4 ?4 ?5|5 ?4 ?4|4 ?5 ?4|fiscal (?:weeks?|periods?|months?)|p(?:1[0-3]|[1-9]) on)\b"
        ),
        why="Periods are calendar ones here: no fiscal calendar is defined in semantic.yml.",
    ),
    # Carriers' prices, cut-offs and surcharges: shipping is not in the warehouse.
    Refusal(
        kind="carrier",
        pattern=_P(
            r"\b(?:paying (?:ups|fedex|usps|dhl)|(?:ups|fedex|usps|dhl) (?:ground|express|rates?|costs?)|"
            r"surcharges?|per parcel|postage|shipping (?:costs?|rates?|labels?|zones?)|"
            r"carrier (?:rates?|costs?|fees?)|can (?:still )?deliver|(?:delivery|shipping) cut ?offs?|"
            r"last day to ship)\b"
        ),
        why="Carriers' prices, cut-offs and surcharges aren't in the warehouse.",
    ),
    # Policies' wording, fraud rules, a CRM's deals: documents and systems Scout does not read.
    Refusal(
        kind="documents",
        pattern=_P(
            r"\b(?:(?:wording|text|copy|terms) of (?:our |the )?(?:\w+ )?polic(?:y|ies)|"
            r"polic(?:y|ies) (?:wording|text)|fraud|chargebacks?|"
            r"salesforce|opportunit(?:y|ies) (?:at|in|stage)|crm records?|zendesk|"
            r"in (?:the|their|our|your) crm|"
            # Buying from suppliers lives in the ERP, not in the shop's orders.
            r"purchase orders?|netsuite|in the erp|runbooks?|playbooks?|"
            r"formulas?|sumifs?|vlookup|xlookup|pivot tables?|printers?|jamm(?:ed|ing)|"
            r"who (?:do|should|can) (?:i|we) (?:call|contact|ask|email|ping))\b"
        ),
        why="Policies, other systems and equipment are outside the shop's data.",
    ),
    # The store's policies: "is our return window 30 days or 14?".
    Refusal(
        kind="policy",
        pattern=_P(r"\b(?:return|returns|refund|shipping) (?:window|policy|period)s?\b"),
        why="The store's policies are outside the shop's data.",
    ),
    # Changing how a metric is defined is a change to semantic.yml, not a chat request.
    Refusal(
        kind="definition_change",
        pattern=_P(
            r"\b(?:change|redefine|update|modify|fix) (?:how you (?:calculate|compute|define|count)|"
            r"the definition of|your definition)\b"
        ),
        why="Metric definitions live in semantic.yml: changing one is a change to the repository.",
    ),
)

# Statistics the layer does not compute. Checked after scope, so "median resolution time"
# names the measure that is missing and "correlate temperatures with sessions" the thing to
# set against; "median order value" and "the r between sessions and orders" are refused here.
UNCOMPUTED = (
    Refusal(
        kind="distribution",
        pattern=_P(r"\b(?:medians?|p50|p75|p90|p95|p99|percentiles?)\b"),
        why="Medians and percentiles aren't computed: the metrics are totals and ratios.",
    ),
    Refusal(
        kind="statistic",
        pattern=_P(
            r"\b(?:correlat(?:e|es|ed|ion|ions|ing)|pearson s?|spearman s?|r squared|"
            r"regression (?:line|model|analysis)|std devs?|stdev|standard deviations?|"
            r"confidence intervals?|p values?|t tests?|bootstrap(?:ped|ping)?|"
            r"power (?:calc(?:ulation)?s?|analysis)|statistically significant|"
            r"(?:inflation|cpi)[ -]adjusted|constant (?:20\d\d )?dollars|in real terms|"
            r"(?:strip|strips|stripping|take|taking) out (?:inflation|cpi)|deflat(?:e|ed|ing)|"
            # "Cohen's kappa between her tags and the agents'": agreement between raters.
            r"cohen s kappa|kappa|inter ?rater|krippendorff|"
            # "3-yr CAGR", "raking weights for the survey": growth compounded over years, and
            # weights fitted to outside margins.
            r"cagr|compound(?:ed)? annual growth(?: rate)?|raking|post ?stratif\w*|"
            r"survey weights)\b"
        ),
        why=(
            "Correlations, spreads, significance tests, compound growth rates, survey weights "
            "and inflation adjustments aren't computed: the metrics are totals and ratios over "
            "a period."
        ),
    ),
)
