"""Realized returns per 1,000 TAO per day over 1d/7d/30d windows, from the local earnings table."""

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
    """Average position value (rao of TAO) over the window's epochs."""
    covered_blocks: int
    """Blocks of history actually covered (less than the window on a young database)."""
    per_1000_tao_per_day: int | None
    """rao of TAO earned per 1,000 TAO staked per day (None without stake or history)."""


def realized_returns(conn: sqlite3.Connection, coldkey: bytes, tip: int) -> list[RealizedReturn]:
    """Returns of ``coldkey`` for each window ending at block ``tip``."""
    out = []
    for name, days in WINDOWS.items():
        start = max(0, tip - days * BLOCKS_PER_DAY)
        row = conn.execute(
            "SELECT COALESCE(SUM(earned_tao),0), MIN(block) FROM earnings WHERE coldkey=? AND block>?",
            (coldkey, start)).fetchone()
        earned, first = int(row[0]), row[1]
        stake_rows = conn.execute(  # u64 * price overflows SQLite integers: multiply in Python
            "SELECT block, alpha_after, price_rao FROM earnings WHERE coldkey=? AND block>?",
            (coldkey, start)).fetchall()
        by_block: dict[int, int] = {}
        for block, alpha, price in stake_rows:
            by_block[block] = by_block.get(block, 0) + int(alpha) * int(price) // 10**9
        avg = sum(by_block.values()) // len(by_block) if by_block else 0
        covered = 0 if first is None else min(days * BLOCKS_PER_DAY, tip - start if tip > start else 0,
                                              max(tip - int(first), 1))
        rate = None
        if avg > 0 and covered > 0:
            rate = earned * 1000 * 10**9 * BLOCKS_PER_DAY // (avg * covered)
        out.append(RealizedReturn(name, earned, avg, covered, rate))
    return out
