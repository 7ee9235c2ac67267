"""Registration: burned_register a hotkey on a subnet, create a subnet, set a validator's take.

Each `prepare_*` validates against the chain (cost, balance, already registered, ownership, take bounds)
and returns a PreparedTx; nothing is signed until `send`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal

from node.client.extrinsic import ExternalSigner
from tao_wallet.models import RegistrationInfoView, TxStatusView
from tao_wallet.services.chain import (
    ChainService,
    chain_errors,
    decode_address,
    encode_address,
    format_tao,
    rao_to_tao,
)
from tao_wallet.services.errors import WalletError
from tao_wallet.services.prepared_tx import PreparedTx, account_arg, compose, preview_call, send_prepared
from tao_wallet.services.pruning import PruningView, UidPruning, next_to_prune, rank_uids
from tao_wallet.services.quotes import QuoteService
from tao_wallet.services.runtime_api import RuntimeApi, acct, num, u16
from tao_wallet.services.subtensor_storage import SubtensorStorageReads
from tao_wallet.services.tx import TxRunner

S = "SubtensorModule"

IDENTITY_FIELDS = ("subnet_name", "github_repo", "subnet_contact", "subnet_url", "discord", "description",
                   "logo_url", "additional")
"""SubnetIdentityOfV3, the identity register_network_with_identity takes on spec 461."""
IDENTITY_MAX_BYTES = 1024


def identity_args(identity: Mapping[str, str]) -> dict[str, str]:
    """The identity call argument: every field as 0x-hex UTF-8 (missing fields empty).

    Raises:
        WalletError: "invalid_identity" for an unknown field, a missing name or a field over 1024 bytes.
    """
    unknown = sorted(set(identity) - set(IDENTITY_FIELDS))
    if unknown:
        raise WalletError("invalid_identity", f"unknown identity field(s) {', '.join(unknown)}; known: "
                          f"{', '.join(IDENTITY_FIELDS)}")
    if not identity.get("subnet_name", "").strip():
        raise WalletError("invalid_identity", "a subnet identity needs a name (subnet_name)")
    out = {}
    for name in IDENTITY_FIELDS:
        raw = identity.get(name, "").strip().encode()
        if len(raw) > IDENTITY_MAX_BYTES:
            raise WalletError("invalid_identity", f"identity {name} is {len(raw)} bytes; at most "
                              f"{IDENTITY_MAX_BYTES} are accepted")
        out[name] = "0x" + raw.hex()
    return out


class RegistrationService(SubtensorStorageReads):
    """Registration and take on one network."""

    def __init__(self, chain: ChainService, runner: TxRunner | None = None, api: RuntimeApi | None = None) -> None:
        self.chain = chain
        self.runner = runner or TxRunner(chain)
        self.api = api or RuntimeApi(chain.client)
        self.quotes = QuoteService(chain, self.api)

    def info(self, netuid: int) -> RegistrationInfoView:
        """Cost, immunity and pruning risk of registering on `netuid` now."""
        self.quotes.require_subnet(netuid)
        n = u16(netuid)
        uids, max_uids = int(self._storage("SubnetworkN", n)), int(self._storage("MaxAllowedUids", n))
        immunity = int(self._storage("ImmunityPeriod", n))
        full = uids >= max_uids
        risk = (f"the subnet is full ({uids}/{max_uids}): registering replaces the lowest-scoring uid outside its "
                if full else f"{max_uids - uids} of {max_uids} uids free: no one is replaced now; ")
        risk += (f"immunity period. Your uid is immune for {immunity} blocks, then it is pruned when it has the "
                 "lowest score while the subnet is full") if full else (
                 f"your uid is immune for {immunity} blocks, after which it can be pruned once the subnet is full "
                 "and it has the lowest score")
        return RegistrationInfoView(netuid=netuid, cost=rao_to_tao(int(self._storage("Burn", n))),
                                    immunity_period=immunity, uids=uids, max_uids=max_uids, full=full,
                                    pruning_risk=risk)

    def pruning(self, netuid: int, own_hotkeys: Sequence[str] = ()) -> PruningView:
        """Which uid registering on `netuid` now replaces, and immunity and rank of `own_hotkeys` there.

        Read from `get_metagraph` (hotkeys, emission, registration blocks, owner hotkey, immunity) at the
        best block; immunity is judged at the next block, where a registration sent now executes.
        """
        self.quotes.require_subnet(netuid)
        with chain_errors():
            graph = self.api.call("SubnetInfoRuntimeApi_get_metagraph", u16(netuid))
            best = self.chain.client.best_block().number
        if graph is None:
            raise WalletError("subnet_not_found", f"subnet {netuid} has no metagraph")
        block = best + 1
        hotkeys = [encode_address(acct(k)) for k in graph["hotkeys"]]
        owner = graph.get("owner_hotkey")
        immunity = num(graph["immunity_period"])
        ranked = rank_uids(hotkeys, [num(e) for e in graph["emission"]], [num(b) for b in graph["block_at_registration"]],
                           None if owner is None else encode_address(acct(owner)), block, immunity)
        min_non_immune = int(self._storage("MinNonImmuneUids", u16(netuid), default=0))
        max_uids = num(graph["max_uids"])
        full = len(hotkeys) >= max_uids
        mine = {encode_address(decode_address(h)) for h in own_hotkeys}
        return PruningView(
            netuid=netuid, block=block, uids=len(hotkeys), max_uids=max_uids, immunity_period=immunity,
            min_non_immune=min_non_immune, full=full, next_pruned=next_to_prune(ranked, min_non_immune) if full else None,
            own=tuple(u for u in ranked if u.hotkey in mine), candidates=sum(1 for u in ranked if u.rank is not None),
        )

    def prepare_register(self, coldkey: str, hotkey: str, netuid: int) -> PreparedTx:
        """burned_register `hotkey` on `netuid`, paying the current burn.

        Raises:
            WalletError: subnet_not_found, already_registered, hotkey_owned_by_other, insufficient_balance.
        """
        ck, hk = decode_address(coldkey), decode_address(hotkey)
        info = self.info(netuid)
        if self._storage("Uids", u16(netuid), hk, default=None) is not None:
            raise WalletError("already_registered", f"hotkey {encode_address(hk)} already has a uid on subnet {netuid}")
        owner = self._owner(hk)
        if owner is not None and owner != ck:
            raise WalletError("hotkey_owned_by_other", f"hotkey {encode_address(hk)} belongs to another coldkey")
        if netuid == 0:
            raise WalletError("root_subnet", "the root subnet (0) uses root_register, not burned_register")
        call = compose(self.chain, S, "burned_register", {"netuid": netuid, "hotkey": account_arg(hk)})
        cost = int(info.cost.scaleb(9))
        details = [("Burn cost", format_tao(info.cost)), ("Immunity", f"{info.immunity_period} blocks"),
                   ("Uids", f"{info.uids}/{info.max_uids}"), ("Pruning risk", info.pruning_risk)]
        warnings = ["the burn cost is not refunded, also if the uid is pruned later"]
        if info.full:
            victim = self.pruning(netuid).next_pruned
            if victim is None:
                raise WalletError("no_uid_available", f"subnet {netuid} is full and every uid is protected "
                                  "(immune or the owner's): the chain would refuse (NoNeuronIdAvailable); retry later")
            details.append(("Replaces", replaced_text(victim)))
        return preview_call(
            self.chain, ck, call, action=f"Register hotkey on subnet {netuid}", spend_rao=cost,
            destination=f"subnet {netuid} (hotkey {encode_address(hk)})", details=tuple(details),
            warnings=tuple(warnings),
        )

    def lock_cost(self) -> int:
        """Current subnet lock cost in rao."""
        with chain_errors():
            return num(self.api.call("SubnetRegistrationRuntimeApi_get_network_registration_cost"))

    def prepare_create_subnet(self, coldkey: str, hotkey: str,
                              identity: Mapping[str, str] | None = None) -> PreparedTx:
        """register_network with `hotkey` as the owner hotkey (locks the current lock cost); with an
        `identity` (fields of IDENTITY_FIELDS, e.g. subnet_name) register_network_with_identity sets it in
        the same call.

        Raises:
            WalletError: hotkey_owned_by_other, invalid_identity, runtime_mismatch (no identity call on this
                chain), insufficient_balance.
        """
        ck, hk = decode_address(coldkey), decode_address(hotkey)
        owner = self._owner(hk)
        if owner is not None and owner != ck:
            raise WalletError("hotkey_owned_by_other", f"hotkey {encode_address(hk)} belongs to another coldkey")
        fields = identity_args(identity) if identity and any(v.strip() for v in identity.values()) else None
        cost = self.lock_cost()
        details: list[tuple[str, str]] = [("Lock cost", format_tao(rao_to_tao(cost)))]
        if fields is None:
            call = compose(self.chain, S, "register_network", {"hotkey": account_arg(hk)})
        else:
            call = compose(self.chain, S, "register_network_with_identity", {"hotkey": account_arg(hk),
                                                                              "identity": fields})
            details += [(f"Identity {k}", v) for k, v in (identity or {}).items() if v.strip()]
        return preview_call(
            self.chain, ck, call, action="Create a subnet", spend_rao=cost,
            destination=f"a new subnet owned by hotkey {encode_address(hk)}", details=tuple(details),
            warnings=("the lock cost is taken from your balance into the new subnet's pool; "
                      "the subnet must be started (start_call) before it emits",),
        )

    def prepare_set_take(self, coldkey: str, hotkey: str, take_pct: str) -> PreparedTx:
        """increase_take / decrease_take to `take_pct` percent (bounds from the chain)."""
        ck, hk = decode_address(coldkey), decode_address(hotkey)
        try:
            pct = Decimal(take_pct)
        except ArithmeticError:
            raise WalletError("invalid_take", f"{take_pct!r} is not a percentage") from None
        if not pct.is_finite() or pct < 0 or pct > 100:
            raise WalletError("invalid_take", f"take must be between 0 and 100 percent, got {take_pct}")
        owner = self._owner(hk)
        if owner is None:
            raise WalletError("unknown_hotkey", f"hotkey {encode_address(hk)} is not registered on this network")
        if owner != ck:
            raise WalletError("not_hotkey_owner", f"hotkey {encode_address(hk)} is not owned by your coldkey")
        new = int((pct * 65_535 / 100).to_integral_value(ROUND_HALF_UP))
        lo, hi = int(self._storage("MinDelegateTake")), int(self._storage("MaxDelegateTake"))
        current = int(self._storage("Delegates", hk))
        if not lo <= new <= hi:
            raise WalletError("take_out_of_bounds", f"take must be between {_pct(lo)} and {_pct(hi)} on this chain")
        if new == current:
            raise WalletError("take_unchanged", f"the take is already {_pct(current)}")
        function = "increase_take" if new > current else "decrease_take"
        call = compose(self.chain, S, function, {"hotkey": account_arg(hk), "take": new})
        return preview_call(
            self.chain, ck, call, action=f"Set take to {_pct(new)}", destination=f"hotkey {encode_address(hk)}",
            details=(("Current take", _pct(current)), ("New take", _pct(new))),
            warnings=("take increases are rate-limited on chain",) if new > current else (),
        )

    def send(self, prepared: PreparedTx, signer: ExternalSigner, *,
             on_status: Callable[[TxStatusView], None] | None = None, wait_for: str = "finalized") -> TxStatusView:
        """Sign and submit a prepared registration/take transaction."""
        return send_prepared(self.runner, prepared, signer, on_status=on_status, wait_for=wait_for)

    def _owner(self, hotkey: bytes) -> bytes | None:
        with chain_errors():
            client = self.chain.client
            raw = client.read("state_getStorage", ["0x" + client.runtime().storage_key(S, "Owner", hotkey).hex()])
        return None if raw is None else bytes.fromhex(raw[2:])[:32]


def replaced_text(u: UidPruning) -> str:
    """`uid 7 (5F3s…, emission 0 rao, registered at block #12, lowest pruning score outside immunity)`."""
    why = "lowest pruning score outside immunity" if not u.immune else "lowest-scoring immune uid (too few non-immune)"
    return (f"uid {u.uid} (hotkey {u.hotkey}, emission {u.emission_rao} rao, registered at block "
            f"#{u.registered_at}; {why})")


def own_text(u: UidPruning, candidates: int) -> str:
    """`uid 3: immune for 12 more blocks; rank 2 of 7 by pruning score (1 = pruned first)`."""
    if u.owner_protected:
        return f"uid {u.uid}: the subnet owner's hotkey, never pruned"
    immunity = f"immune for {u.immune_blocks_left} more blocks" if u.immune else "outside immunity"
    return f"uid {u.uid}: {immunity}; rank {u.rank} of {candidates} by pruning score (1 = pruned first)"


def _pct(value: int) -> str:
    return f"{(Decimal(value) * 100 / 65_535).quantize(Decimal('0.01'))}%"
