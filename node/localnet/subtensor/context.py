"""Per-call context shared by the SubtensorModule operations: state, ledger, block number, events."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from node.localnet.runtime.pallet import DispatchError, account_bytes
from node.localnet.runtime.state import State
from node.localnet.subtensor.fastcodec import fexists, fget, fiter_prefix, fset
from node.localnet.subtensor.ledger import Ledger, S
from node.localnet.subtensor.rules.fixed import div64, u64f64

MAX_PRICE = div64(u64f64(1_000_000_000_000_000), u64f64(10**9))
MIN_PRICE = div64(u64f64(1_000), u64f64(10**9))


def err(name: str) -> DispatchError:
    """A SubtensorModule dispatch error by metadata name."""
    return DispatchError.module(S, name)


@dataclass
class Ctx:
    """What subtensor operations need: storage, balances/pools, the block number and event deposit."""

    state: State
    ledger: Ledger
    block: int
    emit: Callable[..., None]
    min_stake: int

    def event(self, name: str, *args: Any) -> None:
        """Deposit a SubtensorModule event."""
        self.emit(S, name, *args)

    def get(self, item: str, *keys: Any) -> Any:
        """SubtensorModule storage value (metadata default when absent)."""
        return fget(self.state, S, item, *keys)

    def set(self, item: str, *keys: Any, value: Any) -> None:
        """Write SubtensorModule storage."""
        fset(self.state, S, item, *keys, value=value)

    def subnet_exists(self, netuid: int) -> bool:
        """NetworksAdded[netuid]."""
        return bool(self.get("NetworksAdded", netuid))

    def netuids(self) -> list[int]:
        """All added subnets including root, ascending."""
        return sorted(k[0] for k, v in fiter_prefix(self.state, S, "NetworksAdded") if v)

    def owner_of(self, hotkey: bytes) -> bytes | None:
        """Owning coldkey of a hotkey, or None if the hotkey account does not exist."""
        if not fexists(self.state, S, "Owner", hotkey):
            return None
        return account_bytes(self.get("Owner", hotkey))

    def create_hotkey_account(self, coldkey: bytes, hotkey: bytes) -> None:
        """Owner/OwnedHotkeys/StakingHotkeys entries for a new hotkey (no-op if it exists)."""
        if self.owner_of(hotkey) is not None:
            return
        self.set("Owner", hotkey, value=coldkey)
        for item in ("OwnedHotkeys", "StakingHotkeys"):
            keys = [account_bytes(h) for h in self.get(item, coldkey)]
            if hotkey not in keys:
                self.set(item, coldkey, value=[*keys, hotkey])

    def uid_of(self, netuid: int, hotkey: bytes) -> int | None:
        """Uids[netuid, hotkey]."""
        uid = self.get("Uids", netuid, hotkey)
        return None if uid is None else int(uid)

    def ensure_subtoken_enabled(self, netuid: int) -> None:
        """SubtokenDisabled unless start_call ran (root always enabled)."""
        if netuid != 0 and not self.get("SubtokenEnabled", netuid):
            raise err("SubtokenDisabled")
