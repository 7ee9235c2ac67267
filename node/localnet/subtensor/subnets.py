"""Subnet and neuron registration, start_call, takes, identities and set_weights.

Mirrors `subnets/{subnet,registration,uids,weights}.rs`, `coinbase/root.rs::do_root_register` and
`staking/{increase,decrease}_take.rs` with the errors named in the metadata.
"""

from __future__ import annotations

from typing import Any

from node.localnet.runtime.pallet import DispatchError, account_bytes
from node.localnet.subtensor.context import MAX_PRICE, Ctx, err
from node.localnet.subtensor.fastcodec import fexists, fremove, fset
from node.localnet.subtensor.ledger import is_subnet_account, subnet_account
from node.localnet.subtensor.rules import registration as reg
from node.localnet.subtensor.rules.balancer import HALF
from node.localnet.subtensor.rules.fixed import div64, to_u64, u64f64
from node.localnet.subtensor.rules.weights import WeightsContext, check_set_weights, max_upscale_to_u16

VECTOR_ITEMS = ("Active", "Emission", "Consensus", "Incentive", "Dividends", "ValidatorTrust", "ValidatorPermit")
_VECTOR_ZERO: dict[str, Any] = {"Active": True, "ValidatorPermit": False}
MAX_ROOT_VALIDATORS = 64


def _push(c: Ctx, item: str, netuid: int, value: Any) -> None:
    c.set(item, netuid, value=[*c.get(item, netuid), value])


def append_neuron(c: Ctx, netuid: int, hotkey: bytes) -> int:
    """Add a uid at the end of the subnet (`append_neuron`)."""
    uid = int(c.get("SubnetworkN", netuid))
    c.set("SubnetworkN", netuid, value=uid + 1)
    for item in VECTOR_ITEMS:
        _push(c, item, netuid, _VECTOR_ZERO.get(item, 0))
    _push(c, "LastUpdate", netuid, c.block)
    c.set("Keys", netuid, uid, value=hotkey)
    c.set("Uids", netuid, hotkey, value=uid)
    c.set("BlockAtRegistration", netuid, uid, value=c.block)
    c.set("IsNetworkMember", hotkey, netuid, value=True)
    return uid


def _set_at(c: Ctx, item: str, netuid: int, uid: int, value: Any) -> None:
    vec = list(c.get(item, netuid))
    if uid < len(vec):
        vec[uid] = value
        c.set(item, netuid, value=vec)


def replace_neuron(c: Ctx, netuid: int, uid: int, hotkey: bytes) -> None:
    """Give `uid` to a new hotkey, clearing the old neuron's outputs (`replace_neuron`)."""
    old = account_bytes(c.get("Keys", netuid, uid))
    if fexists(c.state, "SubtensorModule", "SubnetOwnerHotkey", netuid) and account_bytes(
            c.get("SubnetOwnerHotkey", netuid)) == old:
        return
    fremove(c.state, "SubtensorModule", "Uids", netuid, old)
    fremove(c.state, "SubtensorModule", "IsNetworkMember", old, netuid)
    for item in ("Axons", "NeuronCertificates", "Prometheus"):
        fremove(c.state, "SubtensorModule", item, netuid, old)
    c.set("Keys", netuid, uid, value=hotkey)
    c.set("Uids", netuid, hotkey, value=uid)
    c.set("BlockAtRegistration", netuid, uid, value=c.block)
    c.set("IsNetworkMember", hotkey, netuid, value=True)
    for item in VECTOR_ITEMS:
        _set_at(c, item, netuid, uid, _VECTOR_ZERO.get(item, 0))
    fremove(c.state, "SubtensorModule", "Weights", netuid, uid)
    fremove(c.state, "SubtensorModule", "Bonds", netuid, uid)
    _set_at(c, "LastUpdate", netuid, uid, c.block)


def neuron_to_prune(c: Ctx, netuid: int) -> int | None:
    """Pick the uid to replace (owner's immune hotkeys excluded), per `get_neuron_to_prune`."""
    n = int(c.get("SubnetworkN", netuid))
    emissions = c.get("Emission", netuid)
    immunity = int(c.get("ImmunityPeriod", netuid))
    owner_hk = account_bytes(c.get("SubnetOwnerHotkey", netuid)) if fexists(c.state,
        "SubtensorModule", "SubnetOwnerHotkey", netuid) else None
    cands = []
    for uid in range(n):
        hk = account_bytes(c.get("Keys", netuid, uid))
        reg_at = int(c.get("BlockAtRegistration", netuid, uid))
        cands.append(reg.PruneCandidate(uid, int(emissions[uid]) if uid < len(emissions) else 0, reg_at,
                                        reg.is_immune(c.block, reg_at, immunity), hk == owner_hk))
    return reg.neuron_to_prune(cands, int(c.get("MinNonImmuneUids", netuid)))


