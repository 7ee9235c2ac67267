"""Python values of the subtensor runtime-API structs, built from storage (field names from the V15 types).

Sources follow `pallets/subtensor/src/rpc_info/*.rs` and the runtime's SwapRuntimeApi; fields the
localnet does not model (axons unless served, prometheus, childkey/lock data, daily returns) are zero.
"""

from __future__ import annotations

from typing import Any

from node.localnet.runtime.pallet import account_bytes
from node.localnet.subtensor import subnets as sn
from node.localnet.subtensor.context import Ctx
from node.localnet.subtensor.fastcodec import fiter_prefix
from node.localnet.subtensor.ledger import S
from node.localnet.subtensor.rules.fixed import div64, mul64, to_u64, u64f64
from node.localnet.subtensor.rules.swap import SwapError, fee_amount, sim_swap

ZERO_AXON = {"block": 0, "version": 0, "ip": 0, "port": 0, "ip_type": 0, "protocol": 0, "placeholder1": 0,
             "placeholder2": 0}
ZERO_PROMETHEUS = {"block": 0, "version": 0, "ip": 0, "port": 0, "ip_type": 0}


def _acct(value: Any) -> bytes:
    return account_bytes(value)


def _name(c: Ctx, netuid: int) -> bytes:
    ident = c.get("SubnetIdentitiesV3", netuid)
    if ident is not None and ident["subnet_name"]:
        return _raw(ident["subnet_name"])
    return f"subnet {netuid}".encode()


def _raw(value: Any) -> bytes:
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    if isinstance(value, str):
        return bytes.fromhex(value[2:]) if value.startswith("0x") else value.encode()
    return bytes(value)


def _identity(c: Ctx, netuid: int) -> dict[str, bytes] | None:
    ident = c.get("SubnetIdentitiesV3", netuid)
    return None if ident is None else {k: _raw(v) for k, v in ident.items()}


def price_rao(c: Ctx, netuid: int) -> int:
    """current_alpha_price: U64F64 price x 1e9, floor."""
    return to_u64(mul64(c.ledger.pool(netuid).price(), u64f64(10**9)))


def sim_swap_result(c: Ctx, netuid: int, amount: int, buy: bool) -> dict[str, int]:
    """SimSwapResult of SwapRuntimeApi (zeros when the swap would fail, as on chain)."""
    pool = c.ledger.pool(netuid)
    price = pool.price()
    try:
        res = sim_swap(pool, buy=buy, amount=amount, subnet_exists=c.subnet_exists(netuid))
    except SwapError:
        return dict.fromkeys(("tao_amount", "alpha_amount", "tao_fee", "alpha_fee", "tao_slippage",
                              "alpha_slippage"), 0)
    if buy:
        ideal = to_u64(div64(u64f64(amount), price)) if price else 0
        return {"tao_amount": res.amount_paid_in, "alpha_amount": res.amount_paid_out, "tao_fee": res.fee_paid,
                "alpha_fee": 0, "tao_slippage": 0, "alpha_slippage": max(ideal - res.amount_paid_out, 0)}
    ideal = to_u64(mul64(u64f64(amount), price))
    return {"tao_amount": res.amount_paid_out, "alpha_amount": res.amount_paid_in, "tao_fee": 0,
            "alpha_fee": res.fee_paid, "tao_slippage": max(ideal - res.amount_paid_out, 0), "alpha_slippage": 0}


