"""From what Slack sends and people type to clean lowercase tokens.

Slack markup (mentions, channel links, URLs, emoji codes, HTML escapes) carries no meaning
for a question, so it goes first. Text that looks like SQL or like instructions to the bot
is cut out too: it is data, never a command, and leaving it in would only feed words such
as "drop" to the intent rules.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

from agent.understand.vocabulary import COMMON_WORDS, FOREIGN_WORDS

_MENTION = re.compile(r"<[@!#][^>]*>")
_LINK = re.compile(r"<((?:https?|mailto|ftp):[^>|]*)(?:\|([^>]*))?>", re.IGNORECASE)
_BARE_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
# An emoji code holds at least one letter, so times such as 9:00: survive.
_EMOJI_CODE = re.compile(r":(?=[a-z0-9_+\-']*[a-z])[a-z0-9_+\-']+:", re.IGNORECASE)

_SQL_PATTERNS = (
    # A statement smuggled after a quote or a semicolon, up to the next semicolon.
    re.compile(
        r"[;'\"`]\s*(?:drop|delete|truncate|alter|insert|update|create|grant|revoke|exec|"
        r"execute|union|select|merge|replace|attach|copy|pragma)\b[^;]*;?",
        re.IGNORECASE,
    ),
    re.compile(
        r"\b(?:drop|truncate|alter)\s+(?:table|database|schema|view)\b\s*[\w.\"]*"
        r"|\bdelete\s+from\s+[\w.\"]+|\binsert\s+into\s+[\w.\"]+"
        r"|\bunion\s+(?:all\s+)?select\b[^;]*|\bselect\s+\*\s+from\s+[\w.\"]+",
        re.IGNORECASE,
    ),
    re.compile(r"['\"]?\s*\b(?:or|and)\s+'?\d+'?\s*=\s*'?\d+'?", re.IGNORECASE),
    re.compile(r";\s*--.*$|(?<=\s)--\s*$|/\*.*?\*/", re.IGNORECASE | re.DOTALL),
)
_INJECTION = re.compile(
    r"\b(?:ignore|disregard|forget|override|bypass)\s+(?:all\s+|any\s+)?"
    r"(?:(?:of\s+)?(?:your|the|my|previous|prior|above|earlier|these|those)\s+)*"
    r"(?:instructions?|rules?|guardrails?|prompts?|system\s+prompt|guidelines|policies|limits?)"
    r"|\b(?:you\s+are\s+now|act\s+as|pretend\s+(?:to\s+be|you\s+are)|new\s+instructions?"
    r"|system\s+prompt|developer\s+mode|jailbreak)\b[^.;!?]*",
    re.IGNORECASE,
)

_TOKEN = re.compile(
    r"\d{4}-\d{1,2}-\d{1,2}"  # ISO dates stay whole
    r"|\d{1,2}/\d{1,2}(?:/\d{2,4})?"  # 11/15 or 11/15/2025
    r"|[a-z0-9]+(?:'[a-z]+)?",
    re.IGNORECASE,
)
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "`": "'"})


@dataclass(frozen=True, kw_only=True)
class Token:
    """One word: `text` lowercased for matching, `orig` as typed (case tells proper nouns)."""

    text: str
    orig: str
    start: int
    end: int


@dataclass(frozen=True, kw_only=True)
class Cleaned:
    """The text with markup removed, and whether anything hostile had to be cut out."""

    text: str
    hostile: bool


_MONTH = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_MONTH_DASH = re.compile(rf"\b{_MONTH}\s*[-\u2010-\u2015+&]\s*{_MONTH}\b", re.IGNORECASE)


# Slack shorthand for periods, which the date rules read written out: "wk/wk", "w/w" (week
# over week), "m/m", "d/d", "y/y", "q/q"; "l30", "t7d" (the last or trailing 30 / 7 days); "2w",
# "3wks" (the last 2 / 3 weeks). Unread, each left the request on the default "yesterday".
_OVER = {"w": "wow", "wk": "wow", "m": "mom", "mo": "mom", "d": "dod", "y": "yoy", "q": "qoq"}
_PER_PERIOD = re.compile(r"\b(wk|w|mo|m|d|y|q)\s?/\s?\1\b|\bwk (?:over|on) wk\b", re.I)
_LAST_DAYS = re.compile(r"\b(?:[lt](\d{1,3})d|l(\d{1,3}))\b", re.I)
_WEEKS = re.compile(
    r"(?<![\w$.])(?:(?P<last>last|past|previous|prior|trailing|the) )?(?P<n>\d{1,2}) ?(?:w|wks?)\b",
    re.I,
)


def _slack_shorthand(text: str) -> str:
    text = _PER_PERIOD.sub(lambda m: _OVER[(m.group(1) or "wk").lower()], text)
    text = _LAST_DAYS.sub(lambda m: f"last {m.group(1) or m.group(2)} days", text)
    return _WEEKS.sub(lambda m: f"{m['last'] + ' ' if m['last'] else 'last '}{m['n']} weeks", text)


def _folded(text: str) -> str:
    """'la Fête', 'ticket médio': accents dropped, not the letters they sit on."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


