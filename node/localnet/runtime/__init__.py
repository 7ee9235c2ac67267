"""The localnet runtime: a metadata-driven pallet framework plus the generic FRAME pallets.

Writing a pallet (the subtensor helper's entry point)::

    from node.localnet.runtime import (ApiContext, BlockContext, CallContext, DispatchError, Pallet, Runtime,
                                       State, Weight, account_bytes)

    class SubtensorModule(Pallet):
        name = "SubtensorModule"                      # metadata pallet name
        weights = {"add_stake": Weight(300_000_000)}  # used for DispatchInfo and fees
        pays_no = frozenset({"set_weights"})            # Pays::No calls: no fee withdrawn

        def call_burned_register(self, ctx: CallContext, netuid: int, hotkey: str) -> None:
            coldkey = ctx.ensure_signed()                                  # 32 bytes
            hk = account_bytes(hotkey)                                     # "0x.." / ss58 / bytes -> bytes
            if not ctx.state.exists("SubtensorModule", "NetworksAdded", netuid):
                raise DispatchError.module("SubtensorModule", "SubnetNotExists")   # indices from metadata
            cost = ctx.state.get("SubtensorModule", "Burn", netuid)         # default from metadata if unset
            balances = ctx.runtime.pallets["Balances"]
            balances.withdraw(ctx.state, coldkey, cost, keep_alive=True)   # Token.FundsUnavailable if short
            ctx.state.set("SubtensorModule", "Uids", netuid, hk, value=uid)
            ctx.deposit_event("SubtensorModule", "NeuronRegistered", netuid, uid, hk)

        def on_initialize(self, block: BlockContext) -> None:   # block.number, block.state, block.timestamp_ms
            ...

        def validate_call(self, state: State, who: bytes, call: RuntimeCall) -> None:   # pool-time check
            if rate_limited(state, who, call):
                raise InvalidTransaction.custom(6)    # -> RPC 1010 "Invalid Transaction" / "Custom error: 6"

        def build_genesis(self, state: State, config: GenesisConfig) -> None:
            ...   # config.extra carries scenario data

    def get_subnets_info(ctx: ApiContext, data: bytes) -> bytes:   # SCALE in, SCALE out
        ...

    def install(runtime: Runtime) -> None:        # called by whoever builds the Chain's runtime
        runtime.add_pallet(SubtensorModule(runtime))
        runtime.register_api("SubnetInfoRuntimeApi_get_subnets_info", get_subnets_info)

    chain = Chain(db_path, installers=[install])

Semantics:
- Storage values use scalecodec's value format (structs = dicts, enums = {"Variant": value} or "Variant",
  accounts/hashes = "0x.." hex; bytes accepted on input). Map keys are positional, the value is keyword.
  `state.get_raw/set_raw/keys_raw` give byte-level access; `state.key(pallet, item, *keys)` builds keys.
- Each call runs in its own storage transaction; raising DispatchError undoes its writes and events, and
  the extrinsic records ExtrinsicFailed with that error (fees are still charged).
- A call with no `call_<name>` handler fails with System.CallFiltered: nothing unimplemented succeeds.
- Events: `ctx.deposit_event(pallet, event, *fields)` (metadata order) or with field names as keywords.
- Hooks run in metadata pallet-index order (on_finalize in reverse), after System's own bookkeeping.
"""

from __future__ import annotations

from node.localnet.metadata import RuntimeMetadata
from node.localnet.runtime.apis import register_core_apis
from node.localnet.runtime.executive import ApplyResult, Runtime, ValidTransaction
from node.localnet.runtime.pallet import (
    DEFAULT_CALL_WEIGHT,
    ApiContext,
    BlockContext,
    CallContext,
    DispatchError,
    Origin,
    Pallet,
    Weight,
    account_bytes,
)
from node.localnet.runtime.pallets.balances import Balances
from node.localnet.runtime.pallets.payment import TransactionPayment
from node.localnet.runtime.pallets.sudo import Sudo
from node.localnet.runtime.pallets.system import System
from node.localnet.runtime.pallets.timestamp import Aura, Grandpa, RandomnessCollectiveFlip, Timestamp
from node.localnet.runtime.pallets.utility import Utility
from node.localnet.runtime.state import DictBackend, State, StateBackend
from node.localnet.validity import InvalidTransaction

__all__ = [
    "DEFAULT_CALL_WEIGHT",
    "ApiContext",
    "ApplyResult",
    "BlockContext",
    "CallContext",
    "DictBackend",
    "DispatchError",
    "InvalidTransaction",
    "Origin",
    "Pallet",
    "Runtime",
    "State",
    "StateBackend",
    "ValidTransaction",
    "Weight",
    "account_bytes",
    "build_base_runtime",
]


def build_base_runtime(md: RuntimeMetadata) -> Runtime:
    """A Runtime with System, RandomnessCollectiveFlip, Timestamp, Aura, Grandpa, Balances,
    TransactionPayment, Utility and Sudo."""
    runtime = Runtime(md)
    for cls in (System, RandomnessCollectiveFlip, Timestamp, Aura, Grandpa, Balances, TransactionPayment,
                Utility, Sudo):
        runtime.add_pallet(cls(runtime))
    register_core_apis(runtime)
    return runtime
