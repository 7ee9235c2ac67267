"""Realized returns per 1,000 TAO per day over 1d/7d/30d windows, from the local earnings table.

Each position (hotkey, netuid) has its own epoch blocks (subnets' epochs are staggered), so returns
are stake-time weighted per position: a position whose epochs in the window fall at blocks
b_1 < ... < b_k earned the earnings of b_2..b_k over b_k - b_1 blocks while worth, on average, its
value at those epochs. The portfolio rate is the sum of those earnings over the sum of
(average value x blocks), scaled to 1,000 TAO and one day. (The earnings at b_1 belong to the
interval before it, which the window does not cover, so they count in ``earned_tao`` only.)
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

BLOCKS_PER_DAY = 7_200
"""12-second blocks (finney). The localnet seals faster; its 'days' are measured in blocks."""
WINDOWS = {"1d": 1, "7d": 7, "30d": 30}


@dataclass(frozen=True)
class RealizedReturn:
    """Return of one coldkey over one window."""

    window: str
    earned_tao: int
    """rao of TAO earned in the window."""
    avg_stake_tao: int
    """Sum over positions of each position's average value (rao of TAO) at its epochs in the window."""
    covered_blocks: int
    """Blocks of history actually covered (less than the window on a young database)."""
    per_1000_tao_per_day: int | None
    """rao of TAO earned per 1,000 TAO staked per day (None without stake or two epochs of history)."""


def realized_returns(conn: sqlite3.Connection, coldkey: bytes, tip: int) -> list[RealizedReturn]:
    """Returns of ``coldkey`` for each window ending at block ``tip``."""
    out = []
    for name, days in WINDOWS.items():
        start = max(0, tip - days * BLOCKS_PER_DAY)
        rows = conn.execute(  # u64 * price overflows SQLite integers: multiply in Python
            "SELECT hotkey, netuid, block, alpha_after, price_rao, earned_tao FROM earnings "
            "WHERE coldkey=? AND block>? ORDER BY hotkey, netuid, block", (coldkey, start)).fetchall()
        positions: dict[tuple[bytes, int], list[tuple[int, int, int]]] = {}
        for hotkey, netuid, block, alpha, price, earned in rows:
            positions.setdefault((bytes(hotkey), int(netuid)), []).append(
                (int(block), int(alpha) * int(price) // 10**9, int(earned)))
        earned_all = sum(e for epochs in positions.values() for _, _, e in epochs)
        avg_total, stake_blocks, earned_in_spans, covered = 0, 0, 0, 0
        for epochs in positions.values():
            avg = sum(v for _, v, _ in epochs) // len(epochs)
            span = epochs[-1][0] - epochs[0][0]
            avg_total += avg
            stake_blocks += avg * span
            earned_in_spans += sum(e for _, _, e in epochs[1:])
            covered = max(covered, span)
        rate = None
        if stake_blocks > 0:
            rate = earned_in_spans * 1000 * 10**9 * BLOCKS_PER_DAY // stake_blocks
        out.append(RealizedReturn(name, earned_all, avg_total, covered, rate))
    return out