# Keyed folded, so "ticket médio" and "ticket medio" are one word for the reader.
_FOREIGN_FOLDED = {_folded(k): v for k, v in FOREIGN_WORDS.items()}
_FOREIGN = re.compile(
    r"(?<![\w'])(?:"
    + "|".join(
        r"\s+".join(map(re.escape, p.split()))
        for p in sorted(_FOREIGN_FOLDED, key=len, reverse=True)
    )
    + r")(?![\w'])",
    re.IGNORECASE,
)


_QUARTERS = dict.fromkeys(("first", "1st"), "Q1") | dict.fromkeys(("second", "2nd"), "Q2")
_QUARTERS |= dict.fromkeys(("third", "3rd"), "Q3") | dict.fromkeys(("fourth", "4th"), "Q4")
_QUARTER_IN_WORDS = re.compile(rf"\bthe ({'|'.join(_QUARTERS)}) quarter\b", re.IGNORECASE)

_SPOKEN_MARKS = {"question mark": "?", "full stop": ".", "exclamation mark": "!", "comma": ","}
_SPOKEN_MARK = re.compile(
    r"\s+(question mark|full stop|exclamation mark|comma)\b(?![- ](?:separated|delimited))",
    re.IGNORECASE,
)


def clean(raw: str) -> Cleaned:
    """Strip Slack markup, URLs, emoji codes, smuggled SQL and prompt-injection phrases."""
    text = unicodedata.normalize("NFKC", raw or "")
    # "`select count(*) from orders where region = 'West'`": an analyst's way of asking, in
    # code marks and with nothing that writes; its words are read like any others.
    text = _READ_ONLY_SQL.sub(_sql_words, text).translate(_QUOTES)
    text = _LINK.sub(lambda m: _link_label(m.group(2)), text)
    text = _MENTION.sub(" ", text)
    text = html.unescape(text)
    text = _BARE_URL.sub(" ", text)
    text = _emoji_words(text)
    text = _folded(text)
    text = _FOREIGN.sub(lambda m: _FOREIGN_FOLDED[" ".join(m.group().lower().split())], text)
    # Dictated on a phone: "… this month full stop", "… question mark" are the marks.
    text = _SPOKEN_MARK.sub(lambda m: _SPOKEN_MARKS[m.group(1).lower()] + " ", text)
    # "the CA of the Northeast" (le chiffre d'affaires): revenue, when a determiner says it is
    # a thing owned, not the state ("orders in CA").
    text = re.sub(
        r"\b(?i:the|your|our|my|le|du|total) CA\b", lambda m: f"{m.group()[:-2]}revenue", text
    )
    text = _STRETCHED.sub(_unstretched, text)
    # An emoji code or a spaced dash between words ends a clause ("on call this week
    # :rotating_light: anything odd today?", "units by state yday — need to know …").
    text = _EMOJI_CODE.sub(" \u00b7 ", text)
    text = re.sub(r"\s[\u2013\u2014]\s", " \u00b7 ", text)
    hostile = False
    for pattern in (*_SQL_PATTERNS, _INJECTION):
        text, count = pattern.subn(" . ", text)
        hostile = hostile or count > 0
    # "dec '25", "Nov–Dec '25": a year written with an apostrophe and two digits.
    text = re.sub(r"(?<![\w'])'([0-3]\d)\b(?!')", r"20\1", text)
    # "the turnover on 10.02.", "for 24.12.–26.12.": a German date, day first, closed by a
    # full stop (a decimal has none), after a word that introduces a date or in a span.
    text = _GERMAN_SPAN.sub(
        lambda m: (
            f"{m['p'] or ''}{_us_date(m['d'], m['m'], m['y'])} to {_us_date(m['d2'], m['m2'], m['y2'])}"
        ),
        text,
    )
    text = _GERMAN_DATE.sub(lambda m: f"{m['p'] or ''}{_us_date(m['d'], m['m'], m['y'])}", text)
    # "3.1% -> 2.6% (Oct vs Sep)": a decimal is one token, never a day before a month.
    text = re.sub(r"(\d)\.(\d)", r"\1point\2", text)
    # "revenue -9% WoW": a fall, whatever the dash becomes below (a "+12%" is as often a
    # plan as a move, so only the minus is read).
    text = re.sub(r"(?<![\w.%])[-\u2212\u2013]\s?(\d+(?:\.\d+)?)\s?%", r" down \1%", text)
    # "apparel $ since fri", "$ by cat": a dollar sign on its own names the money; "refunds
    # in $" only gives the unit.
    text = re.sub(r"(?<!\d)(?<!\d )(?<!\bin )(?<!\bas )(?<!\bper )\$(?!\s?\d)", " revenue ", text)
    # Indian English office idiom: "for the month as on date" (to date), "MTD vs LMTD" (the
    # same days of last month).
    text = re.sub(r"\b(?:as on|till) (?:date|today)\b", "to date", text, flags=re.I)
    text = re.sub(r"\blmtd\b", "the same days last month", text, flags=re.I)
    text = re.sub(r"\blytd\b", "the same days last year", text, flags=re.I)
    text = _slack_shorthand(text)
    # "the visits of before-yesterday" (anteontem, anteayer, avant-hier): two days ago.
    text = re.sub(
        r"\b(?:the |of |from )?before[- ]yesterday\b", " the day before yesterday", text, flags=re.I
    )
    # "how many units were returned": the units returned, not the units sold.
    text = re.sub(
        r"\b(units|items|pieces) (?:were|was|got|have been|had been) (?:returned|sent back)\b",
        r"\1 returned",
        text,
        flags=re.I,
    )
    # "`fct_orders` for last week": an analytics model named for the measure it holds (a
    # staging or source model, or a path to one, is about the pipeline; "the new
    # `fct_sessions`" is a new table, not new customers).
    text = re.sub(
        r"(?<![./\w])(?<!\bnew ')(?<!\bold ')(?:fct|fact|mart|rpt|agg)_([a-z]+)\b",
        r"\1",
        text,
        flags=re.I,
    )
    # "the third quarter": Q3; "this fortnight": the last fourteen days.
    text = _QUARTER_IN_WORDS.sub(lambda m: _QUARTERS[m[1].lower()], text)
    text = re.sub(r"\bthis fortnight\b", "the last fortnight", text, flags=re.I)
    # "last 1 week": the last seven days, as a count of one.
    text = re.sub(r"\b(last|past) 1 (?:week|wk)\b", r"\1 7 days", text, flags=re.I)
    # Turkish göre, "according to": against a period ("according to last month"), split by a
    # dimension named in the plural ("according to regions"); anything else is left alone.
    text = re.sub(
        r"\baccording to (?=(?:the )?(?:regions|channels|categories|devices|states|topics)\b)",
        "by ",
        text,
        flags=re.I,
    )
    text = re.sub(
        r"\baccording to (?=(?:the )?(?:last|previous|prior|same|weekend before|week before|"
        r"month before|january|february|march|april|may|june|july|august|september|october|"
        r"november|december)\b)",
        "compared to ",
        text,
        flags=re.I,
    )
    # "orders p/ day": per day.
    text = re.sub(r"\bp/\s*(?=(?:day|week|month|wk|mo)\b)", "per ", text, flags=re.I)
    # "sat+sun", "sat/sun": the weekend's two days.
    text = re.sub(r"\bsat(?:urday)?\s*[+&/]\s*sun(?:day)?\b", "the weekend", text, flags=re.I)
    # "Nov–Dec", "sep + oct": a span of months written with a dash or a plus.
    text = _MONTH_DASH.sub(r"\1 through \2", text)
    # "out-sold", "out-performed": one verb that sets one thing against another.
    text = re.sub(
        r"\b(out)[-\u2010\u2011](?=(?:sold|sell|perform|pac|earn)\w*)", r"\1", text, flags=re.I
    )
    # Dashes of any kind separate words ("off—can you"), except inside ISO dates.
    text = re.sub(r"[\u2010-\u2015\u2212]", " ", text)
    # Pictographs and other symbols (real emoji) are noise.
    text = "".join(" " if unicodedata.category(ch).startswith("S") else ch for ch in text)
    return Cleaned(text=" ".join(text.split()), hostile=hostile)


