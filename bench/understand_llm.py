"""Understanding with the optional LLM: the held-out, follow-up and unseen sets through
`understand_with_llm`, the real `openai` SDK and the fake server replaying recorded replies.

Run: .venv/bin/python -m bench.understand_llm                 # score with the recordings
     .venv/bin/python -m bench.understand_llm --export F.jsonl  # the prompts Scout sends
     OPENAI_API_KEY=… .venv/bin/python -m bench.understand_llm --record URL --model M
     .venv/bin/python -m bench.understand_llm --import R.jsonl --by "who answered"
     .venv/bin/python -m bench.understand_llm --sets follow-ups    # one set (a smoke run)

Only requests the rules are unsure of reach the model, as in the bot. `--record` sends every
prompt that has no recording to an OpenAI-compatible endpoint and keeps its replies in
tests/agent/llm/recorded_understand.jsonl; `--import` adds replies obtained another way
(one JSON object per line: key, reply).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
from collections.abc import Sequence
from pathlib import Path

from agent.semantic import SemanticLayer, load_semantic
from tests.agent.llm.recorded import RECORDED, Score, load_recorded, measure, prompts_sent
from tests.agent.understand.labelled import (
    FOLLOWUPS,
    HELDOUT,
    HELDOUT_BATCHES,
    UNSEEN,
    Item,
    load_items,
)
from tests.fakes.openai_server import FakeOpenAI

SETS = {
    "held-out": (HELDOUT, *HELDOUT_BATCHES),
    "follow-ups": (FOLLOWUPS,),
    "unseen": UNSEEN,
}


def labelled_sets(names: Sequence[str] = tuple(SETS)) -> list[tuple[str, list[Item]]]:
    return [(name, [item for path in SETS[name] for item in load_items(path)]) for name in names]


async def _run(
    layer: SemanticLayer, recorded: dict[str, str], names: Sequence[str]
) -> tuple[list[Score], FakeOpenAI]:
    with FakeOpenAI() as fake:
        fake.replay(recorded)
        scores = await measure(labelled_sets(names), layer, fake)
    return scores, fake


def report(scores: Sequence[Score], fake: FakeOpenAI, recorded: int) -> None:
    print(f"recorded replies: {recorded}; prompts sent: {len(fake.requests)}; ", end="")
    print(f"without a recording: {len(set(fake.unrecorded))}")
    head = f"{'set':<11} {'items':>6} {'consulted':>9} {'changed':>8} {'rules only':>17} "
    print(head + f"{'rules + model':>17} {'out of scope refused r / r+m':>30}")
    for s in scores:
        refused = f"{s.rules_refused}/{s.out_of_scope} / {s.with_model_refused}/{s.out_of_scope}"
        print(
            f"{s.name:<11} {s.items:>6} {s.consulted:>9} {s.changed:>8} "
            f"{s.rules_right:>6} ({s.rules_right / s.items:>6.1%}) "
            f"{s.with_model_right:>6} ({s.with_model_right / s.items:>6.1%}) {refused:>30}"
        )
    for s in scores:
        if s.name == "unseen":
            # Its texts stay unread until a session uses it for fixes: counts only.
            print(f"  [unseen] {len(s.fixed)} fixed, {len(s.broken)} broken (texts not shown)")
            continue
        for text in s.fixed:
            print(f"  fixed  [{s.name}] {text!r}")
        for text in s.broken:
            print(f"  BROKEN [{s.name}] {text!r}")


async def _record(prompts: list[dict], base_url: str, model: str, api_key: str) -> int:
    """Ask the endpoint each prompt and keep each reply as it comes, so a failure midway
    loses none of those already recorded; the number recorded."""
    import openai

    client = openai.AsyncOpenAI(api_key=api_key, base_url=base_url)
    done = 0
    try:
        for prompt in prompts:
            body = {**prompt["body"], "model": model}
            try:
                response = await client.chat.completions.create(**body)
            except openai.APIError as error:
                print(f"stopped after {done} replies: {base_url} answered {error!r}")
                break
            _append({prompt["key"]: response.choices[0].message.content or ""}, model)
            done += 1
    finally:
        await client.close()
    return done


def _append(replies: dict[str, str], by: str) -> None:
    stamp = dt.date.today().isoformat()
    with RECORDED.open("a") as out:
        for key, reply in replies.items():
            out.write(json.dumps({"key": key, "reply": reply, "by": by, "on": stamp}) + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="understanding through the LLM path")
    parser.add_argument("--export", type=Path, help="write the prompts Scout sends (JSONL)")
    parser.add_argument("--record", metavar="BASE_URL", help="record missing replies from here")
    parser.add_argument("--model", default="gpt-4o-mini")
    parser.add_argument("--import", dest="imported", type=Path, help="add replies (JSONL)")
    parser.add_argument("--by", default="", help="who or what gave the imported replies")
    parser.add_argument("--sets", nargs="+", choices=tuple(SETS), default=tuple(SETS))
    args = parser.parse_args(argv)
    layer = load_semantic()
    recorded = load_recorded()
    if args.imported:
        rows = [json.loads(x) for x in args.imported.read_text().splitlines() if x.strip()]
        if bad := [i for i, r in enumerate(rows, 1) if not {"key", "reply"} <= set(r)]:
            print(f"{args.imported}: lines {bad[:5]} lack a key or a reply; nothing imported")
            return 2
        _append({r["key"]: r["reply"] for r in rows if r["key"] not in recorded}, args.by)
        recorded = load_recorded()
    scores, fake = asyncio.run(_run(layer, recorded, args.sets))
    missing = [p for p in prompts_sent(fake) if p["key"] not in recorded]
    if args.export:
        with args.export.open("w") as out:
            for prompt in prompts_sent(fake):
                out.write(json.dumps({"key": prompt["key"], "messages": prompt["messages"]}))
                out.write("\n")
        print(f"wrote {len(prompts_sent(fake))} prompts to {args.export}")
        return 0
    if args.record:
        api_key = os.environ.get("OPENAI_API_KEY", "")
        if not api_key:
            print("--record needs OPENAI_API_KEY set to a key for that endpoint")
            return 2
        print(f"recording {len(missing)} replies from {args.record} ({args.model})")
        done = asyncio.run(_record(missing, args.record, args.model, api_key))
        print(f"recorded {done} of {len(missing)}")
        recorded = load_recorded()
        scores, fake = asyncio.run(_run(layer, recorded, args.sets))
    report(scores, fake, len(recorded))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
