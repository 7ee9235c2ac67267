"""SubtensorModule and Swap pallets for the localnet runtime, plus `install()` for the Chain.

Call handlers take the metadata's argument names; the logic lives in `staking.py`, `subnets.py` and
`coinbase.py`. Usage::

    chain = Chain(db_path, genesis=genesis, installers=[install])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from node.localnet import pow_register
from node.localnet.metadata_extension import extending_metadata_at_version
from node.localnet.runtime import BlockContext, CallContext, Pallet, Runtime, State, Weight, account_bytes
from node.localnet.subtensor import coinbase, staking, subnets
from node.localnet.subtensor.admin import AdminUtils
from node.localnet.subtensor.apis import register_apis
from node.localnet.subtensor.coldkey_swap import ColdkeySwapCalls
from node.localnet.subtensor.context import Ctx, err
from node.localnet.subtensor.ledger import Ledger
from node.localnet.subtensor.mevshield import MevShield
from node.localnet.subtensor.scenario import DEMO_SCENARIO, build_scenario, load_scenario
from node.localnet.subtensor.simulation import WeightSimulator

_HEAVY = Weight(500_000_000)


def _ctx(runtime: Runtime, state: State, block: int) -> Ctx:
    md = runtime.md
    ledger = Ledger(state, runtime.pallets["Balances"], int(md.constant("Swap", "MinimumReserve")))
    return Ctx(state, ledger, block, runtime.deposit_event, int(md.constant("SubtensorModule", "InitialMinStake")))


class SubtensorModule(ColdkeySwapCalls):
    """Subnets, registration, staking, weights and the per-block coinbase/epoch step.

    Args:
        runtime: the localnet runtime.
        scenario: optional genesis scenario (path, dict or Scenario); its validators are simulated.
    """

    name = "SubtensorModule"
    weights = {name: _HEAVY for name in (
        "register_network", "register_network_with_identity", "burned_register", "register", "root_register", "add_stake",
        "remove_stake", "add_stake_limit", "remove_stake_limit", "remove_stake_full_limit", "unstake_all",
        "unstake_all_alpha", "move_stake", "transfer_stake", "swap_stake", "swap_stake_limit", "set_weights")}

    def __init__(self, runtime: Runtime, scenario: Any = None) -> None:
        super().__init__(runtime)
        self.scenario = load_scenario(scenario) if scenario is not None else None
        self.simulator = WeightSimulator(self.scenario) if self.scenario is not None else None

    def c(self, ctx: CallContext) -> Ctx:
        """The operation context of a call."""
        return _ctx(self.runtime, ctx.state, ctx.block_number)

    # ---- subnets and registration -----------------------------------------------------------

    def call_register_network(self, ctx: CallContext, hotkey: Any) -> None:
        """register_network(hotkey)."""
        subnets.register_network(self.c(ctx), ctx.ensure_signed(), account_bytes(hotkey))

    def call_register_network_with_identity(self, ctx: CallContext, hotkey: Any, identity: Any) -> None:
        """register_network_with_identity(hotkey, identity)."""
        subnets.register_network(self.c(ctx), ctx.ensure_signed(), account_bytes(hotkey), identity)

    def call_start_call(self, ctx: CallContext, netuid: int) -> None:
        """start_call(netuid)."""
        subnets.start_call(self.c(ctx), ctx.ensure_signed(), int(netuid))

    def call_burned_register(self, ctx: CallContext, netuid: int, hotkey: Any) -> None:
        """burned_register(netuid, hotkey)."""
        subnets.burned_register(self.c(ctx), ctx.ensure_signed(), int(netuid), account_bytes(hotkey))

    def call_register_limit(self, ctx: CallContext, netuid: int, hotkey: Any, limit_price: int) -> None:
        """register_limit: burned_register unless the burn exceeds `limit_price`."""
        c = self.c(ctx)
        if int(c.get("Burn", int(netuid))) > int(limit_price):
            raise err("RegistrationPriceLimitExceeded")
        subnets.burned_register(c, ctx.ensure_signed(), int(netuid), account_bytes(hotkey))

    def call_register(self, ctx: CallContext, netuid: int, block_number: int, nonce: int, work: Any, hotkey: Any,
                      coldkey: Any) -> None:
        """register: proof-of-work registration (node/localnet/pow_register.py)."""
        pow_register.register(self.c(ctx), ctx.ensure_signed(), int(netuid), int(block_number), int(nonce),
                              pow_register.work_bytes(work), account_bytes(hotkey), account_bytes(coldkey))

    def call_root_register(self, ctx: CallContext, hotkey: Any) -> None:
        """root_register(hotkey)."""
        subnets.root_register(self.c(ctx), ctx.ensure_signed(), account_bytes(hotkey))

    def call_set_subnet_identity(self, ctx: CallContext, netuid: int, **identity: Any) -> None:
        """set_subnet_identity: owner only."""
        c = self.c(ctx)
        who = ctx.ensure_signed()
        if not c.subnet_exists(int(netuid)) or account_bytes(c.get("SubnetOwner", int(netuid))) != who:
            raise err("NotSubnetOwner")
        c.set("SubnetIdentitiesV3", int(netuid), value=identity)
        c.event("SubnetIdentitySet", int(netuid))

    def call_set_weights(self, ctx: CallContext, netuid: int, dests: list[int], weights: list[int],
                         version_key: int) -> None:
        """set_weights(netuid, dests, weights, version_key) signed by the hotkey."""
        subnets.set_weights(self.c(ctx), ctx.ensure_signed(), int(netuid), [int(d) for d in dests],
                            [int(w) for w in weights], int(version_key))

    def call_increase_take(self, ctx: CallContext, hotkey: Any, take: int) -> None:
        """increase_take(hotkey, take)."""
        subnets.change_take(self.c(ctx), ctx.ensure_signed(), account_bytes(hotkey), int(take), True)

    def call_decrease_take(self, ctx: CallContext, hotkey: Any, take: int) -> None:
        """decrease_take(hotkey, take)."""
        subnets.change_take(self.c(ctx), ctx.ensure_signed(), account_bytes(hotkey), int(take), False)

    # ---- staking --------------------------------------------------------------------------------

    def call_add_stake(self, ctx: CallContext, hotkey: Any, netuid: int, amount_staked: int) -> None:
        """add_stake(hotkey, netuid, amount_staked)."""
        staking.add_stake(self.c(ctx), ctx.ensure_signed(), account_bytes(hotkey), int(netuid), int(amount_staked))

    def call_add_stake_limit(self, ctx: CallContext, hotkey: Any, netuid: int, amount_staked: int,
                             limit_price: int, allow_partial: bool) -> None:
        """add_stake_limit(hotkey, netuid, amount_staked, limit_price, allow_partial)."""
        staking.add_stake(self.c(ctx), ctx.ensure_signed(), account_bytes(hotkey), int(netuid), int(amount_staked),
                          int(limit_price), bool(allow_partial))

    def call_remove_stake(self, ctx: CallContext, hotkey: Any, netuid: int, amount_unstaked: int) -> None:
        """remove_stake(hotkey, netuid, amount_unstaked)."""
        staking.remove_stake(self.c(ctx), ctx.ensure_signed(), account_bytes(hotkey), int(netuid),
                             int(amount_unstaked))

    def call_remove_stake_limit(self, ctx: CallContext, hotkey: Any, netuid: int, amount_unstaked: int,
                                limit_price: int, allow_partial: bool) -> None:
        """remove_stake_limit(hotkey, netuid, amount_unstaked, limit_price, allow_partial)."""
        staking.remove_stake(self.c(ctx), ctx.ensure_signed(), account_bytes(hotkey), int(netuid),
                             int(amount_unstaked), int(limit_price), bool(allow_partial))

    def call_remove_stake_full_limit(self, ctx: CallContext, hotkey: Any, netuid: int, limit_price: Any) -> None:
        """remove_stake_full_limit(hotkey, netuid, limit_price: Option)."""
        c, who, hk = self.c(ctx), ctx.ensure_signed(), account_bytes(hotkey)
        alpha = c.ledger.alpha(hk, who, int(netuid))
        staking.remove_stake(c, who, hk, int(netuid), alpha, None if limit_price is None else int(limit_price))

    def call_unstake_all(self, ctx: CallContext, hotkey: Any) -> None:
        """unstake_all(hotkey)."""
        staking.unstake_all(self.c(ctx), ctx.ensure_signed(), account_bytes(hotkey), only_alpha=False)

    def call_unstake_all_alpha(self, ctx: CallContext, hotkey: Any) -> None:
        """unstake_all_alpha(hotkey): everything off subnets, restaked on root."""
        staking.unstake_all(self.c(ctx), ctx.ensure_signed(), account_bytes(hotkey), only_alpha=True)

    def call_move_stake(self, ctx: CallContext, origin_hotkey: Any, destination_hotkey: Any, origin_netuid: int,
                        destination_netuid: int, alpha_amount: int) -> None:
        """move_stake: same coldkey, any hotkeys/subnets."""
        c, who = self.c(ctx), ctx.ensure_signed()
        oh, dh = account_bytes(origin_hotkey), account_bytes(destination_hotkey)
        tao = staking.transition_stake(c, who, who, oh, dh, int(origin_netuid), int(destination_netuid),
                                       int(alpha_amount), None, None, False)
        c.event("StakeMoved", who, oh, int(origin_netuid), dh, int(destination_netuid), tao)

    def call_transfer_stake(self, ctx: CallContext, destination_coldkey: Any, hotkey: Any, origin_netuid: int,
                            destination_netuid: int, alpha_amount: int) -> None:
        """transfer_stake: give stake to another coldkey (TransferToggle checked)."""
        c, who = self.c(ctx), ctx.ensure_signed()
        dc, hk = account_bytes(destination_coldkey), account_bytes(hotkey)
        tao = staking.transition_stake(c, who, dc, hk, hk, int(origin_netuid), int(destination_netuid),
                                       int(alpha_amount), None, None, True)
        c.event("StakeTransferred", who, dc, hk, int(origin_netuid), int(destination_netuid), tao)

    def call_swap_stake(self, ctx: CallContext, hotkey: Any, origin_netuid: int, destination_netuid: int,
                        alpha_amount: int) -> None:
        """swap_stake: same hotkey, another subnet."""
        self._swap(ctx, hotkey, origin_netuid, destination_netuid, alpha_amount, None, None)

    def call_swap_stake_limit(self, ctx: CallContext, hotkey: Any, origin_netuid: int, destination_netuid: int,
                              alpha_amount: int, limit_price: int, allow_partial: bool) -> None:
        """swap_stake_limit: swap_stake with a relative price limit."""
        self._swap(ctx, hotkey, origin_netuid, destination_netuid, alpha_amount, int(limit_price),
                   bool(allow_partial))

    def _swap(self, ctx: CallContext, hotkey: Any, on: int, dn: int, amount: int, limit: int | None,
              partial: bool | None) -> None:
        c, who, hk = self.c(ctx), ctx.ensure_signed(), account_bytes(hotkey)
        tao = staking.transition_stake(c, who, who, hk, hk, int(on), int(dn), int(amount), limit, partial, False)
        c.event("StakeSwapped", who, hk, int(on), int(dn), tao)

    # ---- hooks ------------------------------------------------------------------------------------

    def on_initialize(self, block: BlockContext) -> None:
        """Burn decay, coinbase, epochs."""
        coinbase.block_step(_ctx(self.runtime, block.state, block.number))
        pow_register.adjust_difficulties(_ctx(self.runtime, block.state, block.number))

    def on_finalize(self, block: BlockContext) -> None:
        """Simulated demo validators set their weights after the block's extrinsics."""
        if self.simulator is not None:
            self.simulator.step(_ctx(self.runtime, block.state, block.number))

    def build_genesis(self, state: State, config: Any) -> None:
        """Root network (netuid 0) and TotalIssuance; then the scenario (own or config.extra), if any."""
        c = _ctx(self.runtime, state, 0)
        subnets.init_network(c, 0, int(c.get("Tempo", 0)))
        c.set("SubnetMechanism", 0, value=0)
        c.set("SubtokenEnabled", 0, value=True)
        c.set("MaxAllowedUids", 0, value=64)
        c.set("TotalIssuance", value=int(state.get("Balances", "TotalIssuance")))
        scenario = self.scenario or getattr(config, "extra", {}).get("subtensor_scenario")
        if scenario is not None:
            build_scenario(c, scenario)