# Emoji people type in place of a shop word ("💸 from email yesterday?", "📱 vs 💻?"), as the
# character or as the code Slack sends for it. The flag marks the ones read only when they
# open a clause ("🔥 categories"): in the middle ("cratered :fire: what broke?") they cheer.
_EMOJI_AS_WORD: dict[str, tuple[str, bool]] = {
    "\U0001f4b8": ("revenue", False), "money_with_wings": ("revenue", False),
    "\U0001f4b0": ("revenue", False), "moneybag": ("revenue", False),
    "\U0001f6d2": ("add to cart", False), "shopping_trolley": ("add to cart", False),
    "shopping_cart": ("add to cart", False),
    "\U0001f3ab": ("tickets", False), "ticket": ("tickets", False),
    "\U0001f39f": ("tickets", False), "admission_tickets": ("tickets", False),
    "\U0001f4c8": ("up", False), "chart_with_upwards_trend": ("up", False),
    "\U0001f4c9": ("down", False), "chart_with_downwards_trend": ("down", False),
    "\U0001f195": ("new", False), "new": ("new", False),
    "\U0001f501": ("returning", False), "repeat": ("returning", False),
    "\U0001f4f1": ("mobile", False), "iphone": ("mobile", False),
    "\U0001f4bb": ("desktop", False), "computer": ("desktop", False),
    "\U0001f5a5": ("desktop", False), "desktop_computer": ("desktop", False),
    "\U0001f525": ("best selling", True), "fire": ("best selling", True),
    "\U0001f48e": ("best", True), "gem": ("best", True),
    "\U0001f47b": ("lapsing", True), "ghost": ("lapsing", True),
    "\U0001f3af": ("accurate", False), "dart": ("accurate", False),
    "\U0001f5d1": ("way off", False), "wastebasket": ("way off", False),
}  # fmt: skip
_EMOJI = re.compile(
    r":([a-z0-9_+\-]+):|(" + "|".join(k for k in _EMOJI_AS_WORD if not k.isascii()) + r")\ufe0f?",
    re.IGNORECASE,
)
_WORD_AFTER = re.compile(r"[\s\ufe0f]*[A-Za-z]")
_CLAUSE_START = re.compile(r"(?:^|[.!?:;,\u00b7\n])[\s\ufe0f]*$")
_CHOICE_BEFORE = re.compile(r"\b(?:vs|versus|or|and)\.?\s*$", re.IGNORECASE)


