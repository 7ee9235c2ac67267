"""Storage-level building blocks shared by the SubtensorModule/Swap pallets.

Balances (System.Account free balance, TotalIssuance), subnet accounts, the subnet pool (reserves and
balancer weights read from / written to storage) and the per-hotkey alpha share pools. Everything is
by metadata storage names through the framework's :class:`State`.
"""

from __future__ import annotations

from typing import Any

from node.localnet.runtime.pallet import DispatchError, account_bytes
from node.localnet.runtime.state import State
from node.localnet.subtensor.fastcodec import fexists, fget, fremove, fset
from node.localnet.subtensor.rules.balancer import Balancer
from node.localnet.subtensor.rules.fixed import U64_MAX
from node.localnet.subtensor.rules.share_pool import SafeFloat, SharePool
from node.localnet.subtensor.rules.swap import Pool, SwapError, SwapResult, swap

S = "SubtensorModule"
SUBTENSOR_PALLET_ID = b"subtensr"
MIN_STAKE_FALLBACK = 2_000_000


def subnet_account(netuid: int) -> bytes:
    """`PalletId("subtensr").into_sub_account_truncating(netuid)`: b"modl" + id + netuid (u16 LE), 0-padded."""
    raw = b"modl" + SUBTENSOR_PALLET_ID + netuid.to_bytes(2, "little")
    return raw.ljust(32, b"\x00")


def is_subnet_account(account: bytes) -> bool:
    """True for any subnet's pallet account."""
    return account.startswith(b"modl" + SUBTENSOR_PALLET_ID) and account[14:] == b"\x00" * 18


class Ledger:
    """Balances (through the runtime's Balances pallet), pools and share pools over one :class:`State`."""

    def __init__(self, state: State, balances: Any, minimum_reserve: int) -> None:
        self.state = state
        self.balances = balances
        self.ed = int(balances.ed)
        self.minimum_reserve = minimum_reserve

    # ---- balances ----------------------------------------------------------------------------

    def free(self, who: bytes) -> int:
        """Free balance of an account."""
        return int(self.balances.free(self.state, who))

    def can_withdraw(self, who: bytes, amount: int) -> bool:
        """`can_remove_balance_from_coldkey_account`: enough free balance, keeping the account alive."""
        free = self.free(who)
        return amount == 0 or (amount <= free and free - amount >= self.ed)

    def transfer(self, src: bytes, dst: bytes, amount: int) -> None:
        """Move balance between accounts (Balances.Transfer event, as the chain's transfer_tao emits)."""
        if amount:
            self.balances.transfer(self.state, src, dst, amount, keep_alive=False)

    def _sub_issuance(self, delta: int) -> None:
        cur = int(fget(self.state, S, "TotalIssuance"))
        fset(self.state, S, "TotalIssuance", value=max(cur + delta, 0))

    def mint(self, who: bytes, amount: int) -> None:
        """Create new TAO on `who` (block emission)."""
        if amount:
            self.balances.deposit(self.state, who, amount)
            self._sub_issuance(amount)

    def burn(self, who: bytes, amount: int) -> None:
        """Destroy TAO held by `who` (swap fees with no block author)."""
        if amount:
            self.balances.withdraw(self.state, who, amount, keep_alive=False)
            self._sub_issuance(-amount)

    # ---- pool ----------------------------------------------------------------------------------

    def pool(self, netuid: int) -> Pool:
        """Snapshot of a subnet's pool from storage."""
        st = self.state
        return Pool(
            tao_reserve=int(st.get(S, "SubnetTAO", netuid)),
            alpha_reserve=int(st.get(S, "SubnetAlphaIn", netuid)),
            balancer=Balancer(int(st.get("Swap", "SwapBalancer", netuid)["quote"])),
            fee_rate=int(st.get("Swap", "FeeRate", netuid)),
            mechanism=1 if netuid != 0 and int(st.get(S, "SubnetMechanism", netuid)) == 1 else 0,
        )

    def add(self, item: str, netuid: int, delta: int, pallet: str = S) -> None:
        """Saturating add to a u64 per-subnet counter."""
        cur = int(fget(self.state, pallet, item, netuid))
        fset(self.state, pallet, item, netuid, value=min(max(cur + delta, 0), U64_MAX))

    def add_plain(self, item: str, delta: int) -> None:
        """Saturating add to a plain u64 storage value."""
        cur = int(fget(self.state, S, item))
        fset(self.state, S, item, value=min(max(cur + delta, 0), U64_MAX))

    def swap_tao_for_alpha(self, netuid: int, tao: int, limit_price: int, drop_fees: bool = False,
                           simulate: bool = False) -> SwapResult:
        """Buy alpha with TAO through the pool and update reserves/outstanding (stake_utils semantics)."""
        res = self._swap(netuid, True, tao, limit_price, drop_fees, simulate)
        if not simulate:
            self.add("SubnetAlphaIn", netuid, -res.amount_paid_out)
            self.add("SubnetAlphaOut", netuid, res.amount_paid_out)
            self.add("SubnetTAO", netuid, res.amount_paid_in)
            self.add_plain("TotalStake", tao)
            self._add_volume(netuid, tao)
        return res

    def swap_alpha_for_tao(self, netuid: int, alpha: int, limit_price: int, drop_fees: bool = False,
                           simulate: bool = False) -> SwapResult:
        """Sell alpha for TAO through the pool and update reserves/outstanding."""
        res = self._swap(netuid, False, alpha, limit_price, drop_fees, simulate)
        if not simulate:
            self.add("SubnetAlphaIn", netuid, res.amount_paid_in)
            self.add("SubnetAlphaOut", netuid, -res.amount_paid_in)
            self.add("SubnetTAO", netuid, -res.amount_paid_out)
            self.add_plain("TotalStake", -res.amount_paid_out)
            self._add_volume(netuid, res.amount_paid_out)
        return res

    def _add_volume(self, netuid: int, amount: int) -> None:
        cur = int(fget(self.state, S, "SubnetVolume", netuid))
        fset(self.state, S, "SubnetVolume", netuid, value=cur + amount)

    def _swap(self, netuid: int, buy: bool, amount: int, limit_price: int, drop_fees: bool,
              simulate: bool) -> SwapResult:
        if not simulate and netuid != 0:
            fset(self.state, "Swap", "PalSwapInitialized", netuid, value=True)
        try:
            return swap(self.pool(netuid), buy=buy, amount=amount, limit_price=limit_price, drop_fees=drop_fees,
                        minimum_reserve=self.minimum_reserve, simulate=simulate)
        except SwapError as err:
            raise DispatchError.module("Swap", err.name) from None

    # ---- share pools -----------------------------------------------------------------------------

    def share_pool(self, hotkey: bytes, netuid: int) -> SharePool:
        """The alpha share pool of (hotkey, netuid)."""
        return SharePool(_HotkeyShares(self.state, hotkey, netuid))

    def alpha(self, hotkey: bytes, coldkey: bytes, netuid: int) -> int:
        """Alpha a coldkey holds through a hotkey on a subnet."""
        return self.share_pool(hotkey, netuid).value_of(coldkey)

    def hotkey_alpha(self, hotkey: bytes, netuid: int) -> int:
        """TotalHotkeyAlpha."""
        return int(fget(self.state, S, "TotalHotkeyAlpha", hotkey, netuid))

    def increase_stake(self, hotkey: bytes, coldkey: bytes, netuid: int, amount: int) -> None:
        """Buy shares worth `amount` alpha for coldkey in the hotkey's pool; track StakingHotkeys."""
        if amount:
            hks = [account_bytes(h) for h in fget(self.state, S, "StakingHotkeys", coldkey)]
            if hotkey not in hks:
                fset(self.state, S, "StakingHotkeys", coldkey, value=[*hks, hotkey])
        self.share_pool(hotkey, netuid).update_value_for_one(coldkey, amount)

    def decrease_stake(self, hotkey: bytes, coldkey: bytes, netuid: int, amount: int) -> None:
        """Sell shares worth `amount` alpha; like the chain, nothing happens if the coldkey holds less."""
        pool = self.share_pool(hotkey, netuid)
        if fexists(self.state, S, "AlphaV2", hotkey, coldkey, netuid) and pool.value_of(coldkey) >= amount:
            pool.update_value_for_one(coldkey, -amount)

    def credit_hotkey(self, hotkey: bytes, netuid: int, amount: int) -> None:
        """Emission to a hotkey's whole pool: every nominator's alpha grows pro rata."""
        self.share_pool(hotkey, netuid).update_value_for_all(amount)