def register_neuron(c: Ctx, netuid: int, hotkey: bytes) -> int:
    """Append, or replace the pruning candidate when the subnet is full."""
    if int(c.get("SubnetworkN", netuid)) < int(c.get("MaxAllowedUids", netuid)):
        return append_neuron(c, netuid, hotkey)
    uid = neuron_to_prune(c, netuid)
    if uid is None:
        raise err("NoNeuronIdAvailable")
    replace_neuron(c, netuid, uid, hotkey)
    return uid


def burned_register(c: Ctx, coldkey: bytes, netuid: int, hotkey: bytes) -> int:
    """burned_register: pay the burn (swapped to alpha and burned), get a uid, bump the burn."""
    if netuid == 0:
        raise err("RegistrationNotPermittedOnRootSubnet")
    if not c.subnet_exists(netuid):
        raise err("SubnetNotExists")
    if not c.get("NetworkRegistrationAllowed", netuid):
        raise err("SubNetRegistrationDisabled")
    if c.uid_of(netuid, hotkey) is not None:
        raise err("HotKeyAlreadyRegisteredInSubNet")
    cost = int(c.get("Burn", netuid))
    if not c.ledger.can_withdraw(coldkey, cost):
        raise err("NotEnoughBalanceToStake")
    c.create_hotkey_account(coldkey, hotkey)
    if c.owner_of(hotkey) != coldkey:
        raise err("NonAssociatedColdKey")
    if int(c.get("MaxAllowedUids", netuid)) == 0:
        raise err("NoNeuronIdAvailable")
    if int(c.get("SubnetworkN", netuid)) >= int(c.get("MaxAllowedUids", netuid)) and neuron_to_prune(
            c, netuid) is None:
        raise err("NoNeuronIdAvailable")
    c.ledger.transfer(coldkey, subnet_account(netuid), cost)
    res = c.ledger.swap_tao_for_alpha(netuid, cost, MAX_PRICE)
    if res.fee_paid:
        c.ledger.burn(subnet_account(netuid), res.fee_paid)
    c.ledger.add("SubnetAlphaOut", netuid, -res.amount_paid_out)  # the bought alpha is burned
    uid = register_neuron(c, netuid, hotkey)
    new_burn = reg.bumped_burn(cost, int(c.get("BurnIncreaseMult", netuid)["bits"]),
                               int(c.get("MinBurn", netuid)), int(c.get("MaxBurn", netuid)))
    c.set("Burn", netuid, value=new_burn)
    c.set("RegistrationsThisBlock", netuid, value=int(c.get("RegistrationsThisBlock", netuid)) + 1)
    c.ledger.add("RAORecycledForRegistration", netuid, cost)
    c.event("NeuronRegistered", netuid, uid, hotkey)
    return uid


def root_register(c: Ctx, coldkey: bytes, hotkey: bytes) -> int:
    """root_register: join root (netuid 0), replacing the lowest-stake root validator when full."""
    if not c.subnet_exists(0):
        raise err("RootNetworkDoesNotExist")
    if int(c.get("RegistrationsThisBlock", 0)) >= int(c.get("MaxRegistrationsPerBlock", 0)):
        raise err("TooManyRegistrationsThisBlock")
    if int(c.get("RegistrationsThisInterval", 0)) >= 3 * int(c.get("TargetRegistrationsPerInterval", 0)):
        raise err("TooManyRegistrationsThisInterval")
    if c.uid_of(0, hotkey) is not None:
        raise err("HotKeyAlreadyRegisteredInSubNet")
    c.create_hotkey_account(coldkey, hotkey)
    n = int(c.get("SubnetworkN", 0))
    if n < min(int(c.get("MaxAllowedUids", 0)), MAX_ROOT_VALIDATORS):
        uid = append_neuron(c, 0, hotkey)
    else:
        stakes = [(c.ledger.hotkey_alpha(account_bytes(c.get("Keys", 0, u)), 0), u) for u in range(n)]
        lowest, uid = min(stakes)
        if lowest >= c.ledger.hotkey_alpha(hotkey, 0):
            raise err("StakeTooLowForRoot")
        replace_neuron(c, 0, uid, hotkey)
    if not fexists(c.state, "SubtensorModule", "Delegates", hotkey):
        c.set("Delegates", hotkey, value=11_796)
    for item in ("RegistrationsThisInterval", "RegistrationsThisBlock"):
        c.set(item, 0, value=int(c.get(item, 0)) + 1)
    c.event("NeuronRegistered", 0, uid, hotkey)
    return uid


