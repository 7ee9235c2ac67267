"""Unit tests for the pure subtensor rule modules (pool math, shares, emission, registration, weights).

Expected values are derived independently with exact rationals (fractions.Fraction) from the chain's
formulas, so these tests fail if our fixed-point rounding or formulas drift.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from node.localnet.subtensor.rules import emission, registration, weights
from node.localnet.subtensor.rules.balancer import Balancer, BalancerWeightError, quote_weight_for_price
from node.localnet.subtensor.rules.fixed import ONE64, rao_price_to_u64f64, u64f64
from node.localnet.subtensor.rules.powmath import pow_ratio_scaled
from node.localnet.subtensor.rules.share_pool import SafeFloat, SharePool
from node.localnet.subtensor.rules.swap import Pool, SwapError, fee_amount, max_amount_add, sim_swap, swap

TAO = 10**9


def as_float(bits: int) -> float:
    return bits / 2**64


# ---------------------------------------------------------------- pow / balancer

def test_pow_ratio_scaled_exact_path_matches_library_doc_example() -> None:
    # safe-bigmath's documented example: (2/3)^(1/2) * 1000 = 816
    assert pow_ratio_scaled(2, 3, 1, 2, 1000) == 816
    assert pow_ratio_scaled(0, 3, 1, 2, 1000) == 0
    assert pow_ratio_scaled(2, 0, 1, 2, 1000) is None
    assert pow_ratio_scaled(5, 7, 0, 3, 1000) == 1000


def test_pow_ratio_scaled_approx_path_floors_true_value() -> None:
    # exponent with huge coprime parts forces the ln/exp path
    e_num, e_den = 300_000_000_000_000_001, 700_000_000_000_000_000
    got = pow_ratio_scaled(10**12, 10**12 + 10**11, e_num, e_den, 10**18)
    assert got is not None
    assert abs(got / 10**18 - (10 / 11) ** (3 / 7)) < 1e-15
    # an exactly representable case through the same path: (1/4)^(1/2 + tiny) just below 1/2
    half_up = pow_ratio_scaled(1, 4, 500_000_000_000_000_001, 1_000_000_000_000_000_000, 10**18)
    assert half_up is not None and half_up == 5 * 10**17 - 1


def test_equal_weight_pool_price_and_buy_match_constant_product() -> None:
    pool = Pool(tao_reserve=1_000 * TAO, alpha_reserve=2_000 * TAO)
    assert pool.price() == u64f64(1) // 2
    dy = 10 * TAO
    out = pool.balancer.alpha_out_for_tao(pool.alpha_reserve, pool.tao_reserve, dy)
    exact = Fraction(2_000 * TAO) * (1 - Fraction(1_000 * TAO, 1_010 * TAO))
    assert abs(out - exact) <= 1 and out <= exact


def test_buy_with_fee_and_full_fill() -> None:
    pool = Pool(tao_reserve=1_000 * TAO, alpha_reserve=1_000 * TAO)
    res = swap(pool, buy=True, amount=10 * TAO, limit_price=rao_price_to_u64f64(10**15))
    fee = fee_amount(pool, 10 * TAO, False)
    assert fee == (10 * TAO * 33) // 65_535 or fee == (10 * TAO * 33) // 65_535 - 1
    assert res.fee_paid == fee
    assert res.amount_paid_in == 10 * TAO - fee
    expected = Fraction(1_000 * TAO) * (1 - Fraction(1_000 * TAO, 1_000 * TAO + res.amount_paid_in))
    assert abs(res.amount_paid_out - expected) <= 1


def test_buy_limit_price_partial_fill_stops_at_limit() -> None:
    pool = Pool(tao_reserve=1_000 * TAO, alpha_reserve=1_000 * TAO)
    limit = rao_price_to_u64f64(1_010_000_000)  # +1%
    res = swap(pool, buy=True, amount=100 * TAO, limit_price=limit)
    # with w = 1/2 the TAO that moves the price to p' is y*(sqrt(p'/p) - 1)
    expected_in = Fraction(1_000 * TAO) * (Fraction(101, 100) ** Fraction(1, 2) - 1)
    assert abs(res.amount_paid_in - expected_in) < 2
    new_pool = Pool(tao_reserve=pool.tao_reserve + res.amount_paid_in,
                    alpha_reserve=pool.alpha_reserve - res.amount_paid_out)
    assert abs(as_float(new_pool.price()) - 1.01) < 1e-9
    # fee recomputed on the partial amount: delta * rate / (65535 - rate)
    assert res.fee_paid == res.amount_paid_in * 33 // (65_535 - 33) or abs(
        res.fee_paid - res.amount_paid_in * 33 // (65_535 - 33)) <= 1


def test_limit_price_already_passed_is_rejected() -> None:
    pool = Pool(tao_reserve=1_000 * TAO, alpha_reserve=1_000 * TAO)
    with pytest.raises(SwapError) as err:
        swap(pool, buy=True, amount=TAO, limit_price=rao_price_to_u64f64(999_000_000))
    assert err.value.name == "PriceLimitExceeded"
    with pytest.raises(SwapError) as err:
        swap(pool, buy=False, amount=TAO, limit_price=rao_price_to_u64f64(1_001_000_000))
    assert err.value.name == "PriceLimitExceeded"


def test_sell_partial_fill_and_reserve_checks() -> None:
    pool = Pool(tao_reserve=1_000 * TAO, alpha_reserve=1_000 * TAO)
    res = swap(pool, buy=False, amount=100 * TAO, limit_price=rao_price_to_u64f64(990_000_000))
    expected_in = Fraction(1_000 * TAO) * (Fraction(100, 99) ** Fraction(1, 2) - 1)
    assert abs(res.amount_paid_in - expected_in) < 2
    with pytest.raises(SwapError) as err:
        swap(Pool(tao_reserve=10, alpha_reserve=10), buy=True, amount=5, limit_price=u64f64(10))
    assert err.value.name == "ReservesTooLow"
    with pytest.raises(SwapError) as err:
        swap(pool, buy=True, amount=2_000_000 * TAO, limit_price=u64f64(10**6))
    assert err.value.name == "SwapInputTooLarge"


def test_sim_swap_and_max_amount_add_agree_with_swap() -> None:
    pool = Pool(tao_reserve=500 * TAO, alpha_reserve=800 * TAO)
    sim = sim_swap(pool, buy=True, amount=7 * TAO)
    real = swap(pool, buy=True, amount=7 * TAO, limit_price=rao_price_to_u64f64(10**15))
    assert sim == real
    limit_rao = 700_000_000
    max_in = max_amount_add(pool, limit_rao)
    partial = swap(pool, buy=True, amount=10_000 * TAO, limit_price=rao_price_to_u64f64(limit_rao))
    assert max_in == partial.amount_paid_in + partial.fee_paid
    stable = Pool(tao_reserve=0, alpha_reserve=0, mechanism=0)
    assert sim_swap(stable, buy=True, amount=5).amount_paid_out == 5
    assert max_amount_add(stable, TAO) == 2**64 - 1 and max_amount_add(stable, TAO - 1) == 0


def test_added_liquidity_reweights_without_moving_price() -> None:
    b = Balancer()
    tao, alpha = 1_000 * TAO, 1_000 * TAO
    nb = b.with_added_liquidity(tao, alpha, 3 * TAO, 1 * TAO)
    before = b.price(alpha, tao)
    after = nb.price(alpha + TAO, tao + 3 * TAO)
    assert nb.quote != b.quote
    assert abs(as_float(after) - as_float(before)) < 1e-12
    with pytest.raises(BalancerWeightError):
        Balancer(quote=10**18 // 200)


def test_initial_weight_for_price() -> None:
    quote = quote_weight_for_price(u64f64(2), 100 * TAO, 100 * TAO)  # p=2: w2 = y/(2x+y) = 1/3
    assert quote == 10**18 // 3
    b = Balancer(quote)
    assert abs(as_float(b.price(100 * TAO, 100 * TAO)) - 2.0) < 1e-12


# ---------------------------------------------------------------- share pool

class _Store:
    def __init__(self) -> None:
        self.value = 0
        self.shares: dict[bytes, SafeFloat] = {}
        self.den = SafeFloat()

    def get_shared_value(self) -> int:
        return self.value

    def get_share(self, key: bytes) -> SafeFloat | None:
        return self.shares.get(key)

    def get_denominator(self) -> SafeFloat:
        return self.den

    def set_shared_value(self, value: int) -> None:
        self.value = value

    def set_share(self, key: bytes, share: SafeFloat) -> None:
        self.shares[key] = share

    def set_denominator(self, value: SafeFloat) -> None:
        self.den = value


def test_share_pool_delegators_grow_pro_rata() -> None:
    store = _Store()
    pool = SharePool(store)
    pool.update_value_for_one(b"owner", 1_000)
    pool.update_value_for_one(b"nominator", 3_000)
    assert pool.value_of(b"owner") == 1_000 and pool.value_of(b"nominator") == 3_000
    pool.update_value_for_all(400)  # hotkey earns 400 alpha
    assert pool.value_of(b"owner") == 1_100
    assert pool.value_of(b"nominator") == 3_300
    pool.update_value_for_one(b"nominator", -300)
    # SafeFloat truncates shares sold, so the remaining holders may lose at most one rao
    assert pool.value_of(b"nominator") == 3_000 and pool.value_of(b"owner") in (1_099, 1_100)
    assert store.value == 4_100


def test_safe_float_normalization_and_truncation() -> None:
    one = SafeFloat.from_int(1)
    assert one.mantissa == 10**21 and one.exponent == -21 and one.to_u64() == 1
    third = one.mul_div(SafeFloat.from_int(1), SafeFloat.from_int(3))
    assert third is not None and third.to_u64() == 0
    assert SafeFloat.from_int(7).add(SafeFloat.from_int(5)).to_u64() == 12
    assert SafeFloat().sub(SafeFloat.from_int(1)) is None


# ---------------------------------------------------------------- emission

def test_block_emission_halvings() -> None:
    assert emission.block_emission_for_issuance(0) == TAO
    assert emission.block_emission_for_issuance(10_500_000 * TAO - 1) == TAO
    assert emission.block_emission_for_issuance(10_500_000 * TAO) == TAO // 2
    assert emission.block_emission_for_issuance(15_750_000 * TAO) == TAO // 4
    assert emission.block_emission_for_issuance(21_000_000 * TAO) == 0


def test_subnet_shares_follow_moving_price_and_miner_burn() -> None:
    shares = emission.subnet_shares({1: u64f64(1) // 4, 2: u64f64(3) // 4}, {})
    assert abs(as_float(shares[1]) - 0.25) < 1e-15 and abs(as_float(shares[2]) - 0.75) < 1e-15
    burned = emission.subnet_shares({1: ONE64 // 2, 2: ONE64 // 2}, {2: ONE64 // 2})
    assert abs(as_float(burned[1]) - 2 / 3) < 1e-12
    em = emission.subnet_block_emissions(shares, TAO, {1: True, 2: False})
    assert em[2] == 0 and (em[1] >> 32) in (TAO, TAO - 1)


def test_subnet_terms_and_alpha_split() -> None:
    price = ONE64 // 2
    terms = emission.subnet_terms(emission.u96f32(TAO // 2), TAO, price, root_prop=emission.u96f32(1))
    assert terms.alpha_in >> 32 == TAO and terms.excess_tao == 0
    capped = emission.subnet_terms(emission.u96f32(TAO // 2), TAO, price, root_prop=(1 << 32) // 10)
    assert capped.alpha_in >> 32 in (TAO // 10, TAO // 10 - 1)
    assert capped.excess_tao > 0
    split = emission.split_alpha_out(emission.u96f32(TAO), 11_796, root_prop=0)
    assert abs(split.owner_cut - TAO * 11_796 // 65_535) <= 1
    rest = TAO - split.owner_cut
    assert abs(split.server - rest // 2) <= 1 and abs(split.validator - (rest - rest // 2)) <= 1


def test_moving_price_moves_toward_capped_price() -> None:
    alpha = int(Fraction(3, 1_000_000) * 2**64)
    new = emission.updated_moving_price(0, u64f64(5), alpha, blocks_since_start=1_000, halving=201_600)
    expected = Fraction(3, 1_000_000) * Fraction(1_000, 202_600)  # price capped at 1.0
    assert abs(as_float(new) - float(expected)) < 1e-15


# ---------------------------------------------------------------- registration

def test_burn_decay_halves_over_half_life_and_bump() -> None:
    f = registration.decay_factor_q32(360)
    assert registration.pow_q32(f, 360) <= 1 << 31 < registration.pow_q32(f + 1, 360)
    burn = 10 * TAO
    for block in range(2, 362):
        burn = registration.decayed_burn(burn, 360, 500_000, 100 * TAO, block, f)
    assert abs(burn - 5 * TAO) < 5 * TAO // 10_000
    assert registration.bumped_burn(TAO, registration.DEFAULT_BURN_INCREASE_MULT, 0, 100 * TAO) == 1_260_000_000
    assert registration.bumped_burn(99 * TAO, registration.DEFAULT_BURN_INCREASE_MULT, 0, 100 * TAO) == 100 * TAO


def test_network_lock_cost_doubles_then_decays() -> None:
    # before any lock the multiplier is 1 but the linear decay still runs from block 0
    assert registration.network_lock_cost(1_000 * TAO, 100 * TAO, 0, 50, 14 * 7200) == (
        1_000 * TAO - (1_000 * TAO // (14 * 7200)) * 50)
    cost = registration.network_lock_cost(1_000 * TAO, 100 * TAO, 100, 100, 1_000)
    assert cost == 2_000 * TAO
    assert registration.network_lock_cost(1_000 * TAO, 100 * TAO, 100, 600, 1_000) == 1_500 * TAO
    assert registration.network_lock_cost(1_000 * TAO, 100 * TAO, 100, 10_000, 1_000) == 100 * TAO


def test_prune_lowest_emission_then_oldest_and_immunity_floor() -> None:
    c = registration.PruneCandidate
    cands = [c(0, 5, 10, False, owner_protected=True), c(1, 3, 20, False), c(2, 3, 10, False), c(3, 0, 90, True)]
    assert registration.neuron_to_prune(cands, min_non_immune=0) == 2
    assert registration.neuron_to_prune(cands, min_non_immune=2) == 3
    assert registration.neuron_to_prune([c(0, 0, 0, False, True)], 0) is None
    assert registration.is_immune(100, 90, 11) and not registration.is_immune(100, 89, 11)


# ---------------------------------------------------------------- weights

def test_max_upscale_to_u16() -> None:
    assert weights.max_upscale_to_u16([1, 2, 4]) == [16_384, 32_768, 65_535]
    assert weights.max_upscale_to_u16([0, 0]) == [0, 0]
    assert weights.max_upscale_to_u16([65_535, 40_000]) == [65_535, 40_000]
    assert weights.max_upscale_to_u16([1, 3]) == [21_845, 65_535]


def _ctx(**kw: object) -> weights.WeightsContext:
    base: dict[str, object] = dict(netuid=1, subnetwork_n=4, caller_uid=0, caller_stake=10, stake_threshold=0,
                                   network_version_key=0, last_update=0, rate_limit=100, current_block=50,
                                   commit_reveal=False, validator_permit=True, owner_uid=None,
                                   min_allowed_weights=1, max_weight_limit=65_535)
    base.update(kw)
    return weights.WeightsContext(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("ctx_kw", "uids", "vals", "vkey", "err"),
    [
        ({}, [1, 2], [1, 2], 0, None),
        ({"netuid": 0}, [1], [1], 0, "CanNotSetRootNetworkWeights"),
        ({}, [1, 2], [1], 0, "WeightVecNotEqualSize"),
        ({}, [0, 1, 2, 3, 3], [1] * 5, 0, "UidsLengthExceedUidsInSubNet"),
        ({"caller_uid": None}, [1], [1], 0, "HotKeyNotRegisteredInSubNet"),
        ({"stake_threshold": 11}, [1], [1], 0, "NotEnoughStakeToSetWeights"),
        ({"network_version_key": 5}, [1], [1], 4, "IncorrectWeightVersionKey"),
        ({"last_update": 10}, [1], [1], 0, "SettingWeightsTooFast"),
        ({"validator_permit": False}, [1, 2], [1, 1], 0, "NeuronNoValidatorPermit"),
        ({"validator_permit": False}, [0], [1], 0, None),
        ({}, [1, 1], [1, 1], 0, "DuplicateUids"),
        ({}, [1, 9], [1, 1], 0, "UidVecContainInvalidOne"),
        ({"min_allowed_weights": 3}, [1, 2], [1, 1], 0, "WeightVecLengthIsLow"),
        ({"max_weight_limit": 40_000}, [1, 2], [1, 1], 0, None),
        ({"max_weight_limit": 40_000}, [1, 2], [3, 1], 0, "MaxWeightExceeded"),
    ],
)
def test_set_weights_checks(ctx_kw: dict[str, object], uids: list[int], vals: list[int], vkey: int,
                            err: str | None) -> None:
    assert weights.check_set_weights(_ctx(**ctx_kw), uids, vals, vkey) == err