_DMY = r"(?P<d{0}>[0-3]?\d)\.(?P<m{0}>[01]?\d)\.(?P<y{0}>(?:19|20)\d\d)?(?![\d.])"
_GERMAN_SPAN = re.compile(
    r"(?P<p>\b\w+ )?"
    + _DMY.format("")
    + r"\s*(?:[-\u2013\u2014]|to|bis|until|till)\s*"
    + _DMY.format("2"),
    re.IGNORECASE,
)
_GERMAN_DATE = re.compile(
    r"(?:(?P<p>\b(?:on|am|from|since|until|till|to|bis|vom|per|zum|for|of) )|\b(?=[\d.]+\d{4}))"
    + _DMY.format(""),
    re.IGNORECASE,
)


def _us_date(day: str, month: str, year: str | None) -> str:
    """How the date rules read a day: month first ('24.12.' → '12/24')."""
    return f"{int(month)}/{int(day)}" + (f"/{year}" if year else "")


# "soooo low", "whyyy", "goood": a letter held for emphasis, three times or more.
_STRETCHED = re.compile(r"\b\w*([a-z])\1{2,}\w*\b", re.IGNORECASE)


def _unstretched(found: re.Match[str]) -> str:
    word = found.group(0)
    double = re.sub(r"([a-z])\1{2,}", r"\1\1", word, flags=re.IGNORECASE)
    if double.lower() in COMMON_WORDS:
        return double  # "goood" is "good", "toooo" is "too"
    return re.sub(r"([a-z])\1{2,}", r"\1", word, flags=re.IGNORECASE)


