"""The per-block step: burn decay, TAO emission into subnet pools, pending alpha, epochs and distribution.

Mirrors `coinbase/{block_step,run_coinbase,subnet_emissions}.rs`. Simplifications (see
docs/localnet-rules.md): no childkeys, no root-claim machinery (root alpha dividends are staked to the
validator's own pool on the subnet), no block author (fees burned), no epoch cap per block.
"""

from __future__ import annotations

from node.localnet.runtime.pallet import account_bytes
from node.localnet.subtensor.context import MAX_PRICE, Ctx
from node.localnet.subtensor.epoch_io import run_subnet_epoch
from node.localnet.subtensor.fastcodec import fexists, fset
from node.localnet.subtensor.ledger import subnet_account
from node.localnet.subtensor.rules import emission as em
from node.localnet.subtensor.rules import registration as reg
from node.localnet.subtensor.rules.balancer import BalancerWeightError
from node.localnet.subtensor.rules.fixed import ONE64, div32, mul32, to_u64_32, u96f32

MAX_TEMPO = 57_344
_DECAY_CACHE: dict[int, int] = {}


def update_burns(c: Ctx, netuids: list[int]) -> None:
    """Per-block burn decay (BurnHalfLife), clamp, and reset of RegistrationsThisBlock."""
    for n in netuids:
        burn, hl = int(c.get("Burn", n)), int(c.get("BurnHalfLife", n))
        factor = _DECAY_CACHE.get(hl)
        if factor is None:
            factor = _DECAY_CACHE[hl] = reg.decay_factor_q32(hl)
        new = reg.decayed_burn(burn, hl, int(c.get("MinBurn", n)), int(c.get("MaxBurn", n)), c.block, factor)
        if new != burn:
            c.set("Burn", n, value=new)
        if int(c.get("RegistrationsThisBlock", n)):
            c.set("RegistrationsThisBlock", n, value=0)
        if n == 0 and should_run_epoch(c, 0):
            c.set("RegistrationsThisInterval", 0, value=0)


def should_run_epoch(c: Ctx, netuid: int) -> bool:
    """Epoch due: tempo elapsed since LastEpochBlock (or a pending trigger / MAX_TEMPO overdue)."""
    tempo = int(c.get("Tempo", netuid))
    if tempo == 0:
        return False
    pending = int(c.get("PendingEpochAt", netuid))
    if pending and c.block >= pending:
        return True
    if int(c.get("BlocksSinceLastStep", netuid)) > MAX_TEMPO:
        return True
    return c.block - int(c.get("LastEpochBlock", netuid)) >= tempo


def _moving_price(c: Ctx, netuid: int) -> int:
    """SubnetMovingPrice as U64F64 bits (stored as I96F32)."""
    return int(c.get("SubnetMovingPrice", netuid)["bits"]) << 32


def emitting_subnets(c: Ctx, subnets: list[int]) -> list[int]:
    """Non-root subnets that started, have subtoken enabled and allow registration."""
    return [n for n in subnets if c.get("FirstEmissionBlockNumber", n) is not None
            and c.get("SubtokenEnabled", n) and c.get("NetworkRegistrationAllowed", n)]


def block_step(c: Ctx) -> None:
    """Everything SubtensorModule does at the start of a block."""
    all_nets = c.netuids()
    update_burns(c, all_nets)
    block_emission = em.block_emission_for_issuance(int(c.get("TotalIssuance")))
    c.set("BlockEmission", value=block_emission)
    subnets = [n for n in all_nets if n != 0]
    to_emit = emitting_subnets(c, subnets)
    if to_emit:
        emit_to_subnets(c, to_emit, block_emission)
    drain_and_distribute(c, subnets)
    tao_weight = int(c.get("TaoWeight"))
    root_tao = int(c.get("SubnetTAO", 0))
    for n in to_emit:
        _update_moving_price(c, n)
        issuance = int(c.get("SubnetAlphaIn", n)) + int(c.get("SubnetAlphaOut", n))
        c.set("RootProp", n, value={"bits": em.root_proportion(issuance, root_tao, tao_weight) << 32})


