"""Fixed English around the layer's words: cue words, everyday words never to "correct"."""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Everyday words: never spell-corrected into a metric, and values equal to one ("new",
# "home", "direct") only count with context around them.
COMMON_WORDS = _words(
    """
    basis points bps pts percentage period periods
    a about above across actually after again against all almost also always am among an and
    another any anyone anything are area around as ask asked at away back bad be because
    been before being below best better between big both bring but by call came can cant
    check checked come coming could couldnt day days did didnt do does doesnt doing done
    dont down during each early either else end enough even ever every everyone everything
    exactly fall far few find fine first for found from full get gets getting give given go
    goes going gone good got great had happen has hasnt have havent having he help her here
    high him his how however i if im in into is isnt it its just keep kind know last late
    later least less let like likely little long look looking looks lot lots low made make
    many may maybe me might more most much must my need needs never new next no none not
    nothing now of off often ok okay on once one only open or other our out over own part
    past people per perhaps place please point put quick quickly quite rather real really
    right same saw say see seem seemed seems seen set she should show showed shown side
    since small so some someone something soon still stuff such sure take tell than thank
    thanks that thats the their them then there these they thing things think this those
    though through time times to today together too took top toward turn under until up upon
    us use used very want wanted was wasnt way we well went were werent what whats when
    where whether which while who whole whom whose why will with within without wonder work
    working worse worst would wouldnt yes yet you your yours yeah hey hello hi guys team
    folks everyone quickly asap urgent urgently something home direct paid other account
    refund analyze analyse analysis investigate looking latest launching launch marketing
    campaign tomorrow morning report numbers data dashboard model models piece pieces actual
    actuals change changed changes moved move doing going happened happening thing order
    borders store stores state states team teams price prices value values level levels rate
    rates total totals average number count counts share split drop drops dropped fell rise
    rose track tracking tracked sort sorts others ones slipping news place placed places placing
    table tables column columns row rows schema database query queries pipeline sheet
    spreadsheet file files folder link links page pages answer answers question questions
    type types idea ideas tip tips trick tricks local short block status starting section
    sections match older median lives spend spent prone stronger learning production
    failing taken errors understood typos conversation conversations timezone computed
    analyst analytics transaction season services worth names tests slack declared
    connected saves produced suite swept evaluation transitions homepage banner banners
    sell sells selling sold building built build broke distinct unique different individual
    leads deviation deviations
    separate decide decides deciding decided decision decisions ahead behind covering cover
    covered compute computing stage stages stale setting settings sets
    """
)

# Grammar words: never what a request is about (agent.understand.scope).
FUNCTION_WORDS = _words(
    """
    a an the this that these those my our your their his her its of in on at for to from by
    with about into over under between across per via than as and or but nor so if then
    because while when where what which who whom whose why how is are was were be been being
    am do does did have has had will would shall should can could may might must i we you he
    she it they me us him them whats hows whos thats theres please pls plz thanks thx hey hi
    any some all every each no not more most less least very really s re ll ve d t hello yo
    weve youve theyve ive shes hes theyre youre itll wont arent wasnt werent didnt doesnt
    """
)

# Nouns for a measure of something the layer has ("revenue growth", "AOV figures", "the
# checkout step"): known words, though the layer does not list them.
MEASURE_NOUNS = _words(
    """
    okr okrs kr krs
    figure figures growth volume volumes performance results result stats statistics metric
    metrics kpi kpis pace impact lift uplift delta gap trend mix run amount amounts sum sums
    totals breakdown breakdowns contribution progress health picture view odds chance chances
    likelihood probability funnel funnels step steps checkout checkouts cart carts basket
    movement movements
    """
)

# Verbs whose subject owns the numbers: "what did Wayfair report for revenue?".
REPORT_VERBS = _words(
    """
    report reported reports post posted posts announce announced announces say said says
    make made makes earn earned earns sell sold sells book booked books do did does hit
    disclose disclosed publish published print printed guide guided
    """
)

# "any news on …": the words after say what the question is about.
ABOUT_NOUNS = _words("news update updates word info information rumour rumours rumor rumors gossip")

# Real words a letter or two from one of the layer's, never "corrected" into it ("contract"
# is not "contacts"), though they are nothing of the shop's (unlike COMMON_WORDS).
NOT_TYPOS = _words(
    """
    contract contracts contractor contractors attribution
    personal merch director directors investor investors sending contained spelling valve
    valves connecting convention conventions pilot pilots seattle siblings charging charged
    purchase supplier suppliers deliver delivers delivered delivering comp comps comping comped
    teach teaches
    """
)

# What a cadence word can describe instead of asking for a course over time: "my weekly
# report", "the daily standup".
REPORT_NOUNS = _words(
    """
    report reports deck decks review reviews meeting meetings sync syncs call calls standup
    standups update updates email emails newsletter newsletters summary summaries recap
    recaps digest checkin huddle huddles slide slides pulse note notes memo memos pack packs
    reporting
    """
)
CADENCE_WORDS = _words("daily weekly monthly quarterly")

# Chat shorthand for everyday words, read as the word ("how many ppl bought …").
SHORTHAND = {
    "ppl": "people",
    "smth": "something",
    "sth": "something",
    "tonite": "tonight",
    "ydays": "yesterdays",
    "2nite": "tonight",
    "prev": "previous",
    "ppls": "people",
    "ur": "your",
    "u": "you",
    "bc": "because",
    "custs": "customers",
    "mob": "mobile",
    "chan": "channel",
    "chans": "channels",
    "tix": "tickets",
    "segs": "segments",
    "cust": "customer",
    "fcst": "forecast",
    "fcsts": "forecasts",
    "fortnight": "two weeks",
    "fortnights": "two weeks",
    "wknd": "weekend",
    "acc": "accuracy",
    "reverie": "revenue",
    "err": "error",
    "cat": "category",
    "cats": "categories",
    "wkend": "weekend",
    "wknds": "weekends",
    "wk": "week",
    "wks": "weeks",
    "howd": "how did",
    # Ad platforms' shorthand: "pd search", "pd soc".
    "pd": "paid",
    "soc": "social",
    "whyd": "why did",
    # Words a speaker of a Romance language carries over: "the last trimester", "the
    # facturation of the month", "the new clients".
    "trimester": "quarter",
    "trimesters": "quarters",
    "facturation": "revenue",
    "clients": "customers",
    "client": "customer",
    # French: "the fidel clients", "the frequentation of the site".
    "fidel": "loyal",
    "fidels": "loyal",
    "frequentation": "traffic",
    "previsions": "forecasts",
    # Indian English: "region-wise breakup", "the daily MIS".
    "breakup": "breakdown",
    "mis": "report",
    "prevision": "forecast",
}

# Business words that Italian, Spanish, Portuguese, French, German and Dutch speakers carry
# into English ("the fatturato of the week passed", "the ticket promedio", "KW 1 Umsatz"),
# read as the English word. Phrases where a word alone means something else in English
# ("ticket", "panier"); no word that is also English or a value ("CA" is California).
FOREIGN_WORDS = {
    # Calques and everyday forms kept out of semantic.yml (the optional LLM's prompt carries
    # the layer's synonyms, so they stay the user's own): "3C" (computers, communications,
    # consumer electronics) and 老客户 "old customers" as a Chinese-speaking category
    # manager writes them, kids' clothing under apparel, "what did we turn over" (revenue
    # as a verb), and a customer type named in the singular.
    "3c": "electronics", "consumer electronics": "electronics", "kids apparel": "apparel",
    "kids clothes": "apparel", "kids clothing": "apparel", "kidswear": "apparel",
    "old customers": "returning customers", "old customer": "returning customer",
    "turn over": "revenue", "turned over": "revenue",
    "returning customer": "returning customers", "new customer": "new customers",
    # average order value ("customer unit price" is how 客单价 is translated)
    "customer unit price": "average order value", "客单价": "average order value",
    "scontrino medio": "average order value", "ticket medio": "average order value",
    "ticket promedio": "average order value", "panier moyen": "average order value",
    "warenkorbwert": "average order value", "durchschnittlicher warenkorb": "average order value",
    # revenue and sales
    "fatturato": "revenue", "faturamento": "revenue", "facturación": "revenue",
    "facturacion": "revenue", "chiffre d'affaires": "revenue", "umsatz": "revenue",
    "umsätze": "revenue", "omzet": "revenue", "vendite": "sales", "ventas": "sales", "vendas": "sales",
    "ventes": "sales", "verkäufe": "sales",
    # orders, returns, customers, visits, the cart
    "ordini": "orders", "pedidos": "orders", "commandes": "orders", "bestellungen": "orders",
    "bestellingen": "orders", "resi": "returns", "devoluciones": "returns",
    "retouren": "returns", "devoluções": "returns", "clienti": "customers", "clientes": "customers",
    "kunden": "customers", "klanten": "customers", "neukunden": "new customers",
    "nuovi clienti": "new customers", "nuevos clientes": "new customers",
    "nouveaux clients": "new customers", "stammkunden": "returning customers",
    "affezionati": "loyal", "fidèles": "loyal", "frecuentes": "frequent",
    "visite": "sessions", "visitas": "sessions", "visites": "sessions", "besuche": "sessions",
    "besucher": "visitors", "bezoekers": "visitors", "carrello": "cart", "carrito": "cart",
    "warenkorb": "basket value", "retourenquote": "return rate", "vorjahr": "last year", "conversione": "conversion", "conversión": "conversion",
    "konversionsrate": "conversion rate", "taux de conversion": "conversion rate",
    "previsioni": "forecast", "previsiones": "forecast", "pronóstico": "forecast",
    "prévisions": "forecast", "prognose": "forecast",
    # cuts and kinds of answer
    "categoria": "category", "categoría": "category", "catégorie": "category",
    "kategorie": "category", "canale": "channel", "kanal": "channel",
    "andamento": "trend", "tendencia": "trend", "évolution": "trend", "verlauf": "trend",
    "ripartizione": "breakdown", "desglose": "breakdown", "répartition": "breakdown",
    "aufteilung": "breakdown", "aufschlüsselung": "breakdown", "riassunto": "summary",
    "resumen": "summary", "résumé": "summary", "zusammenfassung": "summary",
    "samenvatting": "summary",
    # days and periods
    "ieri": "yesterday", "ayer": "yesterday", "ontem": "yesterday", "gestern": "yesterday", "gisteren": "yesterday",
    "oggi": "today", "hoy": "today", "aujourd'hui": "today", "heute": "today",
    "vandaag": "today", "settimana scorsa": "last week", "semana pasada": "last week", "semana passada": "last week",
    "semaine dernière": "last week", "letzte woche": "last week", "vorige week": "last week",
    "mese scorso": "last month", "mes pasado": "last month", "mois dernier": "last month",
    "letzten monat": "last month", "vorige maand": "last month", "trimestre": "quarter",
    # calques: the word of the writer's language, spelt in English
    "clients fidèles": "returning customers", "clientes fiéis": "returning customers",
    "clientes frecuentes": "returning customers", "clients frecuentes": "returning customers",
    "clientes recurrentes": "returning customers", "bestandskunden": "returning customers",
    "stock customers": "returning customers", "unidades": "units", "unities": "units",
    "devolutions": "returns", "réclamations": "complaints", "reclamações": "complaints",
    "reclamaciones": "complaints", "livraison": "delivery", "entrega": "delivery",
    "lieferung": "delivery", "trafic": "traffic", "tráfego": "traffic", "tráfico": "traffic",
    "canals": "channels", "canais": "channels", "canales": "channels",
    "turnover per visit": "revenue per visit", "umsatz pro besuch": "revenue per visit",
    # "the last fortnight": the 14 days to yesterday, not two calendar weeks
    "last fortnight": "last 14 days", "past fortnight": "past 14 days",
    "bilan": "recap", "balanço": "recap", "obrigada": "thanks", "obrigado": "thanks",
    "gracias": "thanks", "merci": "thanks", "danke": "thanks", "pieces": "units",
    # Dictation slips, heard and written as another word: "the add to card rate on the eye
    # pad", "the demand fore cast", "revenue per session cue one".
    "add to card": "add to cart", "eye pad": "ipad", "fore cast": "forecast", "cue one": "q1",
    "cue two": "q2", "cue three": "q3", "cue four": "q4", "four the": "for the",
    # Italian carried into English: "make a confrontation", "divided for region", "riepilogo"
    "make a confrontation": "compare", "in confrontation with": "compared with",
    "a confrontation": "a comparison", "divided for": "split by", "riepilogo": "recap",
    "grazie mille": "thanks a lot", "grazie": "thanks",
    "dank je wel": "thanks", "dank u wel": "thanks", "dank je": "thanks", "bedankt": "thanks",
    "dziękuję bardzo": "thanks a lot", "dziękuję": "thanks", "dzięki": "thanks",
    "arigato": "thanks", "arigatou": "thanks", "arigatō": "thanks", "domo arigato": "thanks",
    "danke schön": "thanks", "vielen dank": "thanks a lot",
    # Québec French carried into English: the traffic, the newsletter, the phone, the regulars.
    "achalandage": "traffic", "infolettre": "email", "cellulaire": "mobile",
    "ordinateur": "desktop", "habitués": "returning customers", "retours": "returns",
    "vêtements": "apparel", "maison": "home", "fin de semaine": "weekend", "1er": "1st",
    "janvier": "january", "février": "february", "avril": "april", "juin": "june",
    "juillet": "july", "août": "august", "septembre": "september", "octobre": "october",
    "novembre": "november", "décembre": "december",
    # Scots: "whit did we take", "orders fae Scotland", "well doon on last sunday", "the now".
    "whit": "what", "fae": "from", "doon": "down", "the now": "so far today", "dinnae": "don't",
    # Turkish: ciro is turnover. Vietnamese word order: "customer new".
    "ciro": "revenue", "customer new": "new customers", "customers new": "new customers",
    "customer returning": "returning customers",
    # Spanish in a Spanglish message: the days, the counts, why.
    "el fin de semana": "the weekend",
    "la semana pasada": "last week", "el mes pasado": "last month", "por qué": "why",
    "cuántas unidades": "how many units", "cuántas órdenes": "how many orders",
    "cuántos clientes": "how many customers", "día por día": "day by day",
    "go raibh maith agat": "thanks",
    # Nigerian business English: off-take is sales.
    "off-take": "sales", "offtake": "sales", "off take": "sales",
    "when ye say": "when you say", "gaun": "going", "whit's": "what's", "the average order": "the aov",
}  # fmt: skip

# Other tools people name beside a question ("in Tableau I'd filter …", "in Looker we had …").
TOOL_NAMES = _words(
    """
    looker tableau metabase mode hex snowflake bigquery redshift databricks excel sheets
    powerbi amplitude mixpanel heap shopify klaviyo hubspot salesforce ga ga4 jira notion
    """
)

# Units of time, and the words that announce one ("last 7 days", "past week").
TIME_UNITS = _words("day days week weeks month months year years quarter quarters weekend")
BEFORE_UNIT = _words("last past previous prior trailing this next the few couple")

# Two-letter values that are also English words count only when typed in capitals.
SHORT_COMMON = _words(
    """
    am an as at be by do go he hi if in is it me my no of oh ok on or so to up us we ma pa
    co de id la mi wa ut al ga wi
    """
)

# Words before a weak value that make it one: "sessions from direct", "revenue in home".
WEAK_VALUE_CONTEXT = _words(
    """
    from for in on via among vs versus and or by through only just excluding about against than
    tagged tag labelled labeled marked
    """
)

# Words the intent rules look for, so typos in them get corrected too.
CUE_WORDS = _words(
    """
    leaking flatlined flatlining
    settling settle settled drifting worsening stabilising stabilizing untoward
    why happened dropped drop drops dropping tanked tanking tank plunged plummeted crashed
    declined decline declining decreased decrease fell falling spiked spike spikes jumped
    surged increased increase investigate investigation analyze analyse analysis explain
    breakdown broken split compare compared comparison versus trend trends trending over
    time daily weekly monthly unusual anomaly anomalies anomalous outlier outliers strange
    weird segmentation segment segments audience audiences cohort cohorts cluster clusters
    churn churning churned retention leaving risk digest summary summarize overview recap gist
    report morning forecast forecasts forecasting predictions prediction inventory accuracy
    accurate customer customers help yesterday today week weeks month months year years
    quarter weekend last previous between since through until compare region regions
    category categories channel channels device devices happened going what which doing
    performance performing numbers dashboard highest lowest biggest contributors contributor
    drivers driver chart charts plot graph history historical timeline trajectory evolution
    weird unusual strange outlier abnormal unexpected segmentation audience targeting target
    personas clustering lookalike attrition lapsed lapsing winback approve discount weather
    anything something happening understand underperforming plummeted plunged soared surged
    jumped crashed
    """
)

# Extra names people use for a dimension when grouping ("by traffic source").
DIMENSION_ALIASES: dict[str, tuple[str, ...]] = {
    # GA4's names: "session default channel group", "device category".
    "channel": (
        "source",
        "traffic source",
        "marketing channel",
        "acquisition channel",
        "default channel group",
        "session default channel group",
        "channel group",
    ),
    "device": ("platform", "device type", "device category"),
    "category": ("product category", "product line"),
    "region": ("geo", "geography", "area", "regional"),
    "customer_type": ("customer segment",),
    "topic": ("ticket topic", "ticket topics", "reason", "ticket reason"),
}

# Verbs that name revenue ("what did the West bring in?") unless their object is named.
REVENUE_VERBS = frozenset(
    ["bring in", "brought in", "bringing in", "pull in", "pulled in", "pulling in"]
)
# "Best-selling categories" counts units, unless a measure is named ("top selling regions by
# revenue").
SELLING_WORDS = ("best selling", "top selling", "best sellers", "top sellers", "bestsellers")

# Everyday names for common metrics, used when the layer has a metric of that name.
METRIC_ALIASES: dict[str, tuple[str, ...]] = {
    "revenue": (
        "rev",
        "revs",
        "sellings",
        "how much did we sell",
        "how much we sold",
        "how much have we sold",
        "bring in",
        "brought in",
        "bringing in",
        # "how much did we make": earnings in plain words mean revenue.
        "how much did we make",
        "how much we made",
        "how much have we made",
        "how much did we earn",
        "how much we earned",
        "how much have we earned",
        "how much did we take in",
        "how much we took in",
        "pull in",
        "pulled in",
        "pulling in",
        "make us",
        "made us",
        "earn us",
        "earned us",
        # "did we sell much on Saturday?", "are we selling more than last year?"
        "sell much",
        "sold much",
        "selling much",
        "sell more",
        "selling more",
        # GA4's name for it.
        "purchase revenue",
        # A sales team's word for what was ordered: "bookings QTD", "what did we book".
        "bookings",
        "what did we book",
        # "whit did we take on Hogmanay": the takings.
        "what did we take",
        "what have we booked",
    ),
    # "how did returning customers convert": the verb names the rate.
    # GA4 says "session conversion rate"; French "taux de transformation".
    "conversion_rate": (
        "convert",
        "converted",
        "converting",
        "converts",
        "conv",
        "session conversion rate",
        "transformation rate",
    ),
    "customers": (
        "people buying",
        "people bought",
        "people purchasing",
        "people ordering",
        # "count(distinct customer_id)": the analyst's way of counting customers.
        "clients",
        "distinct customer id",
        "distinct customer ids",
        "unique customer ids",
    ),
    "orders": (
        "how many orders",
        "order volume",
        "order numbers",
        "order count",
        "ecommerce purchases",
        # German reports' "Auftragseingang".
        "order entry",
        "order intake",
    ),
    # German "Retourenquote".
    "return_rate": ("return quota", "returns quota"),
    # A sales team's word for new customers won.
    "new_customers": ("new logos",),
    # "are first-time shoppers spending less per order": spend per order is the AOV.
    "aov": (
        *(
            f"{verb}{more} per order"
            for verb in ("spend", "spending", "spent")
            for more in ("", " less", " more")
        ),
        # British and merchandising words for it: "average basket value", "bigger baskets".
        "basket value",
        "basket values",
        "average basket",
        "revenue per order",
        "avg revenue per order",
        "average revenue per order",
        "bigger baskets",
        "bigger basket",
        "smaller basket",
        "value baskets",
        "smaller baskets",
    ),
    # "how many people visited the site": a visit is a session, whoever counts it. Every word
    # here also becomes a spelling target, so none that a common word is one edit from
    # ("store" would swallow "story").
    "sessions": tuple(
        f"{verb} {the} {place}"
        for verb in (
            "visited",
            "came to",
            "landed on",
            "come to",
            "come onto",
            "came onto",
            "coming to",
        )
        for the in ("the", "our")
        for place in ("site", "website")
    ),
    # "how many items got sent back": what came back is the units returned.
    # "what are people writing in about?": contacting support is a ticket.
    "support_tickets": (
        "ticket intake",
        "writing in",
        "write in",
        "wrote in",
        "written in",
        "contacting support",
        "contacted support",
        "contacting us",
        "contacted us",
    ),
    "units_returned": (
        # "inbound returns yesterday, in units?", "units recieved back since Boxing Day"
        "inbound returns",
        "returns in units",
        "received back",
        "returned units",
        "returned quantity",
        "quantity returned",
        "returns quantity",
        "units sent back",
        "items sent back",
        "sent back",
        "send back",
        "got returned",
        "get returned",
        "were returned",
        "was returned",
        "been returned",
        "items returned",
        "products returned",
        "units came back",
        "items came back",
        "products came back",
        "units have come back",
        "items have come back",
        # "sum(quantity) from returns": the quantity column of the returns table.
        "quantity from returns",
    ),
    # "sum(quantity) from order_items": the column units sold are summed from.
    # "how many articles of home we sold": articles as French and German count goods.
    "units_sold": (
        *SELLING_WORDS,
        "quantity",
        "qty",
        "items purchased",
        "units purchased",
        "articles sold",
        "how many articles",
    ),
}

# Compass and place words that are real words, not typos of a region ("Pacific Northwest").
GEO_WORDS = _words(
    """
    northwest northwestern northern southern eastern central
    """
)

US_STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "FL": "Florida", "GA": "Georgia",
    "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa",
    "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland",
    "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota", "MS": "Mississippi",
    "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York",
    "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma",
    "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina",
    "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont",
    "VA": "Virginia", "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin",
    "WY": "Wyoming",
}  # fmt: skip

# What people call a state besides its name and code ("Cali").
STATE_NICKNAMES = {"CA": ("cali",)}

# Metrics offered first when Scout has to ask which one was meant.
PREFERRED_METRICS = ("revenue", "conversion_rate", "orders", "aov", "sessions")
