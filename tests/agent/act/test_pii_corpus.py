"""Every corpus string through the cleaning all outbound text gets (issue 18).

`clean_text` is what renderers receive (they escape), `safe_text` what can be posted as is.
Must-redact strings leave no personal data (checked by the corpus' own scanners: regexes,
Luhn and IBAN checks written apart from the redactor), must-neutralise strings leave nothing
Slack would make live and no hidden characters, near-misses leave unchanged. Each string is
checked alone and inside a sentence, since boundaries are where patterns slip.
"""

from __future__ import annotations

import re

import pytest

from agent.act.redact import clean_text, injection_flags, safe_text
from tests.fixtures.pii_corpus import BIDI, CORPUS, ZERO_WIDTH, Expect, Sample, by_category
from tests.fixtures.pii_scan import fold, live_mentions, pii, unescape_slack, visible

CONTEXTS = ("{}", "Top seller — {} — 12 sold")


def _ids(samples: list[Sample]) -> list[str]:
    return [f"{s.category}:{s.text!r}"[:60] for s in samples]


def _of(expect: Expect) -> list[Sample]:
    return [s for s in CORPUS if s.expect is expect]


def test_the_corpus_is_large_and_covers_every_category() -> None:
    categories = by_category()
    assert len(CORPUS) >= 200
    for name in ("email", "phone", "card", "card_near_miss", "iban", "address", "mention",
                 "link", "invisible", "mrkdwn", "near_miss"):  # fmt: skip
        assert len(categories.get(name, [])) >= 4, name


@pytest.mark.parametrize("sample", _of(Expect.REDACT), ids=_ids(_of(Expect.REDACT)))
def test_personal_data_leaves_no_trace(sample: Sample) -> None:
    for context in CONTEXTS:
        out = clean_text(context.format(sample.text))
        assert pii(out) == [], out
        folded, digits = fold(out), re.sub(r"\D", "", fold(out))
        for secret in sample.secrets:
            assert fold(secret) not in folded, out
            secret_digits = re.sub(r"\D", "", fold(secret))
            if len(secret_digits) >= 7:
                assert secret_digits not in digits, out
        assert re.search(r"\[(email|phone|card|iban|address)\]", out), out
        assert not set(out) & set(ZERO_WIDTH + BIDI)


@pytest.mark.parametrize("sample", _of(Expect.NEUTRALISE), ids=_ids(_of(Expect.NEUTRALISE)))
def test_markup_and_hidden_characters_are_defused(sample: Sample) -> None:
    for context in CONTEXTS:
        cleaned = clean_text(context.format(sample.text))
        posted = safe_text(context.format(sample.text))
        # Nothing live whether a renderer escapes the cleaned text or shows it raw, and
        # nothing that becomes live once entities or hidden characters are taken away.
        for view in (cleaned, posted, visible(cleaned), unescape_slack(visible(cleaned))):
            assert live_mentions(view) == [], (sample.text, view)
        assert "<" not in posted and ">" not in posted
        assert not set(cleaned) & set(ZERO_WIDTH + BIDI)
        assert pii(cleaned) == []


@pytest.mark.parametrize("sample", _of(Expect.SURVIVE), ids=_ids(_of(Expect.SURVIVE)))
def test_near_misses_leave_unchanged(sample: Sample) -> None:
    for context in CONTEXTS:
        text = context.format(sample.text)
        assert clean_text(text) == text
        assert safe_text(text) == text.replace("&", "&amp;").replace("<", "&lt;").replace(
            ">", "&gt;"
        )


@pytest.mark.parametrize("sample", CORPUS, ids=_ids(list(CORPUS)))
def test_cleaning_twice_changes_nothing_more(sample: Sample) -> None:
    # Text is cleaned at the actor and again by views; a second pass must not mangle it.
    once = clean_text(sample.text)
    assert clean_text(once) == once


def test_instruction_like_text_is_flagged_not_altered() -> None:
    for sample in by_category()["injection"]:
        assert injection_flags(sample.text) == ("instruction-like text",), sample.text
