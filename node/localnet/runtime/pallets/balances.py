"""pallet_balances over System.Account (subtensor keeps balances in frame_system's AccountInfo)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from node.localnet.runtime.pallet import CallContext, DispatchError, Pallet, Weight, account_bytes
from node.localnet.runtime.state import State

if TYPE_CHECKING:
    from node.localnet.genesis import GenesisConfig

NEW_LOGIC_FLAG = 1 << 127
"""AccountData.flags bit set on every account created by current pallet_balances."""


def empty_account() -> dict[str, Any]:
    """AccountInfo of a non-existent account."""
    return {"nonce": 0, "consumers": 0, "providers": 0, "sufficients": 0,
            "data": {"free": 0, "reserved": 0, "frozen": 0, "flags": NEW_LOGIC_FLAG}}


class Balances(Pallet):
    """Transfers, existential deposit, account creation and reaping, fee withdrawal, sudo set-balance.

    Helpers other pallets may use: :meth:`free`, :meth:`transfer`, :meth:`deposit`, :meth:`withdraw`.
    """

    name = "Balances"
    weights = {
        "transfer_allow_death": Weight(190_000_000),
        "transfer_keep_alive": Weight(160_000_000),
        "transfer_all": Weight(200_000_000),
        "force_set_balance": Weight(70_000_000),
    }

    @property
    def ed(self) -> int:
        """Existential deposit (metadata constant)."""
        return self.runtime.existential_deposit

    # ---- helpers -------------------------------------------------------------------------------

    def account(self, state: State, who: bytes) -> dict[str, Any]:
        """AccountInfo (the default if absent)."""
        return dict(state.get("System", "Account", who))

    def free(self, state: State, who: bytes) -> int:
        """Free balance in rao."""
        return int(self.account(state, who)["data"]["free"])

    def _issuance(self, state: State, delta: int) -> None:
        state.mutate("Balances", "TotalIssuance", fn=lambda v: int(v) + delta)

    def _write(self, state: State, who: bytes, acct: dict[str, Any], new_free: int) -> None:
        """Store a new free balance, creating (NewAccount+Endowed) or reaping (DustLost+KilledAccount)."""
        existed = acct["providers"] > 0 or state.exists("System", "Account", who)
        data = dict(acct["data"])
        data["free"] = new_free
        acct = {**acct, "data": data}
        total = new_free + int(data["reserved"])
        if total < self.ed and acct["consumers"] == 0:
            if existed:
                state.remove("System", "Account", who)
                if new_free:
                    self._issuance(state, -new_free)
                    self.runtime.deposit_event("Balances", "DustLost", who, new_free)
                self.runtime.deposit_event("System", "KilledAccount", who)
            return
        if not existed:
            acct["providers"] = 1
            state.set("System", "Account", who, value=acct)
            self.runtime.deposit_event("System", "NewAccount", who)
            self.runtime.deposit_event("Balances", "Endowed", who, new_free)
            return
        state.set("System", "Account", who, value=acct)

    def deposit(self, state: State, who: bytes, amount: int) -> None:
        """Mint `amount` into `who` (raises Token.BelowMinimum for a new account below ED)."""
        acct = self.account(state, who)
        if acct["providers"] == 0 and not state.exists("System", "Account", who) and amount < self.ed:
            raise DispatchError.token("BelowMinimum")
        self._write(state, who, acct, int(acct["data"]["free"]) + amount)
        self._issuance(state, amount)

    def withdraw(self, state: State, who: bytes, amount: int, keep_alive: bool) -> None:
        """Burn `amount` from `who` (Token.FundsUnavailable / NotExpendable on failure)."""
        acct = self.account(state, who)
        free = int(acct["data"]["free"])
        if amount > free:
            raise DispatchError.token("FundsUnavailable")
        if keep_alive and free - amount < self.ed:
            raise DispatchError.token("NotExpendable")
        self._write(state, who, acct, free - amount)
        self._issuance(state, -amount)

    def withdraw_fee(self, state: State, who: bytes, fee: int) -> None:
        """Take a transaction fee (keeping the account alive) and emit Balances.Withdraw."""
        self.withdraw(state, who, fee, keep_alive=True)
        self.runtime.deposit_event("Balances", "Withdraw", who, fee)

    def transfer(self, state: State, source: bytes, dest: bytes, amount: int, keep_alive: bool) -> None:
        """Move `amount` rao; emits Transfer (and NewAccount/Endowed/DustLost/KilledAccount as needed)."""
        src = self.account(state, source)
        free = int(src["data"]["free"])
        if amount > free:
            raise DispatchError.token("FundsUnavailable")
        if keep_alive and free - amount < self.ed:
            raise DispatchError.token("NotExpendable")
        if amount == 0 or source == dest:
            self.runtime.deposit_event("Balances", "Transfer", source, dest, amount)
            return
        dst = self.account(state, dest)
        dest_exists = dst["providers"] > 0 or state.exists("System", "Account", dest)
        if not dest_exists and amount < self.ed:
            raise DispatchError.token("BelowMinimum")
        self._write(state, dest, dst, int(dst["data"]["free"]) + amount)
        self.runtime.deposit_event("Balances", "Transfer", source, dest, amount)
        self._write(state, source, self.account(state, source), free - amount)

    # ---- calls ---------------------------------------------------------------------------------

    def call_transfer_allow_death(self, ctx: CallContext, dest: Any, value: int) -> None:
        """Transfer, allowing the sender to be reaped."""
        self.transfer(ctx.state, ctx.ensure_signed(), account_bytes(dest), int(value), keep_alive=False)

    def call_transfer_keep_alive(self, ctx: CallContext, dest: Any, value: int) -> None:
        """Transfer, failing if the sender would drop below the existential deposit."""
        self.transfer(ctx.state, ctx.ensure_signed(), account_bytes(dest), int(value), keep_alive=True)

    def call_transfer_all(self, ctx: CallContext, dest: Any, keep_alive: bool) -> None:
        """Transfer everything transferable (all but the existential deposit if keep_alive)."""
        who = ctx.ensure_signed()
        free = self.free(ctx.state, who)
        amount = max(0, free - self.ed) if keep_alive else free
        self.transfer(ctx.state, who, account_bytes(dest), amount, keep_alive=keep_alive)

    def call_force_set_balance(self, ctx: CallContext, who: Any, new_free: int) -> None:
        """Root: set an account's free balance (BalanceSet; issuance adjusted)."""
        ctx.ensure_root()
        target = account_bytes(who)
        acct = self.account(ctx.state, target)
        old = int(acct["data"]["free"])
        new_free = int(new_free)
        if new_free < self.ed:
            new_free = 0
        self._issuance(ctx.state, new_free - old)
        self._write(ctx.state, target, acct, new_free)
        ctx.deposit_event("Balances", "BalanceSet", target, new_free)

    def call_force_transfer(self, ctx: CallContext, source: Any, dest: Any, value: int) -> None:
        """Root: transfer from any account."""
        ctx.ensure_root()
        self.transfer(ctx.state, account_bytes(source), account_bytes(dest), int(value), keep_alive=False)

    def call_burn(self, ctx: CallContext, value: int, keep_alive: bool) -> None:
        """Burn from the caller's free balance."""
        who = ctx.ensure_signed()
        self.withdraw(ctx.state, who, int(value), keep_alive)
        ctx.deposit_event("Balances", "Burned", who, int(value))

    # ---- genesis -------------------------------------------------------------------------------

    def build_genesis(self, state: State, config: GenesisConfig) -> None:
        """Endow the genesis accounts (no events at genesis) and set TotalIssuance."""
        total = 0
        for who, amount in config.balances.items():
            acct = empty_account()
            acct["providers"] = 1
            acct["data"]["free"] = amount
            state.set("System", "Account", who, value=acct)
            total += amount
        state.set("Balances", "TotalIssuance", value=total)
