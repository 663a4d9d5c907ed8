"""The learned intent model on wording it was not fitted on: each held-out batch left out in
turn, the model fitted on the generated corpus alone and on the corpus plus every other
hand-labelled file (as the shipped model is), and its own intent scored on the batch left out.
This is the model alone, before any rule; the pipeline's figures are understand_accuracy's.

`--override` scores the whole pipeline instead, on the batches read for fixes, one session's
set at a time (newest first): the model fitted without a group, the group parsed with the
model allowed to overrule a cue at each probability bar (core.MODEL_OVERRIDE), whole goals
right per bar. This is how the bar was chosen without scoring the unseen batches.

Run: .venv/bin/python -m bench.understand_model_cv [--folds N] [--override]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path

from agent.domain import Intent
from agent.semantic import load_semantic
from agent.understand import Lexicon, core, lexicon_for
from agent.understand.corpus import Example, generate
from agent.understand.learned import HAND_WEIGHT, IntentModel, hand_written, pin_model
from agent.understand.slots import parse
from bench.understand_accuracy import _goal, _parser
from tests.agent.understand.labelled import (
    HELDOUT,
    HELDOUT_BATCHES,
    LABELLED,
    READ,
    load_items,
    mismatches,
)

BARS = (None, 0.9, 0.8, 0.7, 0.6, 0.5)


def _examples(paths: Sequence[object]) -> list[Example]:
    return [
        Example(text=i.text, intent=Intent(i.intent))
        for p in paths
        for i in load_items(p)  # type: ignore[arg-type]
        if not i.context
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--folds", type=int, default=0, help="leave out only the first N batches")
    parser.add_argument("--override", action="store_true", help="score the bar for overruling")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    lex = lexicon_for(load_semantic())
    corpus = generate(lex)
    if args.override:
        return _override(lex, corpus, args.folds, started)
    alone = IntentModel.train(lex, corpus)
    folds = HELDOUT_BATCHES[: args.folds] if args.folds else HELDOUT_BATCHES
    total = right_alone = right_both = 0
    print(f"{'left out':24} {'requests':>8} {'corpus only':>12} {'corpus + hand':>14}")
    for left_out in folds:
        others = [LABELLED, HELDOUT, *(p for p in HELDOUT_BATCHES if p != left_out)]
        both = IntentModel.train(lex, corpus + _examples(others) * HAND_WEIGHT)
        items = [i for i in load_items(left_out) if not i.context]
        a = b = 0
        for item in items:
            shape = parse(item.text, lex, item.today).shape
            a += alone.guess(shape).intent.value == item.intent
            b += both.guess(shape).intent.value == item.intent
        print(f"{left_out.stem:24} {len(items):>8} {a:>12} {b:>14}")
        total, right_alone, right_both = total + len(items), right_alone + a, right_both + b
    print(
        f"all {total} requests: corpus only {right_alone}/{total} ({right_alone / total:.1%}), "
        f"corpus + hand-labelled {right_both}/{total} ({right_both / total:.1%}); "
        f"{time.perf_counter() - started:.0f} s"
    )
    return 0


def _override(lex: Lexicon, corpus: list[Example], folds: int, started: float) -> int:
    groups = _read_sets()
    groups = groups[:folds] if folds else groups
    header = " ".join(f"{'off' if bar is None else bar:>6}" for bar in BARS)
    print(f"{'read batches':20} {'requests':>8} {header}")
    totals = [0] * len(BARS)
    requests = 0
    parse_goal = _parser(lex)
    try:
        for group in groups:
            hand = hand_written(leave_out=set(group))
            pin_model(lex, IntentModel.train(lex, corpus + hand * HAND_WEIGHT))
            items = [i for p in group for i in load_items(p)]
            requests += len(items)
            right = []
            for bar in BARS:
                core.MODEL_OVERRIDE = bar
                right.append(sum(not list(mismatches(i, _goal(parse_goal, i))) for i in items))
            totals = [t + r for t, r in zip(totals, right, strict=True)]
            name = f"{group[0].stem}-{group[-1].stem.removeprefix('batch')}"
            print(f"{name:20} {len(items):>8} " + " ".join(f"{r:>6}" for r in right))
    finally:
        core.MODEL_OVERRIDE = _SHIPPED_BAR
    print(f"{'all':20} {requests:>8} " + " ".join(f"{t:>6}" for t in totals))
    print(f"bar in use: {_SHIPPED_BAR}; {time.perf_counter() - started:.0f} s")
    return 0


_SHIPPED_BAR = core.MODEL_OVERRIDE
# From batch 51 on, each session wrote its unseen set as four batches; the older read batches
# (34-50) were read together in one session.
_FIRST_SET_OF_FOUR = 51


def _read_sets() -> list[tuple[Path, ...]]:
    """The read batches as the sets they were written in, newest first."""
    number = {p: int(p.stem.removeprefix("batch")) for p in READ}
    newer = [p for p in READ if number[p] >= _FIRST_SET_OF_FOUR]
    sets = [tuple(newer[i : i + 4]) for i in range(0, len(newer), 4)]
    return [*reversed(sets), tuple(p for p in READ if number[p] < _FIRST_SET_OF_FOUR)]


if __name__ == "__main__":
    raise SystemExit(main())
