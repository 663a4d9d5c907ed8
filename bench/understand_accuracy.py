"""Understanding: accuracy per field and per intent on the labelled set, and parse latency.

Run: .venv/bin/python -m bench.understand_accuracy [--runs 20] [--heldout]

`--heldout` adds the held-out set (tests/agent/understand/heldout.yml, written apart from the
labelled set): whole-goal exact accuracy per intent and per slot, out-of-scope rejection, the
thread follow-up set (followups.yml), and each dated batch of the held-out file, and each
later batch kept in a file of its own (heldout_batch*.yml), scored with the rules alone and
with the learned intent model behind them; then the whole of heldout.yml and those files.

The baseline is the same parser with typo correction switched off, to show what the
fuzzy matching buys; latency is measured warm (the spelling cache filled, as in a running
bot) and cold (the cache emptied before every parse).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence

from agent.domain import Goal
from agent.llm.understand import CONSULT_BELOW
from agent.semantic import load_semantic
from agent.understand import Lexicon, lexicon_for, understand_with
from agent.understand.corpus import generate
from agent.understand.learned import intent_model
from tests.agent.understand.labelled import (
    FIELDS,
    FOLLOWUPS,
    HELDOUT,
    HELDOUT_BATCHES,
    READ,
    UNSEEN,
    Item,
    load_items,
    mismatches,
)

Parse = Callable[[str, Item, Goal | None], Goal]


def _parser(lex: Lexicon, *, learned: bool = True) -> Parse:
    return lambda text, item, context: understand_with(
        text, lexicon=lex, today=item.today, context=context, learned=learned
    )


def _goal(parse: Parse, item: Item) -> Goal:
    return parse(item.text, item, _context(parse, item))


def accuracy(
    parse: Parse, items: Sequence[Item]
) -> tuple[dict[str, float], dict[str, tuple[int, int]], list[str]]:
    """Per-field accuracy, per-intent (right, total), and the texts that are wrong."""
    field_ok: Counter[str] = Counter()
    per_intent: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    wrong: list[str] = []
    for item in items:
        bad = {name for name, _, _ in mismatches(item, _goal(parse, item))}
        for name in FIELDS:
            field_ok[name] += name not in bad
        per_intent[item.intent][1] += 1
        per_intent[item.intent][0] += not bad
        if bad:
            wrong.append(f"{item.text!r}: {sorted(bad)}")
    fields = {name: field_ok[name] / len(items) for name in FIELDS}
    return fields, {k: (v[0], v[1]) for k, v in sorted(per_intent.items())}, wrong


def latency(
    lex: Lexicon, items: Sequence[Item], runs: int, *, cold: bool
) -> tuple[list[float], list[float]]:
    """Milliseconds per parse, wall clock and CPU time of this thread.

    Only the message is timed; its thread context is parsed beforehand. CPU time is what
    the parse costs; wall time adds whatever else the machine is doing.
    """
    parse = _parser(lex)
    contexts = [_context(parse, item) for item in items]
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(runs):
        for item, context in zip(items, contexts, strict=True):
            if cold:
                lex._cache.clear()
            start, start_cpu = time.perf_counter(), time.thread_time()
            parse(item.text, item, context)
            cpu.append((time.thread_time() - start_cpu) * 1000)
            wall.append((time.perf_counter() - start) * 1000)
    return wall, cpu


def _context(parse: Parse, item: Item) -> Goal | None:
    context: Goal | None = item.previous_goal()
    for earlier in item.context:
        context = parse(earlier, item, context)
    return context


def pct(samples: Sequence[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="understanding accuracy and latency")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--heldout", action="store_true", help="also the held-out set")
    args = parser.parse_args(argv)
    layer = load_semantic()
    items = load_items()
    start = time.perf_counter()
    Lexicon.from_layer(layer)
    build_ms = (time.perf_counter() - start) * 1000
    lex = lexicon_for(layer)
    plain = Lexicon.from_layer(layer, fuzzy=False)

    print(
        f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}"
    )
    print(f"labelled requests: {len(items)}; lexicon build: {build_ms:.1f} ms (once per layer)")
    start = time.perf_counter()
    intent_model(lex)
    loaded_ms = (time.perf_counter() - start) * 1000
    print(
        f"learned intent model: {len(generate(lex))} generated requests; loaded in "
        f"{loaded_ms:.0f} ms (the shipped file, or fitted once and cached for another layer)\n"
    )
    ours, intents, wrong = accuracy(_parser(lex), items)
    base, base_intents, _ = accuracy(_parser(plain), items)
    print(f"{'field':<12} {'scout':>8} {'no typo fix':>12}")
    for name in FIELDS:
        print(f"{name:<12} {ours[name]:>8.1%} {base[name]:>12.1%}")
    print(f"\n{'intent':<15} {'scout':>10} {'no typo fix':>12}")
    for intent, (ok, total) in intents.items():
        b_ok, _ = base_intents[intent]
        print(f"{intent:<15} {ok:>4}/{total:<5} {b_ok:>6}/{total:<5}")
    total_ok = sum(ok for ok, _ in intents.values())
    base_ok = sum(ok for ok, _ in base_intents.values())
    print(f"{'all':<15} {total_ok:>4}/{len(items):<5} {base_ok:>6}/{len(items):<5}")
    for line in wrong:
        print("  WRONG", line)

    if args.heldout:
        heldout(_parser(lex), _parser(plain))
        batches(_parser(lex, learned=False), _parser(lex))
        unseen(_parser(lex, learned=False), _parser(lex))
        misses(_parser(lex))
        read_sets(_parser(lex))

    print(f"\nload average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for cold in (False, True):
        wall, cpu = latency(
            lex, items, args.runs if not cold else max(1, args.runs // 4), cold=cold
        )
        for name, samples in (("wall", wall), ("cpu", cpu)):
            print(
                f"latency {'cold' if cold else 'warm'} {name:<4} ({len(samples)} parses): "
                f"p50 {pct(samples, 0.5):.3f} ms  p99 {pct(samples, 0.99):.3f} ms  "
                f"max {max(samples):.3f} ms  mean {statistics.fmean(samples):.3f} ms"
            )
    return 0


def heldout(parse: Parse, plain: Parse) -> None:
    """Whole-goal exact accuracy on the held-out and follow-up sets, per intent and slot."""
    items = load_items(HELDOUT)
    print(f"\nheld-out requests: {len(items)} (written apart from the labelled set)")
    ours, intents, wrong = accuracy(parse, items)
    base, base_intents, _ = accuracy(plain, items)
    print(f"{'slot':<12} {'scout':>8} {'no typo fix':>12}")
    for name in FIELDS:
        print(f"{name:<12} {ours[name]:>8.1%} {base[name]:>12.1%}")
    print(f"\n{'intent':<15} {'whole goal':>12} {'no typo fix':>12}")
    for intent, (ok, total) in intents.items():
        b_ok, _ = base_intents[intent]
        print(f"{intent:<15} {ok:>5}/{total:<5} {ok / total:>5.0%} {b_ok:>5}/{total:<5}")
    total_ok = sum(ok for ok, _ in intents.values())
    print(f"{'all':<15} {total_ok:>5}/{len(items):<5} {total_ok / len(items):>5.1%}")
    out = [i for i in items if i.scope == "out"]
    refused = sum(_goal(parse, i).intent.value == "unknown" for i in out)
    print(f"out of scope refused: {refused}/{len(out)} ({refused / max(1, len(out)):.1%})")
    for line in wrong:
        print("  WRONG", line)
    threads = load_items(FOLLOWUPS)
    _, per, bad = accuracy(parse, threads)
    ok = sum(v[0] for v in per.values())
    print(f"\nfollow-ups in a thread: {ok}/{len(threads)} whole goal exact")
    for line in bad:
        print("  WRONG", line)


_SECTION = re.compile(r"^  # -{10,} (.+)$")


def sections(path: str | os.PathLike[str] = HELDOUT) -> list[str]:
    """The section heading each held-out item sits under, in file order."""
    heading = ""
    found: list[str] = []
    with open(path) as lines:
        for line in lines:
            if m := _SECTION.match(line):
                heading = m.group(1).strip()
            elif line.startswith("  - "):
                found.append(heading)
    return found


def batches(rules: Parse, learned: Parse) -> None:
    """Each later batch of the held-out file, rules alone against rules with the model.

    The batches after the first were written apart and scored untouched when they were
    added; the ones written before the model are the fairest test of it.
    """
    grouped: dict[str, list[Item]] = defaultdict(list)
    everything: list[Item] = []
    for path in (HELDOUT, *HELDOUT_BATCHES):
        items = load_items(path)
        heads = sections(path)
        assert len(heads) == len(items), f"{path.name} and its section headings disagree"
        everything.extend(items)
        for head, item in zip(heads, items, strict=True):
            if "batch" in head:
                grouped[head].append(item)
    print(f"\n{'held-out batch':<52} {'rules only':>12} {'rules+model':>12} {'intent r/m':>12}")
    for head, group in grouped.items():
        row = []
        for parse in (rules, learned):
            fields, per, _ = accuracy(parse, group)
            row.append((sum(ok for ok, _ in per.values()), fields["intent"]))
        (r_ok, r_int), (m_ok, m_int) = row
        print(
            f"{head[:52]:<52} {r_ok:>5}/{len(group):<6} {m_ok:>5}/{len(group):<6} "
            f"{r_int:>5.0%}/{m_int:.0%}"
        )
    _, per, _ = accuracy(learned, everything)
    ok = sum(right for right, _ in per.values())
    files = ", ".join(p.name for p in (HELDOUT, *HELDOUT_BATCHES))
    print(f"all held-out ({files}): {ok}/{len(everything)} ({ok / len(everything):.1%}) whole goal")


def unseen(rules: Parse, learned: Parse) -> None:
    """Batches kept unseen (tests/agent/understand/unseen/): the honest figure, since no rule
    was written for them. Whole goal and out-of-scope refusals, rules alone and with the model."""
    for path in UNSEEN:
        items = load_items(path)
        out = [i for i in items if i.scope == "out"]
        row = []
        for parse in (rules, learned):
            _, per, _ = accuracy(parse, items)
            refused = sum(_goal(parse, i).intent.value == "unknown" for i in out)
            row.append((sum(ok for ok, _ in per.values()), refused))
        (r_ok, r_out), (m_ok, m_out) = row
        print(
            f"unseen {path.name}: whole goal {r_ok}/{len(items)} rules only, {m_ok}/{len(items)} "
            f"({m_ok / len(items):.1%}) with the model; out of scope refused {m_out}/{len(out)} "
            f"(rules only {r_out}/{len(out)})"
        )


def misses(parse: Parse) -> None:
    """How the unseen sets' misses reach a user, counted without printing them (so the sets
    stay unseen): answered as if right, asked back, or an in-scope request refused; and
    whether the goal's confidence, which decides when the optional LLM is consulted (under
    CONSULT_BELOW), sets them apart from the right answers."""
    right: list[float] = []
    answered: list[float] = []
    asked = refused = consulted = 0
    for path in UNSEEN:
        for item in load_items(path):
            goal = _goal(parse, item)
            if not list(mismatches(item, goal)):
                right.append(goal.confidence)
            elif goal.intent.value == "unknown" and item.scope != "out":
                refused += 1
            elif goal.clarification is not None:
                asked += 1
            else:
                answered.append(goal.confidence)
            consulted += goal.confidence < CONSULT_BELOW and bool(list(mismatches(item, goal)))
    wrong = len(answered) + asked + refused
    if not wrong:
        return
    print(
        f"unseen misses: {wrong}: {len(answered)} answered, {asked} asked back, {refused} "
        f"in scope but refused; median confidence {statistics.median(answered or [0.0]):.2f} "
        f"answered misses, {statistics.median(right or [0.0]):.2f} right; misses under the "
        f"LLM's consult bar ({CONSULT_BELOW}): {consulted}; right answers under it: "
        f"{sum(c < CONSULT_BELOW for c in right)}"
    )


def read_sets(parse: Parse) -> None:
    """The batches read for fixes (learned from, no longer a measure): the last set read,
    four batches, and all of them."""
    scores = []
    for path in READ:
        items = load_items(path)
        _, per, _ = accuracy(parse, items)
        scores.append((path.stem, sum(ok for ok, _ in per.values()), len(items)))
    last = scores[-4:]
    print(
        "read, last set (" + ", ".join(name for name, _, _ in last) + "): "
        f"{sum(ok for _, ok, _ in last)}/{sum(n for _, _, n in last)}; every read batch: "
        f"{sum(ok for _, ok, _ in scores)}/{sum(n for _, _, n in scores)}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