def dynamic_info(c: Ctx, netuid: int) -> dict[str, Any] | None:
    """DynamicInfo of one subnet."""
    if not c.subnet_exists(netuid):
        return None
    last = int(c.get("LastMechansimStepBlock", netuid))
    return {
        "netuid": netuid, "owner_hotkey": _acct(c.get("SubnetOwnerHotkey", netuid)),
        "owner_coldkey": _acct(c.get("SubnetOwner", netuid)), "subnet_name": list(_name(c, netuid)),
        "token_symbol": list(_raw(c.get("TokenSymbol", netuid))), "tempo": int(c.get("Tempo", netuid)),
        "last_step": last, "blocks_since_last_step": max(c.block - last, 0), "emission": 0,
        "alpha_in": int(c.get("SubnetAlphaIn", netuid)), "alpha_out": int(c.get("SubnetAlphaOut", netuid)),
        "tao_in": int(c.get("SubnetTAO", netuid)), "alpha_out_emission": int(c.get("SubnetAlphaOutEmission", netuid)),
        "alpha_in_emission": int(c.get("SubnetAlphaInEmission", netuid)),
        "tao_in_emission": int(c.get("SubnetTaoInEmission", netuid)),
        "pending_alpha_emission": int(c.get("PendingValidatorEmission", netuid))
        + int(c.get("PendingServerEmission", netuid)),
        "pending_root_emission": 0, "subnet_volume": int(c.get("SubnetVolume", netuid)),
        "network_registered_at": int(c.get("NetworkRegisteredAt", netuid)), "subnet_identity": _identity(c, netuid),
        "moving_price": int(c.get("SubnetMovingPrice", netuid)["bits"]),
    }