class _HotkeyShares:
    """ShareStore over TotalHotkeyAlpha / TotalHotkeySharesV2 / AlphaV2 for one (hotkey, netuid)."""

    def __init__(self, state: State, hotkey: bytes, netuid: int) -> None:
        self.s, self.hk, self.n = state, hotkey, netuid

    def get_shared_value(self) -> int:
        return int(fget(self.s, S, "TotalHotkeyAlpha", self.hk, self.n))

    def get_share(self, key: bytes) -> SafeFloat | None:
        if not fexists(self.s, S, "AlphaV2", self.hk, key, self.n):
            return None
        return _sf(fget(self.s, S, "AlphaV2", self.hk, key, self.n))

    def get_denominator(self) -> SafeFloat:
        return _sf(fget(self.s, S, "TotalHotkeySharesV2", self.hk, self.n))

    def set_shared_value(self, value: int) -> None:
        if value:
            fset(self.s, S, "TotalHotkeyAlpha", self.hk, self.n, value=value)
        else:
            fremove(self.s, S, "TotalHotkeyAlpha", self.hk, self.n)

    def set_share(self, key: bytes, share: SafeFloat) -> None:
        if share.is_zero():
            fremove(self.s, S, "AlphaV2", self.hk, key, self.n)
        else:
            fset(self.s, S, "AlphaV2", self.hk, key, self.n, value=_sf_value(share))

    def set_denominator(self, value: SafeFloat) -> None:
        if value.is_zero():
            fremove(self.s, S, "TotalHotkeySharesV2", self.hk, self.n)
        else:
            fset(self.s, S, "TotalHotkeySharesV2", self.hk, self.n, value=_sf_value(value))


def _sf(value: Any) -> SafeFloat:
    return SafeFloat(int(value["mantissa"]), int(value["exponent"]))


def _sf_value(share: SafeFloat) -> dict[str, int]:
    return {"mantissa": share.mantissa, "exponent": share.exponent}
