"""Cuboids: every combination of 1..k dimensions, with each leaf mapped to its segment.

A segment is one combination of values, e.g. (region=NE, device=mobile). Mapping each leaf
to an integer segment id once lets every later sum be a single `np.bincount`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

MISSING = "(missing)"


def segment_values(column: pd.Series) -> pd.Series:
    """A dimension's values as segments are named: text, and MISSING where there is none.

    A root cause is reported as text, and "1" vs 1 must not split a segment; whatever
    selects rows by a reported segment must read the dimension this way too.
    """
    return column.astype("string").fillna(MISSING)


@dataclass(frozen=True, kw_only=True)
class Cuboid:
    """One combination of dimensions; `segment_of[leaf]` is the leaf's segment id."""

    dims: tuple[int, ...]
    segment_of: np.ndarray
    codes: np.ndarray  # (n_segments, len(dims)) value codes of each segment
    n_segments: int

    def sums(self, values: np.ndarray) -> np.ndarray:
        return np.bincount(self.segment_of, weights=values, minlength=self.n_segments)


@dataclass(frozen=True, kw_only=True)
class Lattice:
    """The dimensions of a leaf table, factorised, and all its cuboids up to `max_dims`."""

    dims: tuple[str, ...]
    leaf_codes: np.ndarray  # (n_leaves, n_dims)
    uniques: tuple[tuple[str, ...], ...]
    cuboids: tuple[Cuboid, ...]

    def where(self, cuboid: Cuboid, segment: int) -> dict[str, str]:
        return {
            self.dims[d]: self.uniques[d][int(code)]
            for d, code in zip(cuboid.dims, cuboid.codes[segment], strict=True)
        }

    def mask(self, where: dict[str, str]) -> np.ndarray:
        """Leaves inside a segment given as {dimension: value}."""
        keep = np.ones(len(self.leaf_codes), dtype=bool)
        for name, value in where.items():
            d = self.dims.index(name)
            code = self.uniques[d].index(value)
            keep &= self.leaf_codes[:, d] == code
        return keep


def build_lattice(leaves: pd.DataFrame, dims: Sequence[str], max_dims: int = 3) -> Lattice:
    """Factorise the dimensions and enumerate every cuboid of 1..max_dims dimensions."""
    codes: list[np.ndarray] = []
    uniques: list[tuple[str, ...]] = []
    for dim in dims:
        c, u = pd.factorize(segment_values(leaves[dim]), sort=True)
        codes.append(c.astype(np.int64))
        uniques.append(tuple(str(v) for v in u))
    leaf_codes = np.column_stack(codes) if codes else np.zeros((len(leaves), 0), np.int64)
    cards = [len(u) for u in uniques]
    cuboids = []
    for k in range(1, min(max_dims, len(dims)) + 1):
        for combo in combinations(range(len(dims)), k):
            key = np.zeros(len(leaves), dtype=np.int64)
            for d in combo:
                key = key * cards[d] + leaf_codes[:, d]
            present, segment_of = np.unique(key, return_inverse=True)
            seg_codes = np.empty((len(present), k), dtype=np.int64)
            rest = present.copy()
            for j in range(k - 1, -1, -1):
                seg_codes[:, j] = rest % cards[combo[j]]
                rest //= cards[combo[j]]
            cuboids.append(
                Cuboid(
                    dims=combo,
                    segment_of=segment_of.astype(np.int64),
                    codes=seg_codes,
                    n_segments=len(present),
                )
            )
    return Lattice(
        dims=tuple(dims), leaf_codes=leaf_codes, uniques=tuple(uniques), cuboids=tuple(cuboids)
    )