def _update_moving_price(c: Ctx, n: int) -> None:
    first = c.get("FirstEmissionBlockNumber", n)
    since = c.block - max(int(first or 0) - 1, 0)
    alpha = int(c.get("SubnetMovingAlpha")["bits"]) << 32
    new = em.updated_moving_price(_moving_price(c, n), c.ledger.pool(n).price(), alpha, since,
                                  int(c.get("EMAPriceHalvingBlocks", n)))
    c.set("SubnetMovingPrice", n, value={"bits": new >> 32})


def emit_to_subnets(c: Ctx, to_emit: list[int], block_emission: int) -> None:
    """Split the block's TAO across subnets, inject liquidity, mint alpha and accumulate pending alpha."""
    prices = {n: _moving_price(c, n) for n in to_emit}
    burned = {n: int(c.get("MinerBurned", n)["bits"]) for n in to_emit}
    enabled = {n: bool(c.get("SubnetEmissionEnabled", n)) for n in to_emit}
    emissions = em.subnet_block_emissions(em.subnet_shares(prices, burned), block_emission, enabled)
    root_sell = sum(prices.values()) > ONE64
    cut = int(c.get("SubnetOwnerCut"))
    tao_weight, root_tao = int(c.get("TaoWeight")), int(c.get("SubnetTAO", 0))
    for n in to_emit:
        issuance = int(c.get("SubnetAlphaIn", n)) + int(c.get("SubnetAlphaOut", n))
        root_prop = em.root_proportion(issuance, root_tao, tao_weight)
        pool = c.ledger.pool(n)
        terms = em.subnet_terms(emissions[n], em.block_emission_for_issuance(issuance), pool.price(), root_prop)
        _inject(c, n, to_u64_32(terms.tao_in), to_u64_32(terms.alpha_in), to_u64_32(terms.excess_tao))
        alpha_out = to_u64_32(terms.alpha_out)
        c.set("SubnetAlphaOutEmission", n, value=alpha_out)
        c.ledger.add("SubnetAlphaOut", n, alpha_out)
        # the chain reads the root proportion again here: the issuance now includes this block's alpha
        issuance = int(c.get("SubnetAlphaIn", n)) + int(c.get("SubnetAlphaOut", n))
        split_prop = em.root_proportion(issuance, root_tao, tao_weight)
        split = em.split_alpha_out(terms.alpha_out, cut, split_prop, bool(c.get("OwnerCutEnabled", n)))
        for item, amount in (("PendingOwnerCut", split.owner_cut), ("PendingServerEmission", split.server),
                             ("PendingValidatorEmission", split.validator)):
            c.ledger.add(item, n, amount)
        if root_sell:
            c.ledger.add("PendingRootAlphaDivs", n, split.root)
        else:
            c.ledger.add("SubnetAlphaOut", n, -split.root)  # recycled


def _inject(c: Ctx, n: int, tao_in: int, alpha_in: int, excess: int) -> None:
    acct = subnet_account(n)
    pool = c.ledger.pool(n)
    try:
        new_bal = pool.balancer.with_added_liquidity(pool.tao_reserve, pool.alpha_reserve, tao_in, alpha_in)
        fset(c.state, "Swap", "SwapBalancer", n, value={"quote": new_bal.quote})
    except BalancerWeightError:
        tao_in, alpha_in = 0, 0
    c.set("SubnetExcessTao", n, value=0)
    c.set("SubnetTaoInEmission", n, value=0)
    if excess:
        c.ledger.mint(acct, excess)
        bought = c.ledger.swap_tao_for_alpha(n, excess, MAX_PRICE, drop_fees=True)
        c.ledger.add("SubnetProtocolAlpha", n, bought.amount_paid_out)  # the bought alpha stays outstanding
        c.set("SubnetExcessTao", n, value=bought.amount_paid_in)
    c.set("SubnetAlphaInEmission", n, value=alpha_in)
    c.ledger.add("SubnetAlphaIn", n, alpha_in)
    if tao_in:
        c.ledger.mint(acct, tao_in)
        c.set("SubnetTaoInEmission", n, value=tao_in)
        c.ledger.add("SubnetTAO", n, tao_in)
        c.ledger.add_plain("TotalStake", tao_in)