def _emoji_words(text: str) -> str:
    """Emoji standing for a word, read as it; the rest are left to be cut as decoration.

    An emoji stands for a word when the sentence goes on after it ("📉 revenue", "mobile
    conversion 📉 yesterday") or when it is one side of a choice ("📱 vs 💻?"); at the end of
    a message it decorates ("AOV by channel :moneybag:").
    """

    def read(found: re.Match[str]) -> str:
        key = (found.group(1) or found.group(2)).lower()
        if key not in _EMOJI_AS_WORD:
            return found.group(0)
        word, leads_only = _EMOJI_AS_WORD[key]
        before, after = text[: found.start()], text[found.end() :]
        # Neighbouring emoji do not end the sentence: "🎫📈 in the Southeast".
        after = _EMOJI.sub("", after)
        before = _EMOJI.sub("", before)
        opens = bool(_CLAUSE_START.search(before))
        goes_on = bool(_WORD_AFTER.match(after))
        if (goes_on and (opens or not leads_only)) or (
            not leads_only and _CHOICE_BEFORE.search(before)
        ):
            return f" {word} "
        return found.group(0)

    return _EMOJI.sub(read, text)


_READ_ONLY_SQL = re.compile(r"`+\s*(select\b[^`;]*)`+", re.IGNORECASE)
_WRITES = re.compile(
    r"\b(?:drop|delete|truncate|alter|insert|update|create|grant|revoke|exec|execute|union|"
    r"merge|replace|attach|copy|pragma|into)\b",
    re.IGNORECASE,
)


def _sql_words(found: re.Match[str]) -> str:
    query = found.group(1)
    if _WRITES.search(query):
        return found.group(0)  # left for the patterns below to strip
    return " " + re.sub(r"['\"]", " ", query) + " "


# A link to a dashboard or a report is named by it: "the <…|West dash>" names no filter.
_REPORT_LINK = re.compile(
    r"\b(?:dash|dashboard|dashboards|report|sheet|deck|workbook|tile|board|explore)\s*$", re.I
)


def _link_label(label: str | None) -> str:
    if not label or "://" in label or label.startswith("www."):
        return " "
    if _REPORT_LINK.search(label):
        return " the dashboard "
    return f" {label} "


def tokenize(text: str) -> list[Token]:
    """Split cleaned text into word tokens; apostrophes vanish ("what's" → "whats")."""
    return [
        Token(text=m.group().lower().replace("'", ""), orig=m.group(), start=m.start(), end=m.end())
        for m in _TOKEN.finditer(text)
    ]


def normalize(raw: str) -> str:
    """The canonical matching form: cleaned, lowercase tokens joined by single spaces."""
    return " ".join(t.text for t in tokenize(clean(raw).text))


def phrase_key(phrase: str) -> tuple[str, ...]:
    """Tokens of a lexicon phrase, normalised exactly like user text ("add-to-cart")."""
    return tuple(t.text for t in tokenize(phrase.replace("_", " ")))
