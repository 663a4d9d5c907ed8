"""explain_change / explain_ratio_change: from leaf rows to the few segments behind a change."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from agent.analyses.rca.cuboids import Lattice, build_lattice
from agent.analyses.rca.decompose import ratio_parts
from agent.analyses.rca.drill import drill_down
from agent.analyses.rca.model import NoiseModel, RCAResult, SearchParams, describe_where
from agent.analyses.rca.noise import confidence, judge
from agent.analyses.rca.search import LeafNoise, Pick, greedy_search
from agent.analyses.stats import (
    successes_of_trials,
    two_proportion_p,
    two_proportion_z,
    two_sided_z,
)
from agent.domain import RootCause
from agent.errors import UserError

_IPF_ROUNDS = 6


def explain_change(
    leaves: pd.DataFrame,
    dims: Sequence[str],
    *,
    baseline: str,
    current: str,
    max_causes: int = 3,
    noise: NoiseModel | None = None,
    params: SearchParams | None = None,
) -> RCAResult:
    """Explain the change of an additive measure (sum of `current` vs sum of `baseline`)."""
    _check(leaves, dims, [baseline, current])
    params = params or SearchParams.for_periods()
    base = _numbers(leaves[baseline])
    cur = _numbers(leaves[current])
    total_b, total_c = float(base.sum()), float(cur.sum())
    change = total_c - total_b
    verdict = judge(change, total_b, noise)
    if verdict.within or change == 0 or not dims:
        return _empty(total_b, total_c, verdict.within, verdict.reason, "additive")
    lattice = build_lattice(leaves, dims, params.max_dims)
    picks, noise_model = greedy_search(lattice, cur, base, params, max_causes)
    picks, refined = _refine(
        lattice, picks, cur, base, _quiet_by_noise(noise_model, cur, base, params), params
    )
    causes = []
    for pick in picks:
        seg = lattice.mask(pick.where)
        b, c = float(base[seg].sum()), float(cur[seg].sum())
        causes.append(
            RootCause(
                where=pick.where, baseline=b, current=c, change=c - b, explains=(c - b) / change
            )
        )
    union = _union(picks, len(leaves))
    explained = float(cur[union].sum() - base[union].sum()) / change
    return RCAResult(
        root_causes=_ranked(causes),
        total_baseline=total_b,
        total_current=total_c,
        total_change=change,
        explained=explained,
        within_noise=False,
        noise_reason=verdict.reason,
        confidence=confidence(explained, verdict.z),
        kind="additive",
        refined=refined,
    )


def explain_ratio_change(
    leaves: pd.DataFrame,
    dims: Sequence[str],
    *,
    num_base: str,
    den_base: str,
    num_cur: str,
    den_cur: str,
    max_causes: int = 3,
    noise: NoiseModel | None = None,
    counts: bool = True,
    params: SearchParams | None = None,
) -> RCAResult:
    """Explain the change of a ratio metric Σnum / Σden, split into rate and mix effects.

    The search looks for segments whose own rate moved (current numerator against current
    denominator × the segment's baseline rate), then for segments whose share of the
    denominator moved enough to matter (mix). With `counts`, each cause gets a
    two-proportion z-test p-value in `significance`.
    """
    _check(leaves, dims, [num_base, den_base, num_cur, den_cur])
    params = params or SearchParams.for_periods()
    nb, db = _numbers(leaves[num_base]), _numbers(leaves[den_base])
    nc, dc = _numbers(leaves[num_cur]), _numbers(leaves[den_cur])
    totals = (float(nb.sum()), float(db.sum()), float(nc.sum()), float(dc.sum()))
    if totals[1] <= 0 or totals[3] <= 0:
        raise UserError("The denominator sums to zero in one period, so the ratio is undefined.")
    r_base, r_cur = totals[0] / totals[1], totals[2] / totals[3]
    change = r_cur - r_base
    count_z = two_proportion_z(*totals) if counts else None
    verdict = judge(change, r_base, noise, count_z=count_z)
    if verdict.within or change == 0 or not dims:
        return _empty(r_base, r_cur, verdict.within, verdict.reason, "ratio")
    lattice = build_lattice(leaves, dims, params.max_dims)
    # Rate: a leaf's expected numerator if its own (shrunk) rate had not moved.
    m = params.prior_weight
    prior = _main_effects_rate(lattice, nb, db, r_base, m) if params.main_effects_prior else r_base
    leaf_rate = (nb + m * prior) / (db + m)
    expected = dc * leaf_rate
    picks, noise_model = greedy_search(lattice, nc, expected, params, max_causes)
    quiet = (
        _quiet_by_counts(nb, db, nc, dc, params)
        if successes_of_trials(nb, db) and successes_of_trials(nc, dc)
        else _quiet_by_noise(noise_model, nc, expected, params)
    )
    picks, refined = _refine(lattice, picks, nc, expected, quiet, params)
    # Mix: where the denominator moved away from its overall growth.
    growth = totals[3] / totals[1]
    mix_picks, _ = greedy_search(lattice, dc, db * growth, params, max_causes)
    causes: list[RootCause] = []
    significance: dict[str, float] = {}
    chosen: list[Pick] = []
    for pick, is_mix in [(p, False) for p in picks] + [(p, True) for p in mix_picks]:
        if any(p.where == pick.where for p in chosen):
            continue
        seg = lattice.mask(pick.where)
        sums = (
            float(nb[seg].sum()),
            float(db[seg].sum()),
            float(nc[seg].sum()),
            float(dc[seg].sum()),
        )
        parts = ratio_parts(*sums, totals=totals)
        # A traffic shift is a cause only if it moved the metric the way it went, noticeably.
        if is_mix and (parts.mix_effect / change < 0.1 or len(causes) >= max_causes):
            continue
        chosen.append(pick)
        causes.append(
            RootCause(
                where=pick.where,
                baseline=parts.rate_base,
                current=parts.rate_cur,
                change=parts.rate_cur - parts.rate_base,
                explains=parts.contribution / change,
                rate_effect=parts.rate_effect,
                mix_effect=parts.mix_effect,
            )
        )
        if counts:
            significance[describe_where(pick.where)] = two_proportion_p(*sums)
    union = _union(chosen, len(leaves))
    u = (
        float(nb[union].sum()),
        float(db[union].sum()),
        float(nc[union].sum()),
        float(dc[union].sum()),
    )
    explained = ratio_parts(*u, totals=totals).contribution / change if chosen else 0.0
    return RCAResult(
        root_causes=_ranked(causes),
        total_baseline=r_base,
        total_current=r_cur,
        total_change=change,
        explained=explained,
        within_noise=False,
        noise_reason=verdict.reason,
        confidence=confidence(explained, verdict.z),
        significance=significance,
        kind="ratio",
        refined={
            k: v for k, v in refined.items() if any(describe_where(p.where) == k for p in chosen)
        },
    )


def _refine(
    lattice: Lattice,
    picks: list[Pick],
    actual: np.ndarray,
    expected: np.ndarray,
    rest_quiet: Callable[[np.ndarray], bool],
    params: SearchParams,
) -> tuple[list[Pick], dict[str, dict[str, str]]]:
    """Each pick, or the child that carries its deviation (drill.py); and what was narrowed."""
    if params.drill_share is None:
        return picks, {}
    out: list[Pick] = []
    refined: dict[str, dict[str, str]] = {}
    for pick in picks:
        where = drill_down(
            lattice,
            pick.where,
            actual,
            expected,
            rest_quiet,
            share=params.drill_share,
            max_dims=params.max_dims,
        )
        if where == pick.where:
            out.append(pick)
            continue
        codes = {
            lattice.dims.index(d): lattice.uniques[lattice.dims.index(d)].index(v)
            for d, v in where.items()
        }
        refined[describe_where(where)] = dict(pick.where)
        mask = lattice.mask(where) & pick.mask
        out.append(Pick(where=where, codes=codes, mask=mask, score=pick.score))
    return out, refined


def _quiet_by_noise(
    noise: LeafNoise, actual: np.ndarray, expected: np.ndarray, params: SearchParams
) -> Callable[[np.ndarray], bool]:
    """Rest test on the search's own leaf noise model (for sums and general ratios)."""
    limit = two_sided_z(params.drill_alpha)
    return lambda rest: abs(noise.z(actual, expected, rest)) < limit


def _quiet_by_counts(
    nb: np.ndarray, db: np.ndarray, nc: np.ndarray, dc: np.ndarray, params: SearchParams
) -> Callable[[np.ndarray], bool]:
    """Rest test for counts of successes over trials: its own two rates, compared."""

    def quiet(rest: np.ndarray) -> bool:
        sums = (nb[rest].sum(), db[rest].sum(), nc[rest].sum(), dc[rest].sum())
        return two_proportion_p(*map(float, sums)) >= params.drill_alpha

    return quiet


def _main_effects_rate(
    lattice: Lattice, nb: np.ndarray, db: np.ndarray, overall: float, m: float
) -> np.ndarray:
    """Each leaf's baseline rate as its single-dimension segments predict it.

    A multiplicative main-effects model fitted by iterative proportional fitting, so every
    one-dimension segment's expected baseline numerator matches its actual one (up to a
    shrinkage of `m` units of denominator). Fitting jointly matters: channels differ in
    their share of returning customers, and multiplying raw channel and customer-type rates
    would count that effect twice.
    """
    prior = np.full(len(nb), overall, dtype=float)
    if overall <= 0:
        return prior
    singles = [c for c in lattice.cuboids if len(c.dims) == 1]
    pseudo = m * overall
    for _ in range(_IPF_ROUNDS):
        for cuboid in singles:
            fitted = cuboid.sums(db * prior)
            prior *= ((cuboid.sums(nb) + pseudo) / (fitted + pseudo))[cuboid.segment_of]
    # Sparse corners can run away; keep them within reach of the data.
    return np.clip(prior, overall / 10, overall * 10)


def _check(leaves: pd.DataFrame, dims: Sequence[str], measures: Sequence[str]) -> None:
    missing = [c for c in [*dims, *measures] if c not in leaves.columns]
    if missing:
        raise UserError(
            f"Missing column(s): {', '.join(missing)}.",
            hint="Columns present: " + ", ".join(map(str, leaves.columns)),
        )
    if len(set(dims)) != len(dims):
        raise UserError("A dimension is listed twice.")


def _numbers(col: pd.Series) -> np.ndarray:
    values = pd.to_numeric(col, errors="coerce")
    if values.isna().all() and len(values):
        raise UserError(f"Column '{col.name}' holds no numbers.")
    return values.fillna(0.0).to_numpy(dtype=float)


def _union(picks: Sequence[Pick], n: int) -> np.ndarray:
    union = np.zeros(n, dtype=bool)
    for pick in picks:
        union |= pick.mask
    return union


def _ranked(causes: list[RootCause]) -> tuple[RootCause, ...]:
    return tuple(sorted(causes, key=lambda rc: -abs(rc.explains)))


def _empty(base: float, cur: float, within: bool, reason: str, kind: str) -> RCAResult:
    return RCAResult(
        root_causes=(),
        total_baseline=base,
        total_current=cur,
        total_change=cur - base,
        explained=0.0,
        within_noise=within,
        noise_reason=reason,
        confidence=0.9 if within else 0.0,
        kind="ratio" if kind == "ratio" else "additive",
    )
