"""The pallet framework: origins, dispatch errors, call contexts and the Pallet base class.

A pallet is a class named like its metadata pallet whose ``call_<name>`` methods handle the metadata's
calls (arguments arrive by their metadata names, as scalecodec decodes them)::

    class Subtensor(Pallet):
        name = "SubtensorModule"                        # the metadata pallet name
        weights = {"add_stake": Weight(300_000_000, 0)} # optional; DEFAULT_CALL_WEIGHT otherwise

        def call_add_stake(self, ctx: CallContext, hotkey: str, netuid: int, amount_staked: int) -> None:
            coldkey = ctx.ensure_signed()               # bytes; raises DispatchError("BadOrigin")
            if amount_staked == 0:
                raise DispatchError.module("SubtensorModule", "AmountTooLow")
            ctx.state.set("SubtensorModule", "TotalStake", value=...)
            ctx.deposit_event("SubtensorModule", "StakeAdded", coldkey, hotkey, amount_staked, ...)

        def on_initialize(self, block: BlockContext) -> None: ...   # every block, before extrinsics
        def on_finalize(self, block: BlockContext) -> None: ...     # every block, after extrinsics
        def build_genesis(self, state: State, config: GenesisConfig) -> None: ...

    runtime.add_pallet(Subtensor(runtime))
    runtime.register_api("SubnetInfoRuntimeApi_get_subnets_info", handler)  # handler(ApiContext, bytes)->bytes

A call whose pallet has no ``call_<name>`` handler fails with System.CallFiltered (never silently).
Account ids in python values may be ``bytes`` (32) or ``"0x.."`` hex; decoded values use ``"0x.."``.
Use :func:`account_bytes` to normalise any of these (and MultiAddress values) to 32 bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from node.localnet.runtime.state import State

if TYPE_CHECKING:
    from node.localnet.extrinsic import RuntimeCall
    from node.localnet.genesis import GenesisConfig
    from node.localnet.runtime.executive import Runtime


@dataclass(frozen=True)
class Weight:
    """A two-dimensional weight (ref_time picoseconds, proof_size bytes)."""

    ref_time: int
    proof_size: int = 0

    def to_value(self) -> dict[str, int]:
        """scalecodec value of sp_weights::Weight."""
        return {"ref_time": self.ref_time, "proof_size": self.proof_size}


DEFAULT_CALL_WEIGHT = Weight(100_000_000, 0)
"""Weight of a call whose pallet declares none (documented fee model: see executive.py)."""


@dataclass(frozen=True)
class Origin:
    """Who dispatches a call: a signed account, root (via sudo) or none (inherents)."""

    kind: str  # "signed" | "root" | "none"
    who: bytes | None = None

    @staticmethod
    def signed(who: bytes) -> Origin:
        """A signed origin."""
        return Origin("signed", bytes(who))

    @staticmethod
    def root() -> Origin:
        """The root origin."""
        return Origin("root")

    @staticmethod
    def none() -> Origin:
        """The none origin (inherents)."""
        return Origin("none")


class DispatchError(Exception):
    """A failed dispatch; `value` is the scalecodec value of sp_runtime::DispatchError.

    Build with ``DispatchError.module("Balances", "InsufficientBalance")`` (indices come from the
    metadata when the error is encoded), ``DispatchError.token("FundsUnavailable")``,
    ``DispatchError.arithmetic("Overflow")`` or ``DispatchError("BadOrigin")``.
    """

    def __init__(self, kind: str, detail: Any = None) -> None:
        self.kind = kind
        self.detail = detail
        super().__init__(self.describe())

    @staticmethod
    def module(pallet: str, error: str) -> DispatchError:
        """A pallet error by metadata names."""
        return DispatchError("Module", (pallet, error))

    @staticmethod
    def token(name: str) -> DispatchError:
        """sp_runtime::TokenError variant."""
        return DispatchError("Token", name)

    @staticmethod
    def arithmetic(name: str) -> DispatchError:
        """sp_runtime::ArithmeticError variant (Underflow, Overflow, DivisionByZero)."""
        return DispatchError("Arithmetic", name)

    def describe(self) -> str:
        """Human-readable form, e.g. 'Balances.InsufficientBalance' or 'Token.FundsUnavailable'."""
        if self.kind == "Module":
            return f"{self.detail[0]}.{self.detail[1]}"
        return self.kind if self.detail is None else f"{self.kind}.{self.detail}"

    def to_value(self, runtime: Runtime) -> Any:
        """The scalecodec value of this error, module/error indices looked up in the metadata."""
        if self.kind == "Module":
            info = runtime.md.error(*self.detail)
            return {"Module": {"index": info.pallet_index, "error": "0x" + bytes([info.index, 0, 0, 0]).hex()}}
        if self.detail is None:
            return self.kind
        return {self.kind: self.detail}


@dataclass
class CallContext:
    """Everything a call handler sees: the state, its origin, and the block being built."""

    runtime: Runtime
    state: State
    origin: Origin
    block_number: int
    extrinsic_index: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def ensure_signed(self) -> bytes:
        """Return the signer or raise DispatchError BadOrigin."""
        if self.origin.kind != "signed" or self.origin.who is None:
            raise DispatchError("BadOrigin")
        return self.origin.who

    def ensure_root(self) -> None:
        """Raise DispatchError BadOrigin unless the origin is root."""
        if self.origin.kind != "root":
            raise DispatchError("BadOrigin")

    def ensure_none(self) -> None:
        """Raise DispatchError BadOrigin unless the origin is none (an inherent)."""
        if self.origin.kind != "none":
            raise DispatchError("BadOrigin")

    def deposit_event(self, pallet: str, name: str, *args: Any, **kwargs: Any) -> None:
        """Deposit an event by metadata names; fields positionally (metadata order) or by name."""
        self.runtime.deposit_event(pallet, name, *args, **kwargs)

    def with_origin(self, origin: Origin) -> CallContext:
        """A copy of this context dispatching as `origin` (sudo, dispatch_as)."""
        return CallContext(self.runtime, self.state, origin, self.block_number, self.extrinsic_index, self.extra)


@dataclass
class BlockContext:
    """What on_initialize/on_finalize hooks see."""

    runtime: Runtime
    state: State
    number: int
    parent_hash: bytes
    timestamp_ms: int

    def deposit_event(self, pallet: str, name: str, *args: Any, **kwargs: Any) -> None:
        """Deposit an event (phase Initialization/Finalization)."""
        self.runtime.deposit_event(pallet, name, *args, **kwargs)


@dataclass
class ApiContext:
    """What a runtime-API handler sees: read-only state at the queried block."""

    runtime: Runtime
    state: State
    block_number: int
    block_hash: bytes


class Pallet:
    """Base class of localnet pallets. Subclasses set `name` to the metadata pallet name."""

    name: ClassVar[str] = ""
    weights: ClassVar[dict[str, Weight]] = {}
    """Per-call weights (dispatch info and fees); DEFAULT_CALL_WEIGHT otherwise."""
    operational: ClassVar[frozenset[str]] = frozenset()
    """Calls whose DispatchClass is Operational."""
    pays_no: ClassVar[frozenset[str]] = frozenset()
    """Calls declared `Pays::No` (no fee is withdrawn; a tip still is), e.g. subtensor's set_weights."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.md = runtime.md

    def handler(self, call_name: str) -> Any:
        """The bound `call_<name>` method or None."""
        return getattr(self, f"call_{call_name}", None)

    def call_weight(self, call_name: str, args: dict[str, Any]) -> Weight:
        """Weight of a call (override for argument-dependent weights)."""
        return self.weights.get(call_name, DEFAULT_CALL_WEIGHT)

    def validate_call(self, state: State, who: bytes, call: RuntimeCall) -> None:
        """Pool-time check of every signed call (like a transaction extension; runs for all pallets).

        Raise :class:`~node.localnet.validity.InvalidTransaction` (e.g. ``InvalidTransaction.custom(6)``)
        to reject the transaction at submission, and again when the block builder re-checks it.
        """

    def on_initialize(self, block: BlockContext) -> None:
        """Hook run at the start of each block."""

    def on_finalize(self, block: BlockContext) -> None:
        """Hook run at the end of each block."""

    def build_genesis(self, state: State, config: GenesisConfig) -> None:
        """Write this pallet's genesis storage."""


def account_bytes(value: Any) -> bytes:
    """Normalise an account id (bytes, '0x' hex, or a MultiAddress value like {'Id': ..}) to 32 bytes.

    Raises:
        DispatchError: CannotLookup for anything else (e.g. MultiAddress Index/Raw/Address20).
    """
    if isinstance(value, dict) and len(value) == 1:
        (variant, inner), = value.items()
        if variant in ("Id", "Address32"):
            return account_bytes(inner)
        raise DispatchError("CannotLookup")
    if isinstance(value, bytes | bytearray) and len(value) == 32:
        return bytes(value)
    if isinstance(value, str) and value.startswith("0x") and len(value) == 66:
        return bytes.fromhex(value[2:])
    if isinstance(value, str) and not value.startswith("0x"):
        try:
            from scalecodec.utils.ss58 import ss58_decode

            return bytes.fromhex(ss58_decode(value))
        except Exception:  # any malformed address is a lookup failure
            raise DispatchError("CannotLookup") from None
    raise DispatchError("CannotLookup")
