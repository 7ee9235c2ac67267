"""frame_system: block bookkeeping (Number, ParentHash, BlockHash, Digest, Events) and remarks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from node.localnet.hashing import blake2_256, compact
from node.localnet.runtime.pallet import BlockContext, CallContext, Pallet
from node.localnet.runtime.state import State

if TYPE_CHECKING:
    from node.localnet.genesis import GenesisConfig

GENESIS_PARENT_HASH = bytes([69]) * 32
"""frame_system's genesis writes BlockHash[0] = ParentHash = [69; 32] until block 1 overwrites it."""


class System(Pallet):
    """frame_system as the runtime's block lifecycle sees it."""

    name = "System"

    def build_genesis(self, state: State, config: GenesisConfig) -> None:
        """Genesis storage of frame_system."""
        state.set("System", "BlockHash", 0, value=GENESIS_PARENT_HASH)
        state.set("System", "ParentHash", value=GENESIS_PARENT_HASH)
        version = self.md.version
        state.set("System", "LastRuntimeUpgrade",
                  value={"spec_version": version["spec_version"], "spec_name": version["spec_name"]})
        state.set("System", "UpgradedToU32RefCount", value=True)
        state.set("System", "UpgradedToTripleRefCount", value=True)

    def start_block(self, block: BlockContext, digest: bytes) -> None:
        """frame_system::initialize: number, parent, digest; clear last block's events."""
        state = block.state
        state.set("System", "Number", value=block.number)
        state.set("System", "ParentHash", value=block.parent_hash)
        state.set("System", "BlockHash", block.number - 1, value=block.parent_hash)
        state.set_raw(state.key("System", "Digest"), digest)
        state.remove("System", "Events")
        state.remove("System", "EventCount")

    def end_block(self, block: BlockContext, extrinsic_count: int) -> None:
        """frame_system::finalize: store the block's events and weight, prune the block-hash window."""
        state = block.state
        events = self.runtime.events
        state.set_raw(state.key("System", "Events"), compact(len(events)) + b"".join(events))
        state.set("System", "EventCount", value=len(events))
        weight = self.runtime.block_weight
        state.set("System", "BlockWeight", value={
            cls: {"ref_time": weight[cls], "proof_size": 0} for cls in ("normal", "operational", "mandatory")
        })
        to_remove = block.number - self.runtime.block_hash_count - 1
        if to_remove > 0:
            state.remove("System", "BlockHash", to_remove)

    def call_remark(self, ctx: CallContext, remark: Any) -> None:
        """Make some on-chain remark (no effect)."""
        ctx.ensure_signed()

    def call_remark_with_event(self, ctx: CallContext, remark: Any) -> None:
        """Remark with a Remarked event carrying the blake2_256 of the remark."""
        who = ctx.ensure_signed()
        data = bytes.fromhex(remark[2:]) if isinstance(remark, str) and remark.startswith("0x") else (
            remark.encode() if isinstance(remark, str) else bytes(remark))
        ctx.deposit_event("System", "Remarked", who, blake2_256(data))
