"""Is a segment's run news for the segment itself?

A segment judged against its siblings' store-wide index, or against a level it held only for
the last few weeks, can look unusual when nothing happened to it:

- a surge elsewhere moves the index: during a Midwest ticket surge that hit delivery and
  refunds six-fold, account tickets (12 a day, as ever) read "down: 14.5/day vs 29.4
  expected", and while mobile revenue fell, a desktop cell's ordinary Saturday read as a
  spike against an expectation that no day of its own history came near;
- the end of an incident: Midwest tickets back at 15 a day after a month at 140 read "down
  since Aug 13: 15/day vs 136 expected".

A person would not raise either. Two checks, on the segment's own numbers, decide it:

- `own_history_agrees`: with an index, the segment's run must also stand out against its own
  history alone, in the same direction; on a retail holiday, against its own history scaled
  by what the day did to the whole store (segments.py);
- `back_to_settled`: a run whose days sit at the level the segment held over the last three
  months, while its expectation is far from that level, is a return to normal, not news.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta

import numpy as np
import pandas as pd

from agent.analyses.anomaly.daily import DayCheck
from agent.analyses.anomaly.runs import Run
from agent.analyses.stats import robust_scale

# Against its own history alone (the store's ordinary swings included), a segment's run is
# confirmed beyond this combined z.
OWN_Z = 2.5
# The settled level: each weekday's median over this many days before the run.
SETTLED_DAYS = 91
MIN_SETTLED_DAYS = 28
# An expectation this many ordinary daily spreads from the settled level is itself a shift.
SHIFTED_SPREADS = 2.0


def own_history_agrees(run: Run, own: Sequence[DayCheck], *, bar: float = OWN_Z) -> bool:
    """Whether the run's days, judged on the segment's own history, deviate its way by `bar`."""
    end = run.start + timedelta(days=run.days)
    zs = [c.z for c in own if run.start <= c.day < end and math.isfinite(c.z)]
    if not zs:
        return True  # too little history of its own to overrule the index
    combined = sum(zs) / math.sqrt(len(zs))
    return combined * math.copysign(1.0, run.z) >= bar


def back_to_settled(run: Run, values: pd.Series) -> bool:
    """Whether the run sits at the segment's settled level and its expectation does not.

    `values` is the segment's daily value (a rate for a ratio metric) by date. The settled
    level is each weekday's median over the `SETTLED_DAYS` before the run: a month-long
    surge inside them does not move it, while the expectation (the last three weeks' level)
    follows the surge.
    """
    start = pd.Timestamp(run.start)
    since = start - pd.Timedelta(days=SETTLED_DAYS)
    window = values[(values.index < start) & (values.index >= since)]
    window = window[np.isfinite(window) & (window > 0)]
    if len(window) < MIN_SETTLED_DAYS or run.actual <= 0 or run.expected <= 0:
        return False
    logs = np.log(window.astype(float))
    weekday = window.index.day_of_week
    usual = logs.groupby(weekday).median()
    # Day-to-day noise from consecutive days' differences: a month-long surge inside the
    # window shifts the level, not the differences, so it does not pass for noise.
    deseasoned = (logs - usual.reindex(weekday).to_numpy()).to_numpy()
    spread = robust_scale(np.diff(deseasoned)) / math.sqrt(2.0)
    run_weekdays = pd.date_range(start, periods=run.days, freq="D").day_of_week
    if not set(run_weekdays) <= set(usual.index) or not math.isfinite(spread):
        return False
    settled = float(np.mean(np.exp(usual.reindex(run_weekdays).to_numpy())))
    actual = math.log(run.actual / settled)
    expected = math.log(run.expected / settled)
    shifted = abs(expected) > SHIFTED_SPREADS * max(spread, 0.01)
    return shifted and abs(actual) < abs(expected) / 2