NETWORK_LOCK_KEY = "NetworkLastRegistered"


def lock_cost(c: Ctx) -> int:
    """Current network registration lock cost."""
    return reg.network_lock_cost(int(c.get("NetworkLastLockCost")), int(c.get("NetworkMinLockCost")),
                                 int(c.get("LastRateLimitedBlock", NETWORK_LOCK_KEY)), c.block,
                                 int(c.get("NetworkLockReductionInterval")))


def _median_price(c: Ctx) -> int:
    prices = sorted(p for n in c.netuids() if n != 0 and (p := c.ledger.pool(n).price()) > 0)
    if not prices:
        return u64f64(1)
    mid = len(prices) // 2
    return prices[mid] if len(prices) % 2 else (prices[mid - 1] + prices[mid]) // 2


def register_network(c: Ctx, coldkey: bytes, hotkey: bytes, identity: Any = None, tempo: int | None = None) -> int:
    """register_network(_with_identity): lock TAO, create the subnet, pool, owner and first neuron."""
    owner = c.owner_of(hotkey)
    if owner is not None and owner != coldkey:
        raise err("NonAssociatedColdKey")
    if is_subnet_account(hotkey):
        raise err("CannotUseSystemAccount")
    last = int(c.get("LastRateLimitedBlock", NETWORK_LOCK_KEY))
    limit = int(c.get("NetworkRateLimit"))
    if limit and last and c.block - last < limit:
        raise err("NetworkTxRateLimitExceeded")
    count = sum(1 for n in c.netuids() if n != 0)
    if count >= int(c.get("SubnetLimit")):
        raise err("SubnetLimitReached")
    cost = lock_cost(c)
    if not c.ledger.can_withdraw(coldkey, cost):
        raise err("CannotAffordLockCost")
    netuid = next(n for n in range(1, 65_536) if not c.subnet_exists(n))
    median = _median_price(c)
    default_tempo = int(c.state.md.constant("SubtensorModule", "InitialTempo")) if tempo is None else tempo
    init_network(c, netuid, default_tempo)
    c.ledger.transfer(coldkey, subnet_account(netuid), cost)
    c.set("NetworkLastLockCost", value=cost)
    c.create_hotkey_account(coldkey, hotkey)
    append_neuron(c, netuid, hotkey)
    c.set("SubnetMechanism", netuid, value=1)
    c.set("NetworkRegisteredAt", netuid, value=c.block)
    c.set("RegisteredSubnetCounter", netuid, value=int(c.get("RegisteredSubnetCounter", netuid)) + 1)
    c.set("TokenSymbol", netuid, value=_symbol(netuid))
    pool_tao = max(cost, int(c.get("NetworkMinLockCost")))
    pool_alpha = to_u64(div64(u64f64(pool_tao), median))
    c.set("SubnetTAO", netuid, value=pool_tao)
    c.set("SubnetAlphaIn", netuid, value=pool_alpha)
    c.set("SubnetOwner", netuid, value=coldkey)
    c.set("SubnetOwnerHotkey", netuid, value=hotkey)
    c.set("SubnetLocked", netuid, value=cost)
    c.set("SubnetAlphaOut", netuid, value=0)
    c.ledger.add_plain("TotalStake", pool_tao)
    fset(c.state, "Swap", "SwapBalancer", netuid, value={"quote": HALF})
    if identity is not None:
        c.set("SubnetIdentitiesV3", netuid, value=identity)
        c.event("SubnetIdentitySet", netuid)
    c.event("NetworkAdded", netuid, 1)
    c.set("SubnetEmissionEnabled", netuid, value=False)
    _record_network_lock_block(c)
    return netuid


def _record_network_lock_block(c: Ctx) -> None:
    c.set("LastRateLimitedBlock", NETWORK_LOCK_KEY, value=c.block)


def init_network(c: Ctx, netuid: int, tempo: int) -> None:
    """`init_new_network`: size 0, added, tempo (staggered epochs) and explicit defaults."""
    c.set("SubnetworkN", netuid, value=0)
    c.set("NetworksAdded", netuid, value=True)
    c.set("Tempo", netuid, value=tempo)
    c.set("LastEpochBlock", netuid, value=max(c.block - netuid % max(tempo, 1), 0))
    c.set("TotalNetworks", value=int(c.get("TotalNetworks")) + 1)
    c.set("NetworkRegistrationAllowed", netuid, value=True)
    c.set("MaxAllowedUids", netuid, value=256)
    c.set("MaxAllowedValidators", netuid, value=64)
    c.set("MinAllowedWeights", netuid, value=1)
    c.set("ImmunityPeriod", netuid, value=5000)
    c.set("Yuma3On", netuid, value=True)
    c.set("Burn", netuid, value=1_000_000_000)
    c.set("SubnetEmissionEnabled", netuid, value=True)
    for item in ("Kappa", "ActivityCutoff", "RegistrationsThisInterval"):
        c.set(item, netuid, value=c.get(item, netuid))


