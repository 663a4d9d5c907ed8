"""Drill-down: is a chosen segment the cause, or is it one child of it?

The search scores a segment against its siblings, so a child whose siblings are few or noisy
can lose to its parent even when the parent's whole change sits in that child. The ripple
effect (HotSpot, Squeeze) says how to tell them apart: if the parent is the cause, every child
moves by a similar relative amount, so the parent's change is spread over its children in
proportion to their size and the rest of the parent moves too; if one child is the cause, that
child carries the parent's change and the rest of the parent does not move of its own.

So for a segment R of k dimensions and each other dimension d, R's deviation is split over its
children R∧{d=v}; a child that carries at least `share` of it, and leaves a rest (R minus the
child) that shows no change of its own by `rest_quiet`, replaces R. Then once more from the
child, up to `max_dims` dimensions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from agent.analyses.rca.cuboids import Lattice

# Two refinements at most: a one-dimension cause can become a three-dimension one.
MAX_STEPS = 2


def drill_down(
    lattice: Lattice,
    where: Mapping[str, str],
    actual: np.ndarray,
    expected: np.ndarray,
    rest_quiet: Callable[[np.ndarray], bool],
    *,
    share: float,
    max_dims: int,
) -> dict[str, str]:
    """The child of `where` that holds its deviation (actual − expected), else `where` itself.

    `rest_quiet(mask)` says whether the leaves in `mask` show no change of their own.
    """
    current = dict(where)
    mask = lattice.mask(current)
    deviation = actual - expected
    for _ in range(MAX_STEPS):
        if len(current) >= max_dims:
            break
        moved = float(deviation[mask].sum())
        if moved == 0:
            break
        candidates: list[tuple[float, int, int, np.ndarray]] = []
        for d, name in enumerate(lattice.dims):
            if name in current:
                continue
            codes = lattice.leaf_codes[:, d]
            n_values = len(lattice.uniques[d])
            if n_values < 2:
                continue
            per_value = np.bincount(codes[mask], weights=deviation[mask], minlength=n_values)
            for value in map(int, np.flatnonzero(per_value / moved >= share)):
                child = mask & (codes == value)
                rest = mask & ~child
                if not rest.any() or not rest_quiet(rest):
                    continue
                # Among children that pass, the tightest holder of the change wins (the
                # search's own score: squared deviation over expected size).
                size = max(abs(float(expected[child].sum())), 1e-12)
                candidates.append((float(per_value[value]) ** 2 / size, d, value, child))
        if not candidates:
            break
        _, best_d, best_value, mask = max(candidates, key=lambda c: c[0])
        current[lattice.dims[best_d]] = lattice.uniques[best_d][best_value]
    # The engine names segments in the order of the dimensions given.
    return {name: current[name] for name in lattice.dims if name in current}
