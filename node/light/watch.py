"""Watchtower: alerts about the user's keys, derived from verified epoch snapshots and storage.

* ``coldkey_swap`` -- a coldkey swap was announced for a watched coldkey (someone may be taking it).
* ``stake_leaving`` -- a hotkey the user owns lost more than ``LEAVING_PCT`` % of its stake since
  the subnet's previous epoch.
* ``dereg_risk`` -- a hotkey the user owns is among the lowest-emission uids of its subnet, the
  ones pruned first when a new neuron registers.
* ``take_increase`` -- a validator the user stakes with raised its take.
"""

from __future__ import annotations

from dataclasses import dataclass

from node.light.snapshot import EpochSnapshot

LEAVING_PCT = 10
DEREG_QUANTILE = 0.05


@dataclass(frozen=True)
class Alert:
    """One watchtower alert."""

    block: int
    kind: str
    subject: str
    """The key concerned (hex) and where, e.g. ``<hotkey>@<netuid>``."""
    detail: str

    def row(self) -> dict[str, object]:
        """The ``alerts`` table row (id assigned by SQLite)."""
        return {"block": self.block, "kind": self.kind, "subject": self.subject, "detail": self.detail}


def epoch_alerts(snap: EpochSnapshot, prev: EpochSnapshot | None, coldkeys: tuple[bytes, ...],
                 staked_hotkeys: set[bytes]) -> list[Alert]:
    """Alerts from one subnet epoch for the watched ``coldkeys``.

    Args:
        snap: this epoch.
        prev: the subnet's previous epoch snapshot (None for the first one synced).
        coldkeys: watched coldkeys.
        staked_hotkeys: hotkeys the watched coldkeys stake with (for take increases).
    """
    watched = {c.hex() for c in coldkeys}
    owners = snap.context.get("owners", [])
    takes = snap.context.get("takes", [])
    prev_uid = {h: i for i, h in enumerate(prev.hotkeys)} if prev else {}
    out: list[Alert] = []
    emissions = snap.outputs.get("emission", [])
    ranked = sorted(range(len(emissions)), key=lambda u: (emissions[u], u))
    risky = set(ranked[: max(1, int(len(ranked) * DEREG_QUANTILE))]) if ranked else set()
    for uid, hk in enumerate(snap.hotkeys):
        where = f"{hk}@{snap.netuid}"
        owned = uid < len(owners) and owners[uid] in watched
        j = prev_uid.get(hk)
        if owned and prev is not None and j is not None:
            before, now = prev.alpha_stake[j], snap.alpha_stake[uid]
            if before > 0 and (before - now) * 100 > before * LEAVING_PCT:
                out.append(Alert(snap.block, "stake_leaving", where,
                                 f"stake fell from {before} to {now} rao alpha since block {prev.block}"))
        if owned and uid in risky and prev is not None:  # no verdict from a subnet's first epoch
            out.append(Alert(snap.block, "dereg_risk", where,
                             f"uid {uid} emission {emissions[uid]} is in the lowest "
                             f"{int(DEREG_QUANTILE * 100)}% of subnet {snap.netuid}"))
        if bytes.fromhex(hk) in staked_hotkeys and prev is not None and j is not None:
            old_take = prev.context.get("takes", [])[j] if j < len(prev.context.get("takes", [])) else None
            if old_take is not None and uid < len(takes) and takes[uid] > old_take:
                out.append(Alert(snap.block, "take_increase", where,
                                 f"take raised from {old_take * 100 / 65535:.2f}% to {takes[uid] * 100 / 65535:.2f}%"))
    return out


def swap_alerts(block: int, announcements: dict[bytes, object]) -> list[Alert]:
    """Alerts for coldkey swap announcements present on chain for watched coldkeys.

    Args:
        block: the verified block the announcements were read (with proofs) at.
        announcements: ``ColdkeySwapAnnouncements[coldkey]`` per watched coldkey, decoded: None when
            absent, else ``(when, new_coldkey_hash)`` -- the first block the swap may execute and the
            blake2-256 hash of the announced new coldkey.

    The detail names the announcement (block and hash), so the same announcement seen at later
    epochs or after a restart is recognised as already reported; a re-announcement differs.
    """
    return [Alert(block, "coldkey_swap", ck.hex(), describe_announcement(value))
            for ck, value in announcements.items() if value is not None]


def describe_announcement(value: object) -> str:
    """The alert text for one decoded ``(when, hash)`` announcement (anything else is shown as is)."""
    if isinstance(value, list | tuple) and len(value) == 2 and isinstance(value[0], int):
        when, digest = value
        text = digest.hex() if isinstance(digest, bytes | bytearray) else str(digest).removeprefix("0x")
        return (f"coldkey swap announced to new coldkey hash 0x{text}: it can execute from block {when}; "
                f"if you did not announce it, dispute it (dispute_coldkey_swap) before then")
    return f"coldkey swap announced: {value!r}"
