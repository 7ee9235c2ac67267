"""pallet_sudo: the sudo key (//Alice on the localnet) dispatches calls as root."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from node.localnet.extrinsic import RuntimeCall
from node.localnet.runtime.pallet import CallContext, DispatchError, Origin, Pallet, Weight, account_bytes
from node.localnet.runtime.state import State

if TYPE_CHECKING:
    from node.localnet.genesis import GenesisConfig


class Sudo(Pallet):
    """sudo, sudo_unchecked_weight, sudo_as, set_key, remove_key."""

    name = "Sudo"
    weights = {"sudo": Weight(20_000_000), "sudo_unchecked_weight": Weight(20_000_000)}

    def call_weight(self, call_name: str, args: dict[str, Any]) -> Weight:
        """sudo_unchecked_weight weighs what its caller says (as in pallet_sudo); others from the table."""
        if call_name == "sudo_unchecked_weight":
            given = args.get("weight")
            if isinstance(given, dict):
                return Weight(int(given.get("ref_time", 0)), int(given.get("proof_size", 0)))
        return super().call_weight(call_name, args)

    def _ensure_sudo(self, ctx: CallContext) -> None:
        who = ctx.ensure_signed()
        if ctx.state.get_raw(ctx.state.key("Sudo", "Key")) != who:
            raise DispatchError.module("Sudo", "RequireSudo")

    def _run(self, ctx: CallContext, call: RuntimeCall, origin: Origin) -> dict[str, Any]:
        try:
            self.runtime.dispatch(ctx.with_origin(origin), call)
        except DispatchError as exc:
            return {"Err": exc.to_value(self.runtime)}
        return {"Ok": None}

    def call_sudo(self, ctx: CallContext, call: RuntimeCall) -> None:
        """Dispatch `call` as root; the outcome goes into the Sudid event (the extrinsic succeeds)."""
        self._ensure_sudo(ctx)
        ctx.deposit_event("Sudo", "Sudid", self._run(ctx, call, Origin.root()))

    def call_sudo_unchecked_weight(self, ctx: CallContext, call: RuntimeCall, weight: Any) -> None:
        """As sudo, with a caller-given weight (it counts for fees and the block's weight limit)."""
        self.call_sudo(ctx, call)

    def call_sudo_as(self, ctx: CallContext, who: Any, call: RuntimeCall) -> None:
        """Dispatch `call` signed by `who`."""
        self._ensure_sudo(ctx)
        ctx.deposit_event("Sudo", "SudoAsDone", self._run(ctx, call, Origin.signed(account_bytes(who))))

    def call_set_key(self, ctx: CallContext, new: Any) -> None:
        """Hand the sudo key to another account."""
        self._ensure_sudo(ctx)
        old = ctx.state.get_raw(ctx.state.key("Sudo", "Key"))
        new_key = account_bytes(new)
        ctx.state.set("Sudo", "Key", value=new_key)
        ctx.deposit_event("Sudo", "KeyChanged", old, new_key)

    def call_remove_key(self, ctx: CallContext) -> None:
        """Remove the sudo key for good."""
        self._ensure_sudo(ctx)
        ctx.state.remove("Sudo", "Key")
        ctx.deposit_event("Sudo", "KeyRemoved")

    def build_genesis(self, state: State, config: GenesisConfig) -> None:
        """The genesis sudo key."""
        if config.sudo is not None:
            state.set("Sudo", "Key", value=config.sudo)
