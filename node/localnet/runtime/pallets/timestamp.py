"""pallet_timestamp (the `set` inherent) and pallet_aura's slot bookkeeping."""

from __future__ import annotations

from typing import TYPE_CHECKING

from node.localnet.hashing import compact, decode_compact
from node.localnet.runtime.pallet import BlockContext, CallContext, DispatchError, Pallet, Weight
from node.localnet.runtime.state import State

if TYPE_CHECKING:
    from node.localnet.genesis import GenesisConfig


class Timestamp(Pallet):
    """Timestamp.Now is set once per block by the `set` inherent (extrinsic 0 of every block)."""

    name = "Timestamp"
    weights = {"set": Weight(10_000_000)}

    def call_set(self, ctx: CallContext, now: int) -> None:
        """Inherent: record the block's timestamp (ms)."""
        ctx.ensure_none()
        if ctx.state.get("Timestamp", "DidUpdate"):
            raise DispatchError("Other")
        ctx.state.set("Timestamp", "Now", value=int(now))
        ctx.state.set("Timestamp", "DidUpdate", value=True)

    def on_finalize(self, block: BlockContext) -> None:
        """DidUpdate is taken at the end of each block."""
        block.state.remove("Timestamp", "DidUpdate")


class Aura(Pallet):
    """Aura's CurrentSlot follows the PreRuntime digest; authorities are set at genesis."""

    name = "Aura"

    def on_initialize(self, block: BlockContext) -> None:
        """CurrentSlot = timestamp / SlotDuration (the same slot the digest carries)."""
        block.state.set("Aura", "CurrentSlot", value=block.timestamp_ms // self.runtime.slot_duration_ms)

    def build_genesis(self, state: State, config: GenesisConfig) -> None:
        """Alice authors every block."""
        state.set("Aura", "Authorities", value=[config.authority])


class Grandpa(Pallet):
    """Only genesis authorities; finality is decided by the Chain (finality_lag)."""

    name = "Grandpa"

    def build_genesis(self, state: State, config: GenesisConfig) -> None:
        """One GRANDPA authority with weight 1."""
        state.set("Grandpa", "Authorities", value=[(config.grandpa_authority, 1)])


class RandomnessCollectiveFlip(Pallet):
    """pallet_insecure_randomness_collective_flip: a ring of the last 81 parent hashes."""

    name = "RandomnessCollectiveFlip"
    RING = 81

    def on_initialize(self, block: BlockContext) -> None:
        """RandomMaterial[(n - 1) % 81] = parent hash (edited as raw bytes: a Vec of 32-byte hashes)."""
        state = block.state
        key = state.key("RandomnessCollectiveFlip", "RandomMaterial")
        raw = state.get_raw(key) or b"\x00"
        count, off = decode_compact(raw, 0)
        hashes = [raw[off + 32 * i : off + 32 * (i + 1)] for i in range(count)]
        index = (block.number - 1) % self.RING
        if index < len(hashes):
            hashes[index] = block.parent_hash
        else:
            hashes.append(block.parent_hash)
        state.set_raw(key, compact(len(hashes)) + b"".join(hashes))