def _hyper_common(c: Ctx, netuid: int) -> dict[str, Any]:
    tempo = int(c.get("Tempo", netuid))
    alpha = c.get("AlphaValues", netuid)
    return {
        "rho": int(c.get("Rho", netuid)), "kappa": int(c.get("Kappa", netuid)),
        "immunity_period": int(c.get("ImmunityPeriod", netuid)),
        "min_allowed_weights": int(c.get("MinAllowedWeights", netuid)),
        "max_weights_limit": int(c.get("MaxWeightsLimit", netuid)), "tempo": tempo,
        "min_difficulty": int(c.get("MinDifficulty", netuid)), "max_difficulty": int(c.get("MaxDifficulty", netuid)),
        "weights_version": int(c.get("WeightsVersionKey", netuid)),
        "weights_rate_limit": int(c.get("WeightsSetRateLimit", netuid)),
        "adjustment_interval": int(c.get("AdjustmentInterval", netuid)),
        "activity_cutoff": max(1, int(c.get("ActivityCutoffFactorMilli", netuid)) * tempo // 1000),
        "registration_allowed": bool(c.get("NetworkRegistrationAllowed", netuid)),
        "target_regs_per_interval": int(c.get("TargetRegistrationsPerInterval", netuid)),
        "min_burn": int(c.get("MinBurn", netuid)), "max_burn": int(c.get("MaxBurn", netuid)),
        "bonds_moving_avg": int(c.get("BondsMovingAverage", netuid)),
        "max_regs_per_block": int(c.get("MaxRegistrationsPerBlock", netuid)),
        "serving_rate_limit": int(c.get("ServingRateLimit", netuid)),
        "max_validators": int(c.get("MaxAllowedValidators", netuid)),
        "adjustment_alpha": int(c.get("AdjustmentAlpha", netuid)), "difficulty": int(c.get("Difficulty", netuid)),
        "commit_reveal_period": int(c.get("RevealPeriodEpochs", netuid)),
        "commit_reveal_weights_enabled": bool(c.get("CommitRevealWeightsEnabled", netuid)),
        "alpha_high": int(alpha[1]), "alpha_low": int(alpha[0]), "liquid_alpha_enabled": bool(c.get("LiquidAlphaOn", netuid)),
    }


def hyperparams(c: Ctx, netuid: int, v2: bool) -> dict[str, Any] | None:
    """SubnetHyperparams / SubnetHyperparamsV2."""
    if not c.subnet_exists(netuid):
        return None
    out = _hyper_common(c, netuid)
    if v2:
        out.update({"alpha_sigmoid_steepness": int(c.get("AlphaSigmoidSteepness", netuid)) << 32,
                    "yuma_version": 3 if c.get("Yuma3On", netuid) else 2,
                    "subnet_is_active": bool(c.get("SubtokenEnabled", netuid)),
                    "transfers_enabled": bool(c.get("TransferToggle", netuid)),
                    "bonds_reset_enabled": bool(c.get("BondsResetOn", netuid)), "user_liquidity_enabled": False})
    return out


def subnet_info_v2(c: Ctx, netuid: int) -> dict[str, Any] | None:
    """SubnetInfov2."""
    if not c.subnet_exists(netuid):
        return None
    return {
        "netuid": netuid, "rho": int(c.get("Rho", netuid)), "kappa": int(c.get("Kappa", netuid)),
        "difficulty": int(c.get("Difficulty", netuid)), "immunity_period": int(c.get("ImmunityPeriod", netuid)),
        "max_allowed_validators": int(c.get("MaxAllowedValidators", netuid)),
        "min_allowed_weights": int(c.get("MinAllowedWeights", netuid)),
        "max_weights_limit": int(c.get("MaxWeightsLimit", netuid)), "scaling_law_power": int(c.get("ScalingLawPower", netuid)),
        "subnetwork_n": int(c.get("SubnetworkN", netuid)), "max_allowed_uids": int(c.get("MaxAllowedUids", netuid)),
        "blocks_since_last_step": int(c.get("BlocksSinceLastStep", netuid)), "tempo": int(c.get("Tempo", netuid)),
        "network_modality": 0, "network_connect": [], "emission_value": 0, "burn": int(c.get("Burn", netuid)),
        "owner": _acct(c.get("SubnetOwner", netuid)), "identity": _identity(c, netuid),
    }


def neuron_lite(c: Ctx, netuid: int, uid: int, full: bool = False) -> dict[str, Any] | None:
    """NeuronInfoLite (or NeuronInfo with weights and bonds when `full`)."""
    if not c.subnet_exists(netuid) or uid >= int(c.get("SubnetworkN", netuid)):
        return None
    hk = _acct(c.get("Keys", netuid, uid))

    def at(item: str, default: Any = 0) -> Any:
        vec = c.get(item, netuid)
        return vec[uid] if uid < len(vec) else default

    axon = c.get("Axons", netuid, hk)
    out = {
        "hotkey": hk, "coldkey": c.owner_of(hk) or hk, "uid": uid, "netuid": netuid, "active": bool(at("Active", True)),
        "axon_info": axon if axon is not None else ZERO_AXON, "prometheus_info": ZERO_PROMETHEUS,
        "stake": [(c.owner_of(hk) or hk, c.ledger.hotkey_alpha(hk, netuid))], "rank": 0,
        "emission": int(at("Emission")), "incentive": int(at("Incentive")), "consensus": int(at("Consensus")),
        "trust": 0, "validator_trust": int(at("ValidatorTrust")), "dividends": int(at("Dividends")),
        "last_update": int(at("LastUpdate")), "validator_permit": bool(at("ValidatorPermit", False)),
        "pruning_score": 65_535,
    }
    if full:
        out["weights"] = [tuple(e) for e in c.get("Weights", netuid, uid)]
        out["bonds"] = [tuple(e) for e in c.get("Bonds", netuid, uid)]
    return out


def metagraph(c: Ctx, netuid: int) -> dict[str, Any] | None:
    """Metagraph (what `btcli subnets show` and the SDK's metagraph read)."""
    info = dynamic_info(c, netuid)
    if info is None:
        return None
    n = int(c.get("SubnetworkN", netuid))
    keys = [_acct(c.get("Keys", netuid, u)) for u in range(n)]
    hyper = _hyper_common(c, netuid)

    def vec(item: str, default: Any = 0) -> list[Any]:
        v = list(c.get(item, netuid))
        return (v + [default] * n)[:n]

    alpha = [c.ledger.hotkey_alpha(k, netuid) for k in keys]
    tao = [c.ledger.hotkey_alpha(k, 0) if netuid else 0 for k in keys]
    return {
        "netuid": netuid, "name": info["subnet_name"], "symbol": info["token_symbol"], "identity": info["subnet_identity"],
        "network_registered_at": info["network_registered_at"], "owner_hotkey": info["owner_hotkey"],
        "owner_coldkey": info["owner_coldkey"], "block": c.block, "tempo": info["tempo"], "last_step": info["last_step"],
        "blocks_since_last_step": info["blocks_since_last_step"], "subnet_emission": 0,
        **{k: info[k] for k in ("alpha_in", "alpha_out", "tao_in", "alpha_out_emission", "alpha_in_emission",
                                "tao_in_emission", "pending_alpha_emission", "pending_root_emission",
                                "subnet_volume", "moving_price")},
        **{k: hyper[k] for k in ("rho", "kappa", "min_allowed_weights", "max_weights_limit", "weights_rate_limit",
                                 "activity_cutoff", "immunity_period", "min_difficulty", "max_difficulty", "min_burn",
                                 "max_burn", "adjustment_alpha", "adjustment_interval", "target_regs_per_interval",
                                 "max_regs_per_block", "serving_rate_limit", "commit_reveal_weights_enabled",
                                 "commit_reveal_period", "liquid_alpha_enabled", "alpha_high", "alpha_low",
                                 "bonds_moving_avg", "difficulty")},
        "weights_version": hyper["weights_version"], "max_validators": hyper["max_validators"], "num_uids": n,
        "max_uids": int(c.get("MaxAllowedUids", netuid)), "burn": int(c.get("Burn", netuid)),
        "registration_allowed": hyper["registration_allowed"],
        "pow_registration_allowed": bool(c.get("NetworkPowRegistrationAllowed", netuid)),
        "hotkeys": keys, "coldkeys": [c.owner_of(k) or k for k in keys], "identities": [None] * n,
        "axons": [c.get("Axons", netuid, k) or ZERO_AXON for k in keys], "active": vec("Active", True),
        "validator_permit": vec("ValidatorPermit", False), "pruning_score": [65_535] * n,
        "last_update": vec("LastUpdate"), "emission": vec("Emission"), "dividends": vec("Dividends"),
        "incentives": vec("Incentive"), "consensus": vec("Consensus"), "trust": [0] * n, "rank": [0] * n,
        "block_at_registration": [int(c.get("BlockAtRegistration", netuid, u)) for u in range(n)],
        "alpha_stake": alpha, "tao_stake": tao, "total_stake": [a + t for a, t in zip(alpha, tao, strict=True)],
        "tao_dividends_per_hotkey": [(k, 0) for k in keys],
        "alpha_dividends_per_hotkey": [(k, int(c.get("AlphaDividendsPerSubnet", netuid, k))) for k in keys],
        "collateral_locked": [0] * n, "collateral_min": [0] * n, "collateral_earned": [0] * n,
    }


def stake_infos(c: Ctx, coldkey: bytes) -> list[dict[str, Any]]:
    """StakeInfo rows of a coldkey: every (hotkey, netuid) it holds alpha on."""
    rows = []
    for hk in (_acct(h) for h in c.get("StakingHotkeys", coldkey)):
        for netuid in c.netuids():
            row = stake_info(c, hk, coldkey, netuid)
            if row is not None and row["stake"]:
                rows.append(row)
    return rows


def stake_info(c: Ctx, hotkey: bytes, coldkey: bytes, netuid: int) -> dict[str, Any] | None:
    """StakeInfo of one (hotkey, coldkey, netuid)."""
    if not c.subnet_exists(netuid):
        return None
    return {"hotkey": hotkey, "coldkey": coldkey, "netuid": netuid, "stake": c.ledger.alpha(hotkey, coldkey, netuid),
            "locked": 0, "emission": int(c.get("AlphaDividendsPerSubnet", netuid, hotkey)), "tao_emission": 0,
            "drain": 0, "is_registered": c.uid_of(netuid, hotkey) is not None}


def delegate_info(c: Ctx, hotkey: bytes) -> dict[str, Any] | None:
    """DelegateInfo of a hotkey (None if the hotkey account does not exist)."""
    owner = c.owner_of(hotkey)
    if owner is None:
        return None
    nominators: dict[bytes, list[tuple[int, int]]] = {}
    for (_, ck, netuid), _share in fiter_prefix(c.state, S, "AlphaV2", hotkey):
        cold = _acct(ck)
        alpha = c.ledger.alpha(hotkey, cold, int(netuid))
        if alpha:
            nominators.setdefault(cold, []).append((int(netuid), alpha))
    regs = [n for n in c.netuids() if c.uid_of(n, hotkey) is not None]
    permits = []
    for n in regs:
        uid = c.uid_of(n, hotkey)
        vec = c.get("ValidatorPermit", n)
        if uid is not None and uid < len(vec) and vec[uid]:
            permits.append(n)
    return {"delegate_ss58": hotkey, "take": int(c.get("Delegates", hotkey)), "nominators": list(nominators.items()),
            "owner_ss58": owner, "registrations": regs, "validator_permits": permits, "return_per_1000": 0,
            "total_daily_return": 0}


def delegates(c: Ctx) -> list[dict[str, Any]]:
    """All hotkeys with an explicit Delegates entry (validators that were made delegates)."""
    out = []
    for (hk,), _take in fiter_prefix(c.state, S, "Delegates"):
        info = delegate_info(c, _acct(hk))
        if info is not None:
            out.append(info)
    return out


def delegated(c: Ctx, coldkey: bytes) -> list[tuple[dict[str, Any], tuple[int, int]]]:
    """(DelegateInfo, (netuid, alpha)) for every hotkey the coldkey stakes to."""
    out = []
    for hk in (_acct(h) for h in c.get("StakingHotkeys", coldkey)):
        info = delegate_info(c, hk)
        if info is None:
            continue
        for netuid in c.netuids():
            alpha = c.ledger.alpha(hk, coldkey, netuid)
            if alpha:
                out.append((info, (netuid, alpha)))
    return out


def next_epoch_block(c: Ctx, netuid: int) -> int | None:
    """get_next_epoch_start_block."""
    tempo = int(c.get("Tempo", netuid))
    if not c.subnet_exists(netuid) or tempo == 0:
        return None
    auto = int(c.get("LastEpochBlock", netuid)) + tempo
    pending = int(c.get("PendingEpochAt", netuid))
    return min(auto, pending) if pending else auto


def network_registration_cost(c: Ctx) -> int:
    """SubnetRegistrationRuntimeApi_get_network_registration_cost."""
    return sn.lock_cost(c)



def hyperparams_v3(c: Ctx, netuid: int) -> list[dict[str, Any]] | None:
    """SubnetHyperparamsV3: named, typed entries (the list of `get_subnet_hyperparams_v3`)."""
    if not c.subnet_exists(netuid):
        return None
    h = _hyper_common(c, netuid)
    entries: list[tuple[str, str, Any]] = [
        ("kappa", "U16", h["kappa"]), ("immunity_period", "U16", h["immunity_period"]),
        ("min_allowed_weights", "U16", h["min_allowed_weights"]), ("max_weights_limit", "U16", h["max_weights_limit"]),
        ("tempo", "U16", h["tempo"]), ("weights_version", "U64", h["weights_version"]),
        ("weights_rate_limit", "U64", h["weights_rate_limit"]), ("activity_cutoff", "U64", h["activity_cutoff"]),
        ("activity_cutoff_factor", "U32", int(c.get("ActivityCutoffFactorMilli", netuid))),
        ("registration_allowed", "Bool", h["registration_allowed"]),
        ("target_regs_per_interval", "U16", h["target_regs_per_interval"]),
        ("min_burn", "TaoBalance", h["min_burn"]), ("max_burn", "TaoBalance", h["max_burn"]),
        ("burn_half_life", "U16", int(c.get("BurnHalfLife", netuid))),
        ("burn_increase_mult", "U64F64", int(c.get("BurnIncreaseMult", netuid)["bits"])),
        ("bonds_moving_avg", "U64", h["bonds_moving_avg"]), ("max_regs_per_block", "U16", h["max_regs_per_block"]),
        ("serving_rate_limit", "U64", h["serving_rate_limit"]), ("max_validators", "U16", h["max_validators"]),
        ("commit_reveal_period", "U64", h["commit_reveal_period"]),
        ("commit_reveal_weights_enabled", "Bool", h["commit_reveal_weights_enabled"]),
        ("alpha_high", "U16", h["alpha_high"]), ("alpha_low", "U16", h["alpha_low"]),
        ("liquid_alpha_enabled", "Bool", h["liquid_alpha_enabled"]),
        ("alpha_sigmoid_steepness", "I32F32", int(c.get("AlphaSigmoidSteepness", netuid)) << 32),
        ("yuma_version", "U16", 3 if c.get("Yuma3On", netuid) else 2),
        ("subnet_is_active", "Bool", bool(c.get("SubtokenEnabled", netuid))),
        ("transfers_enabled", "Bool", bool(c.get("TransferToggle", netuid))),
        ("bonds_reset_enabled", "Bool", bool(c.get("BondsResetOn", netuid))),
        ("user_liquidity_enabled", "Bool", False),
        ("owner_cut_enabled", "Bool", bool(c.get("OwnerCutEnabled", netuid))),
        ("owner_cut_auto_lock_enabled", "Bool", bool(c.get("OwnerCutAutoLockEnabled", netuid))),
        ("min_childkey_take", "U16", int(c.get("MinChildkeyTake"))),
    ]
    return [{"name": name.encode(), "value": {variant: value}} for name, variant, value in entries]


def stake_availability(c: Ctx, coldkeys: list[bytes], netuids: list[int] | None) -> list[Any]:
    """BTreeMap<coldkey, BTreeMap<netuid, StakeAvailability>>; nothing is locked on the localnet.

    As on chain: a requested netuid list that is empty or longer than the number of subnets gives
    empty maps; unknown netuids are dropped; subnets with no stake are skipped.
    """
    existing = c.netuids()
    if netuids is None:
        chosen = existing
    else:
        wanted = sorted(set(netuids))
        chosen = [] if not wanted or len(wanted) > len(existing) else [n for n in wanted if n in existing]
    out = []
    for ck in sorted(set(coldkeys)):
        per = []
        for n in chosen:
            total = sum(c.ledger.alpha(_acct(h), ck, n) for h in c.get("StakingHotkeys", ck))
            if total:
                per.append((n, {"total": total, "locked": 0, "available": total}))
        out.append((ck, per))
    return out


def stake_fee(c: Ctx, origin: Any, destination: Any, amount: int) -> int:
    """get_stake_fee: 0 for a no-op, else the pool fee on `amount` of the destination (or origin) subnet."""
    if origin == destination:
        return 0
    netuid = int((destination or origin or (None, 0))[1])
    return fee_amount(c.ledger.pool(netuid), amount, False)


def selective_metagraph(c: Ctx, netuid: int, indexes: list[int], field_names: list[str],
                        always_netuid: bool = False) -> dict[str, Any] | None:
    """SelectiveMetagraph: field i (in struct order, 0 = netuid) is Some only if i is requested."""
    full = metagraph(c, netuid)
    if full is None:
        return None
    wanted = set(indexes)
    out: dict[str, Any] = {}
    for i, name in enumerate(field_names):
        if name == "netuid":
            out[name] = netuid if (0 in wanted or always_netuid) else 0
        else:
            out[name] = full.get(name) if i in wanted else None
    return out


def subnet_info_v1(c: Ctx, netuid: int) -> dict[str, Any] | None:
    """SubnetInfo (v1): v2 without the identity, `emission_values` instead of `emission_value`."""
    v2 = subnet_info_v2(c, netuid)
    if v2 is None:
        return None
    out = {k: val for k, val in v2.items() if k not in ("identity", "emission_value")}
    out["emission_values"] = 0
    return out


def subnet_state(c: Ctx, netuid: int) -> dict[str, Any] | None:
    """SubnetState: the per-uid vectors of the metagraph (no emission history on the localnet)."""
    graph = metagraph(c, netuid)
    if graph is None:
        return None
    keys = ("hotkeys", "coldkeys", "active", "validator_permit", "pruning_score", "last_update", "emission",
            "dividends", "incentives", "consensus", "trust", "rank", "block_at_registration", "alpha_stake",
            "tao_stake", "total_stake")
    return {"netuid": netuid, **{k: graph[k] for k in keys}, "emission_history": []}
