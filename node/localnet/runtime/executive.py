"""The Runtime: pallet registry, call dispatch, events, transaction validation/application and block hooks.

Fee model (pallet_transaction_payment with subtensor's parameters around spec 461: LinearWeightToFee with
coeff_frac = Perbill(500_000), i.e. 0.0005 rao per picosecond of ref_time, and LengthToFee = IdentityFee;
spec 467 later halved both). Call weights are a documented per-call table, not benchmarks:
    fee = base_fee + length_fee + multiplier * weight_fee(call weight)
    weight_fee(w) = w.ref_time * WEIGHT_FEE_PERBILL / 1e9
    base_fee      = weight_fee(BlockWeights.per_class[class].base_extrinsic)       (from metadata)
    length_fee    = encoded length * LENGTH_FEE_PER_BYTE rao
    multiplier    = TransactionPayment.NextFeeMultiplier (FixedU128; 1.0 at genesis; constant)
The tip is added on top. Fees (and tips) are withdrawn before dispatch and burned (TotalIssuance falls).
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from node.localnet.block_limits import BlockLimits
from node.localnet.extrinsic import Extrinsic, ExtrinsicCodec, RuntimeCall, era_birth, era_death
from node.localnet.metadata import RuntimeMetadata
from node.localnet.runtime.pallet import (
    ApiContext,
    BlockContext,
    CallContext,
    DispatchError,
    Origin,
    Pallet,
    Weight,
)
from node.localnet.runtime.state import DictBackend, State, encode_fast
from node.localnet.validity import InvalidTransaction, MetadataDigest

log = logging.getLogger(__name__)

WEIGHT_FEE_PERBILL = 500_000
LENGTH_FEE_PER_BYTE = 1
FIXED_U128_ONE = 10**18

ApiHandler = Callable[[ApiContext, bytes], bytes]


@dataclass(frozen=True)
class ValidTransaction:
    """Outcome of validating a transaction against a state."""

    priority: int
    requires: tuple[bytes, ...]
    provides: tuple[bytes, ...]
    longevity: int
    fee: int


@dataclass(frozen=True)
class ApplyResult:
    """Outcome of applying one extrinsic in a block."""

    success: bool
    error: DispatchError | None
    fee: int


class Runtime:
    """Metadata-driven runtime: pallets by metadata name, events and dispatch.

    Block lifecycle (driven by the Chain): ``initialize_block`` → ``apply_extrinsic``* → ``finalize_block``.
    """

    def __init__(self, md: RuntimeMetadata) -> None:
        self.md = md
        self.codec = ExtrinsicCodec(md)
        self.pallets: dict[str, Pallet] = {}
        self.apis: dict[str, ApiHandler] = {}
        self.events: list[bytes] = []
        self._phase = b""
        phase_type = md.storage_entry("System", "ExecutionPhase").value_type
        self._phase_index = {v["name"]: v["index"] for v in md.types[phase_type]["def"]["variant"]["variants"]}
        self.block_weight = {"normal": 0, "operational": 0, "mandatory": 0}
        weights = md.constant("System", "BlockWeights")
        self._base_extrinsic = {
            cls: int(v["base_extrinsic"]["ref_time"]) for cls, v in weights["per_class"].items()
        }
        self.existential_deposit = int(md.constant("Balances", "ExistentialDeposit"))
        self.block_hash_count = int(md.constant("System", "BlockHashCount"))
        self.operational_fee_multiplier = int(md.constant("TransactionPayment", "OperationalFeeMultiplier"))
        self.slot_duration_ms = int(md.constant("Aura", "SlotDuration"))
        self.block_limits = BlockLimits.from_metadata(md)
        self.genesis_hash = b"\x00" * 32
        self.block_hash_of: Callable[[int], bytes | None] = lambda n: None
        self.metadata_digest = MetadataDigest(self._served_metadata_v15, int(md.version["spec_version"]),
                                              str(md.version["spec_name"]))
        """CheckMetadataHash's digest of the V15 metadata served by `Metadata_metadata_at_version(15)`."""

    def _served_metadata_v15(self) -> bytes | None:
        """The V15 metadata this runtime serves (the `Option<OpaqueMetadata>` of its runtime API), or None."""
        handler = self.apis.get("Metadata_metadata_at_version")
        if handler is None:
            return None
        answer = handler(ApiContext(self, State(self.md, DictBackend()), 0, self.genesis_hash),
                         (15).to_bytes(4, "little"))
        return answer if answer[:1] == b"\x01" else None

    # ---- registry ------------------------------------------------------------------------------

    def add_pallet(self, pallet: Pallet) -> None:
        """Register a pallet (its `name` must be a metadata pallet name)."""
        self.md.pallet(pallet.name)
        self.pallets[pallet.name] = pallet

    def register_api(self, method: str, handler: ApiHandler) -> None:
        """Register a state_call handler, e.g. 'SubnetInfoRuntimeApi_get_subnets_info'."""
        self.apis[method] = handler

    def hooks_order(self) -> list[Pallet]:
        """Pallets in metadata index order (FRAME runs hooks in construct_runtime order)."""
        return sorted(self.pallets.values(), key=lambda p: self.md.pallet(p.name).index)

    # ---- events --------------------------------------------------------------------------------

    def set_phase(self, name: str, extrinsic_index: int | None = None) -> None:
        """Set the phase recorded with subsequent events."""
        idx = bytes([self._phase_index[name]])
        self._phase = idx + (struct.pack("<I", extrinsic_index) if extrinsic_index is not None else b"")

    def deposit_event(self, pallet: str, name: str, *args: Any, **kwargs: Any) -> None:
        """Encode an event by metadata names and append it with the current phase (no topics)."""
        info = self.md.event(pallet, name)
        if len(args) + len(kwargs) != len(info.fields):
            raise TypeError(f"event {pallet}.{name} has {len(info.fields)} field(s)")
        body = bytes([info.pallet_index, info.index])
        for i, (fname, ftype) in enumerate(info.fields):
            value = args[i] if i < len(args) else kwargs[fname or ""]
            body += encode_fast(self.md, ftype, value)
        self.events.append(self._phase + body + b"\x00")

    def dispatch_info_value(self, weight: Weight, cls: str, pays: bool = True) -> dict[str, Any]:
        """scalecodec value of DispatchEventInfo."""
        return {"weight": weight.to_value(), "class": cls.capitalize(), "pays_fee": "Yes" if pays else "No"}

    # ---- dispatch ------------------------------------------------------------------------------

    def call_weight(self, call: RuntimeCall) -> Weight:
        """Declared weight of a call (nested weights are not summed; a documented simplification)."""
        pallet = self.pallets.get(call.pallet)
        if pallet is None:
            from node.localnet.runtime.pallet import DEFAULT_CALL_WEIGHT

            return DEFAULT_CALL_WEIGHT
        return pallet.call_weight(call.name, call.args)

    def pays_fee(self, call: RuntimeCall) -> bool:
        """False for calls their pallet declares Pays::No."""
        pallet = self.pallets.get(call.pallet)
        return pallet is None or call.name not in pallet.pays_no

    def call_class(self, call: RuntimeCall) -> str:
        """'normal', 'operational' or 'mandatory'."""
        pallet = self.pallets.get(call.pallet)
        if call.pallet == "Timestamp" and call.name == "set":
            return "mandatory"
        if pallet is not None and call.name in pallet.operational:
            return "operational"
        return "normal"

    def dispatch(self, ctx: CallContext, call: RuntimeCall) -> None:
        """Run a call transactionally: on DispatchError its storage writes and events are undone."""
        pallet = self.pallets.get(call.pallet)
        handler = pallet.handler(call.name) if pallet is not None else None
        if handler is None:
            log.info("call %s is not implemented on the localnet: failing with System.CallFiltered", call.describe())
            raise DispatchError.module("System", "CallFiltered")
        mark = len(self.events)
        ctx.state.begin()
        try:
            handler(ctx, **call.args)
        except DispatchError:
            ctx.state.rollback()
            del self.events[mark:]
            raise
        except Exception:
            ctx.state.rollback()
            del self.events[mark:]
            log.exception("call %s crashed", call.describe())
            raise DispatchError("Other") from None
        ctx.state.commit()

    # ---- fees ----------------------------------------------------------------------------------

    def weight_fee(self, ref_time: int) -> int:
        """Linear weight→fee polynomial."""
        return ref_time * WEIGHT_FEE_PERBILL // 1_000_000_000

    def compute_fee(self, state: State, length: int, weight: Weight, cls: str, tip: int = 0,
                    pays: bool = True) -> int:
        """Partial fee (without tip) + tip, per the module docstring model."""
        if cls == "mandatory":
            return 0
        if not pays:
            return tip
        raw = state.get_raw(state.key("TransactionPayment", "NextFeeMultiplier"))
        mult = int.from_bytes(raw, "little") if raw else FIXED_U128_ONE
        base = self.weight_fee(self._base_extrinsic[cls])
        adjusted = self.weight_fee(weight.ref_time) * mult // FIXED_U128_ONE
        return base + length * LENGTH_FEE_PER_BYTE + adjusted + tip

    def query_info(self, state: State, xt: Extrinsic) -> dict[str, Any]:
        """payment_queryInfo shape: weight, class, partialFee (string)."""
        weight = self.call_weight(xt.call)
        cls = self.call_class(xt.call)
        fee = self.compute_fee(state, xt.length, weight, cls, pays=self.pays_fee(xt.call)) if xt.signed else 0
        return {"weight": {"refTime": weight.ref_time, "proofSize": weight.proof_size}, "class": cls,
                "partialFee": str(fee)}

    # ---- validation ----------------------------------------------------------------------------

    def validate(self, state: State, xt: Extrinsic, current: int) -> ValidTransaction:
        """Check a transaction against `state` as if included in block `current` (= best + 1).

        Raises:
            InvalidTransaction: with Substrate's code and message (BadProof, Stale, Payment, ...).
        """
        if not xt.signed:
            raise InvalidTransaction.unknown("NoUnsignedValidator")
        assert xt.signer is not None
        if xt.signer == b"\x00" * 32:
            raise InvalidTransaction.invalid("BadSigner")
        birth = era_birth(xt.era, current)
        if xt.era is not None and birth > current:
            raise InvalidTransaction.invalid("AncientBirthBlock")
        birth_hash = self.genesis_hash if xt.era is None else self.block_hash_of(birth)
        if birth_hash is None or (xt.era is not None and current - birth > self.block_hash_count):
            raise InvalidTransaction.invalid("AncientBirthBlock")
        version = self.md.version

        def provide(identifier: str) -> bytes | None:
            if identifier == "CheckSpecVersion":
                return struct.pack("<I", version["spec_version"])
            if identifier == "CheckTxVersion":
                return struct.pack("<I", version["transaction_version"])
            if identifier == "CheckGenesis":
                return self.genesis_hash
            if identifier == "CheckMortality":
                return birth_hash
            if identifier == "CheckMetadataHash":
                return self.metadata_digest.additional_signed(xt.metadata_mode)
            return None

        if not self.codec.verify(xt, self.codec.additional_signed(xt, provide)):
            raise InvalidTransaction.invalid("BadProof")
        if xt.call.pallet == "Sudo":
            key = state.get_raw(state.key("Sudo", "Key"))
            if key != xt.signer:
                raise InvalidTransaction.invalid("BadSigner")
        for pallet in self.pallets.values():
            pallet.validate_call(state, xt.signer, xt.call)
        account = state.get("System", "Account", xt.signer)
        if xt.nonce < account["nonce"]:
            raise InvalidTransaction.invalid("Stale")
        weight = self.call_weight(xt.call)
        cls = self.call_class(xt.call)
        if cls == "mandatory":
            raise InvalidTransaction.invalid("MandatoryValidation")
        self.block_limits.check_fits_empty_block(cls, self.block_limits.extrinsic_weight(cls, weight.ref_time),
                                                 xt.length)
        fee = self.compute_fee(state, xt.length, weight, cls, xt.tip, pays=self.pays_fee(xt.call))
        if xt.nonce == account["nonce"]:
            free = int(account["data"]["free"])
            if fee > 0 and free - fee < self.existential_deposit:
                raise InvalidTransaction.invalid("Payment")
        requires = () if xt.nonce == account["nonce"] else (xt.signer + struct.pack("<I", xt.nonce - 1),)
        longevity = era_death(xt.era, current) - current
        multiplier = self.operational_fee_multiplier if cls == "operational" else 1
        priority = (xt.tip + 1) * multiplier
        return ValidTransaction(priority, requires, (xt.signer + struct.pack("<I", xt.nonce),), longevity, fee)

    # ---- block lifecycle -----------------------------------------------------------------------

    def initialize_block(self, state: State, number: int, parent_hash: bytes, timestamp_ms: int,
                         digest: bytes) -> BlockContext:
        """Run System's initialization and every pallet's on_initialize."""
        self.events = []
        self.block_weight = {"normal": 0, "operational": 0, "mandatory": 0}
        self.set_phase("Initialization")
        block = BlockContext(self, state, number, parent_hash, timestamp_ms)
        system = self.pallets.get("System")
        if system is not None:
            system.start_block(block, digest)  # type: ignore[attr-defined]
        for pallet in self.hooks_order():
            pallet.on_initialize(block)
        return block

    def apply_extrinsic(self, state: State, xt: Extrinsic, index: int, block: BlockContext) -> ApplyResult:
        """Apply one extrinsic: nonce, fee withdrawal, transactional dispatch, fee/outcome events."""
        self.set_phase("ApplyExtrinsic", index)
        weight = self.call_weight(xt.call)
        cls = self.call_class(xt.call)
        ctx = CallContext(self, state, Origin.none(), block.number, index)
        fee = 0
        if xt.signed:
            assert xt.signer is not None
            ctx = ctx.with_origin(Origin.signed(xt.signer))
            fee = self.compute_fee(state, xt.length, weight, cls, xt.tip, pays=self.pays_fee(xt.call))
            balances = self.pallets["Balances"]
            state.mutate("System", "Account", xt.signer, fn=lambda a: {**a, "nonce": a["nonce"] + 1})
            if fee:
                balances.withdraw_fee(state, xt.signer, fee)  # type: ignore[attr-defined]
        error: DispatchError | None = None
        try:
            self.dispatch(ctx, xt.call)
        except DispatchError as exc:
            error = exc
        if xt.signed:
            self.deposit_event("TransactionPayment", "TransactionFeePaid", xt.signer, fee - xt.tip, xt.tip)
        info = self.dispatch_info_value(weight, cls, self.pays_fee(xt.call))
        if error is None:
            self.deposit_event("System", "ExtrinsicSuccess", info)
        else:
            self.deposit_event("System", "ExtrinsicFailed", error.to_value(self), info)
        self.block_weight[cls] += weight.ref_time + self._base_extrinsic[cls]
        return ApplyResult(error is None, error, fee)

    def finalize_block(self, state: State, block: BlockContext, extrinsic_count: int) -> None:
        """Run every pallet's on_finalize, then write System's per-block bookkeeping."""
        self.set_phase("Finalization")
        for pallet in reversed(self.hooks_order()):
            pallet.on_finalize(block)
        system = self.pallets.get("System")
        if system is not None:
            system.end_block(block, extrinsic_count)  # type: ignore[attr-defined]

    def state_call(self, ctx: ApiContext, method: str, data: bytes) -> bytes:
        """Run a registered runtime API.

        Raises:
            KeyError: unknown method.
        """
        handler = self.apis[method]
        return handler(ctx, data)