class Swap(Pallet):
    """The Swap pallet: pool storage lives here; its own calls are not offered on the localnet."""

    name = "Swap"


def install(runtime: Runtime) -> None:
    """Add SubtensorModule and Swap (no scenario) to a runtime."""
    runtime.add_pallet(SubtensorModule(runtime))
    runtime.add_pallet(Swap(runtime))
    runtime.add_pallet(AdminUtils(runtime))
    runtime.add_pallet(MevShield(runtime))
    _register_apis(runtime)


def _register_apis(runtime: Runtime) -> None:
    """The runtime APIs, with the V15 metadata extended by the storage items the localnet adds to spec 461."""
    register_apis(runtime)
    name = "Metadata_metadata_at_version"
    runtime.register_api(name, extending_metadata_at_version(runtime.apis[name]))


def installer(scenario: Any) -> Callable[[Runtime], None]:
    """An installer for a scenario (path/dict/Scenario): genesis builds it, its validators are simulated.

    Pass the same scenario on every start of a persistent chain so the simulation keeps running.
    """
    sc = load_scenario(scenario)

    def install_with_scenario(runtime: Runtime) -> None:
        runtime.add_pallet(SubtensorModule(runtime, sc))
        runtime.add_pallet(Swap(runtime))
        runtime.add_pallet(AdminUtils(runtime))
        runtime.add_pallet(MevShield(runtime))
        _register_apis(runtime)

    return install_with_scenario


def demo_installer() -> Callable[[Runtime], None]:
    """The installer of the embedded demo network (`assets/localnet/demo.toml`)."""
    return installer(DEMO_SCENARIO)