def _symbol(netuid: int) -> bytes:
    greek = "ταβγδεζηθικλμνξοπρστυφχψω"
    return greek[netuid % len(greek)].encode()


def start_call(c: Ctx, coldkey: bytes, netuid: int) -> None:
    """start_call: the owner enables emission/subtoken after StartCallDelay blocks."""
    if not c.subnet_exists(netuid):
        raise err("SubnetNotExists")
    if account_bytes(c.get("SubnetOwner", netuid)) != coldkey:
        raise DispatchError("BadOrigin")
    if c.get("FirstEmissionBlockNumber", netuid) is not None:
        raise err("FirstEmissionBlockNumberAlreadySet")
    if c.block < int(c.get("NetworkRegisteredAt", netuid)) + int(c.get("StartCallDelay")):
        raise err("NeedWaitingMoreBlocksToStarCall")
    c.set("FirstEmissionBlockNumber", netuid, value=c.block + 1)
    c.set("SubtokenEnabled", netuid, value=True)
    c.event("FirstEmissionBlockNumberSet", netuid, c.block + 1)


def set_weights(c: Ctx, hotkey: bytes, netuid: int, dests: list[int], weights: list[int], version_key: int) -> None:
    """set_weights with the chain's checks; stores max-upscaled u16 weights and LastUpdate."""
    uid = c.uid_of(netuid, hotkey) if c.subnet_exists(netuid) else None
    if netuid != 0 and not c.subnet_exists(netuid):
        raise err("MechanismDoesNotExist")
    owner_uid = None
    if fexists(c.state, "SubtensorModule", "SubnetOwnerHotkey", netuid):
        owner_uid = c.uid_of(netuid, account_bytes(c.get("SubnetOwnerHotkey", netuid)))
    last_update = c.get("LastUpdate", netuid)
    permits = c.get("ValidatorPermit", netuid)
    ctx = WeightsContext(
        netuid=netuid, subnetwork_n=int(c.get("SubnetworkN", netuid)), caller_uid=uid,
        caller_stake=c.ledger.hotkey_alpha(hotkey, netuid), stake_threshold=int(c.get("StakeThreshold")),
        network_version_key=int(c.get("WeightsVersionKey", netuid)),
        last_update=int(last_update[uid]) if uid is not None and uid < len(last_update) else 0,
        rate_limit=int(c.get("WeightsSetRateLimit", netuid)), current_block=c.block,
        commit_reveal=bool(c.get("CommitRevealWeightsEnabled", netuid)),
        validator_permit=bool(permits[uid]) if uid is not None and uid < len(permits) else False,
        owner_uid=owner_uid, min_allowed_weights=int(c.get("MinAllowedWeights", netuid)),
        max_weight_limit=int(c.get("MaxWeightsLimit", netuid)),
    )
    problem = check_set_weights(ctx, dests, weights, version_key)
    if problem is not None:
        raise err(problem)
    assert uid is not None
    c.set("Weights", netuid, uid, value=list(zip(dests, max_upscale_to_u16(weights), strict=True)))
    _set_at(c, "LastUpdate", netuid, uid, c.block)
    c.event("WeightsSet", netuid, uid)


def change_take(c: Ctx, coldkey: bytes, hotkey: bytes, take: int, increase: bool) -> None:
    """increase_take / decrease_take with bounds and the increase rate limit."""
    if c.owner_of(hotkey) != coldkey:
        raise err("NonAssociatedColdKey")
    current = int(c.get("Delegates", hotkey))
    if increase:
        if take <= current:
            raise err("DelegateTakeTooLow")
        if take > int(c.get("MaxDelegateTake")):
            raise err("DelegateTakeTooHigh")
        last = int(c.get("LastTxBlockDelegateTake", hotkey))
        if last and c.block - last <= int(c.get("TxDelegateTakeRateLimit")):
            raise err("DelegateTxRateLimitExceeded")
        c.set("LastTxBlockDelegateTake", hotkey, value=c.block)
    else:
        if take >= current:
            raise err("DelegateTakeTooLow")
        if take < int(c.get("MinDelegateTake")):
            raise err("DelegateTakeTooLow")
    c.set("Delegates", hotkey, value=take)
    c.event("TakeIncreased" if increase else "TakeDecreased", coldkey, hotkey, take)