def drain_and_distribute(c: Ctx, subnets: list[int]) -> None:
    """Advance epoch schedules; for due subnets drain pending alpha, run the epoch and distribute."""
    for n in subnets:
        c.set("BlocksSinceLastStep", n, value=int(c.get("BlocksSinceLastStep", n)) + 1)
        if not should_run_epoch(c, n):
            continue
        c.set("BlocksSinceLastStep", n, value=0)
        pending = [int(c.get(i, n)) for i in ("PendingServerEmission", "PendingValidatorEmission",
                                               "PendingRootAlphaDivs", "PendingOwnerCut")]
        for i in ("PendingServerEmission", "PendingValidatorEmission", "PendingRootAlphaDivs", "PendingOwnerCut"):
            c.set(i, n, value=0)
        c.set("LastEpochBlock", n, value=c.block)
        c.set("PendingEpochAt", n, value=0)
        c.set("SubnetEpochIndex", n, value=int(c.get("SubnetEpochIndex", n)) + 1)
        distribute(c, n, *pending)
        c.set("LastMechansimStepBlock", n, value=c.block)


def distribute(c: Ctx, n: int, server: int, validator: int, root: int, owner_cut: int) -> None:
    """Run the epoch on the drained alpha and credit owner cut, incentives and dividends."""
    keys, out = run_subnet_epoch(c, n, server + validator + root)
    incentive_sum = int(out.server_emission.sum(dtype=object))
    validator_alpha = validator if incentive_sum else validator + server
    owner_ck = account_bytes(c.get("SubnetOwner", n))
    owner_hk = account_bytes(c.get("SubnetOwnerHotkey", n)) if fexists(c.state,
        "SubtensorModule", "SubnetOwnerHotkey", n) else None
    if owner_hk is not None and owner_cut:
        c.ledger.increase_stake(owner_hk, owner_ck, n, owner_cut)
    owner_hotkeys = {hk for hk in keys if c.owner_of(hk) == owner_ck}
    total_inc, withheld = 0, 0
    divs: dict[bytes, int] = {}
    for hk, inc, div in zip(keys, out.server_emission.tolist(), out.validator_emission.tolist(), strict=True):
        total_inc += int(inc)
        if int(inc):
            if hk in owner_hotkeys:  # the owner's own miners' incentive is burned
                withheld += int(inc)
                c.ledger.add("SubnetAlphaOut", n, -int(inc))
            else:
                c.ledger.increase_stake(hk, c.owner_of(hk) or hk, n, int(inc))
        divs[hk] = divs.get(hk, 0) + int(div)
    c.set("MinerBurned", n, value={"bits": (withheld << 64) // total_inc if total_inc else 0})
    _pay_dividends(c, n, divs, validator_alpha, root)


def _pay_dividends(c: Ctx, n: int, divs: dict[bytes, int], validator_alpha: int, root_alpha: int) -> None:
    tw = div32(u96f32(int(c.get("TaoWeight"))), u96f32((1 << 64) - 1))
    alpha_part: dict[bytes, int] = {}
    root_part: dict[bytes, int] = {}
    for hk, d in divs.items():
        if not d:
            continue
        a_stake = u96f32(c.ledger.hotkey_alpha(hk, n))
        r_stake = mul32(u96f32(c.ledger.hotkey_alpha(hk, 0)), tw)
        prop = div32(r_stake, a_stake + r_stake)
        root_d = mul32(u96f32(d), prop)
        alpha_part[hk] = u96f32(d) - root_d
        root_part[hk] = root_d
    c.state.clear_prefix("SubtensorModule", "AlphaDividendsPerSubnet", n)
    c.state.clear_prefix("SubtensorModule", "RootAlphaDividendsPerSubnet", n)
    for parts, pending, item in ((alpha_part, validator_alpha, "AlphaDividendsPerSubnet"),
                                 (root_part, root_alpha, "RootAlphaDividendsPerSubnet")):
        total = sum(parts.values())
        for hk, part in parts.items():
            amount = mul32(u96f32(pending), div32(part, total))
            take = mul32(div32(u96f32(int(c.get("Delegates", hk))), u96f32(65_535)), amount)
            owner = c.owner_of(hk) or hk
            c.ledger.increase_stake(hk, owner, n, to_u64_32(take))
            rest = to_u64_32(amount - take)
            c.ledger.credit_hotkey(hk, n, rest)
            c.set(item, n, hk, value=int(c.get(item, n, hk)) + rest)
            if item == "AlphaDividendsPerSubnet":
                c.set("TotalHotkeyAlphaLastEpoch", hk, n, value=c.ledger.hotkey_alpha(hk, n))
