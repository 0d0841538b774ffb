"""MinHash permutations and LSH banding computed without datasketch agree with datasketch bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from datasketch import MinHash
from datasketch.lsh import _optimal_param

from cleaner.dedup.params import affine32_permutations, optimal_bands


@pytest.mark.parametrize(("num_perm", "seed"), [(128, 1), (16, 0), (256, 7), (1024, 12345)])
def test_permutations_are_datasketchs(num_perm, seed):
    a, b = affine32_permutations(num_perm, seed)
    expected_a, expected_b = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
    assert a.dtype == b.dtype == np.uint32
    assert np.array_equal(a, expected_a) and np.array_equal(b, expected_b)


@pytest.mark.parametrize("threshold", [0.1, 0.5, 0.8, 0.9])
@pytest.mark.parametrize("num_perm", [33, 128])
@pytest.mark.parametrize(("fp", "fn"), [(0.5, 0.5), (0.1, 0.9)])
def test_optimal_bands_are_datasketchs(threshold, num_perm, fp, fn):
    assert optimal_bands(threshold, num_perm, fp, fn) == _optimal_param(threshold, num_perm, fp, fn)
