"""Random streams: pinned derivation, append-only ids, reproducibility, independence, no seed arithmetic."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats as st

from simulator import rng as R

PINNED_IDS = {
    "arrivals": 1, "call_types": 2, "patience": 3, "handle_time": 4, "decisions": 5,
    "redials": 6, "repeats": 7, "agents": 8, "selection": 9, "design": 10,
}
"""Stream ids as released. STREAM_ID is append-only: these integers may never change."""

PINNED_RAW = {
    # (seed, replication, name, *extra): first three 64-bit outputs of the PCG64 bit generator
    (1, 0, "arrivals"): (0x91838668EEC1F582, 0xCDCC0D060CAB85EA, 0xD3634B837953DA1B),
    (1, 0, "arrivals", 3): (0xF7C5C0CDBBEA0CD8, 0x3A683A2F5092FCA9, 0x119CCEA7E77F2E0D),
    (2024, 5, "decisions"): (0xD2A4BE0D37F6A8AC, 0x6FB2F4132119B498, 0xC17B7D49260E2CC1),
    (7, 1, "selection"): (0x247162388995A373, 0xDCA61672D978C601, 0x37132CB1429D23C8),
}
"""Golden outputs of ``SeedSequence(seed, spawn_key=(replication, STREAM_ID[name], *extra))``.

Regenerate only on purpose (a deliberate change of derivation moves every result) and say why
in the commit."""


def raw(key: tuple[int | str, ...], n: int) -> np.ndarray:
    """The first ``n`` raw 64-bit outputs of stream ``key`` = (seed, replication, name, *extra)."""
    seed, replication, name, *extra = key
    return R.stream(int(seed), int(replication), str(name), *map(int, extra)).bit_generator.random_raw(n)


def test_stream_ids_are_append_only() -> None:
    assert {k: R.STREAM_ID[k] for k in PINNED_IDS} == PINNED_IDS
    assert len(set(R.STREAM_ID.values())) == len(R.STREAM_ID), "an id is reused"
    newer = set(R.STREAM_ID) - set(PINNED_IDS)
    assert all(R.STREAM_ID[k] > max(PINNED_IDS.values()) for k in newer), "new streams must take new ids"


@pytest.mark.parametrize("key", list(PINNED_RAW), ids=lambda k: "-".join(map(str, k)))
def test_spawn_keys_are_stable(key: tuple[int | str, ...]) -> None:
    assert tuple(int(v) for v in raw(key, 3)) == PINNED_RAW[key]
    # Generator.random maps a raw output x to (x >> 11) * 2**-53: the uniforms are pinned too.
    seed, replication, name, *extra = key
    u = R.stream(int(seed), int(replication), str(name), *map(int, extra)).random(3)
    assert u.tolist() == [(x >> 11) * 2.0**-53 for x in PINNED_RAW[key]]


def test_same_key_same_sequence_and_blocks_are_fixed() -> None:
    a = R.stream(3, 2, "redials", 7).random(1000)
    b = R.stream(3, 2, "redials", 7).random(1000)
    assert np.array_equal(a, b)
    # UniformBlocks hands out BLOCK_SIZE-uniform blocks in order, across a refill.
    assert R.BLOCK_SIZE == 4096
    blocks = R.UniformBlocks(R.stream(3, 2, "redials", 7))
    got = [blocks.next() for _ in range(R.BLOCK_SIZE + 10)]
    ref = R.stream(3, 2, "redials", 7)
    expected = np.concatenate([ref.random(R.BLOCK_SIZE), ref.random(R.BLOCK_SIZE)[:10]])
    assert got == expected.tolist()


# Keys that arithmetic derivations (seed + replication, replication + stream id, day + replication, a
# missing day) would merge, plus every named stream of one replication.
CONFUSABLE = [
    (1, 1, "arrivals"), (2, 0, "arrivals"), (0, 2, "arrivals"),  # seed + replication
    (1, 0, "call_types"), (1, 1, "arrivals", 0), (1, 0, "arrivals", 1),  # replication + id, day vs replication
    (1, 0, "arrivals", 0), (1, 0, "arrivals", 2), (1, 2, "arrivals", 0),  # days and replications of a per-day stream
    (1, 0, "arrivals"),  # no day at all
    *[(1, 0, name) for name in PINNED_IDS if name not in ("arrivals", "call_types")],
]


def test_no_stream_overlaps_another() -> None:
    """Distinct keys never share output: no seed arithmetic, no overlapping sub-streams.

    Among M = 18 streams of 20,000 raw 64-bit outputs, the chance that two independent streams
    share any value is about (M x 20,000)^2 / 2 / 2^64 = 3.5e-9, so any shared value means that
    two keys map to the same (or a shifted) PCG64 sequence, e.g. ``seed + replication``.
    """
    assert len(set(CONFUSABLE)) == len(CONFUSABLE) == 18
    seen: dict[int, tuple[int | str, ...]] = {}
    for key in CONFUSABLE:
        for v in raw(key, 20_000).tolist():
            assert v not in seen, f"{key} repeats output of {seen[v]}"
            seen[v] = key
    assert R.stream(1, 1, "arrivals").random() != R.stream(2, 0, "arrivals").random()


def test_streams_are_uncorrelated() -> None:
    """Pairwise Pearson correlation of n = 20,000 uniforms from distinct keys stays within its null bound.

    For independent streams sqrt(n) r is asymptotically N(0, 1) (n = 20,000: the normal limit is
    excellent). With m = 153 pairs + 18 lag-1 autocorrelations and a family error rate of 0.001,
    Bonferroni gives |r| <= z(1 - 0.001 / (2 m)) / sqrt(n) = 4.53 / 141.4 = 0.032. A shared stream
    gives r = 1, a partly shared one r near the shared fraction.
    """
    n = 20_000
    u = {key: R.stream(int(key[0]), int(key[1]), str(key[2]), *map(int, key[3:])).random(n) for key in CONFUSABLE}
    pairs = list(itertools.combinations(u, 2))
    bound = st.norm.ppf(1 - 0.001 / (2 * (len(pairs) + len(u)))) / math.sqrt(n)
    for a, b in pairs:
        r = np.corrcoef(u[a], u[b])[0, 1]
        assert abs(r) <= bound, (a, b, r)
    for key, x in u.items():
        assert abs(np.corrcoef(x[:-1], x[1:])[0, 1]) <= bound, key  # serial independence within a stream
