"""The learned intent model on wording it was not fitted on: each held-out batch left out in
turn, the model fitted on the generated corpus alone and on the corpus plus every other
hand-labelled file (as the shipped model is), and its own intent scored on the batch left out.
This is the model alone, before any rule; the pipeline's figures are understand_accuracy's.

Run: .venv/bin/python -m bench.understand_model_cv [--folds N]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence

from agent.domain import Intent
from agent.semantic import load_semantic
from agent.understand import lexicon_for
from agent.understand.corpus import Example, generate
from agent.understand.learned import HAND_WEIGHT, IntentModel
from agent.understand.slots import parse
from tests.agent.understand.labelled import HELDOUT, HELDOUT_BATCHES, LABELLED, load_items


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
    args = parser.parse_args(argv)
    started = time.perf_counter()
    lex = lexicon_for(load_semantic())
    corpus = generate(lex)
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


if __name__ == "__main__":
    raise SystemExit(main())
