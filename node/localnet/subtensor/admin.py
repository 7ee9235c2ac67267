"""AdminUtils: the hyperparameter setters (`btcli sudo set ...`) for root (via Sudo) and subnet owners.

Each `sudo_set_*` call writes one SubtensorModule storage item. Subnet-scoped setters accept the
subnet owner or root; global setters need root. The chain additionally rate-limits owner changes,
freezes them near epochs and bounds some values; the localnet keeps only the origin checks and the
subnet-existence check (documented in docs/localnet-rules.md).
"""

from __future__ import annotations

from typing import Any

from node.localnet.runtime import CallContext, DispatchError, Pallet, account_bytes
from node.localnet.subtensor.fastcodec import fexists, fget, fset
from node.localnet.subtensor.ledger import S

SUBNET_SETTERS: dict[str, tuple[str, str]] = {
    "sudo_set_serving_rate_limit": ("ServingRateLimit", "serving_rate_limit"),
    "sudo_set_min_difficulty": ("MinDifficulty", "min_difficulty"),
    "sudo_set_max_difficulty": ("MaxDifficulty", "max_difficulty"),
    "sudo_set_weights_version_key": ("WeightsVersionKey", "weights_version_key"),
    "sudo_set_weights_set_rate_limit": ("WeightsSetRateLimit", "weights_set_rate_limit"),
    "sudo_set_adjustment_interval": ("AdjustmentInterval", "adjustment_interval"),
    "sudo_set_adjustment_alpha": ("AdjustmentAlpha", "adjustment_alpha"),
    "sudo_set_immunity_period": ("ImmunityPeriod", "immunity_period"),
    "sudo_set_min_allowed_weights": ("MinAllowedWeights", "min_allowed_weights"),
    "sudo_set_max_allowed_uids": ("MaxAllowedUids", "max_allowed_uids"),
    "sudo_set_min_allowed_uids": ("MinAllowedUids", "min_allowed_uids"),
    "sudo_set_kappa": ("Kappa", "kappa"),
    "sudo_set_rho": ("Rho", "rho"),
    "sudo_set_activity_cutoff": ("ActivityCutoff", "activity_cutoff"),
    "sudo_set_activity_cutoff_factor": ("ActivityCutoffFactorMilli", "factor_milli"),
    "sudo_set_network_registration_allowed": ("NetworkRegistrationAllowed", "registration_allowed"),
    "sudo_set_network_pow_registration_allowed": ("NetworkPowRegistrationAllowed", "registration_allowed"),
    "sudo_set_target_registrations_per_interval": ("TargetRegistrationsPerInterval",
                                                   "target_registrations_per_interval"),
    "sudo_set_min_burn": ("MinBurn", "min_burn"),
    "sudo_set_max_burn": ("MaxBurn", "max_burn"),
    "sudo_set_difficulty": ("Difficulty", "difficulty"),
    "sudo_set_max_allowed_validators": ("MaxAllowedValidators", "max_allowed_validators"),
    "sudo_set_bonds_moving_average": ("BondsMovingAverage", "bonds_moving_average"),
    "sudo_set_bonds_penalty": ("BondsPenalty", "bonds_penalty"),
    "sudo_set_max_registrations_per_block": ("MaxRegistrationsPerBlock", "max_registrations_per_block"),
    "sudo_set_tempo": ("Tempo", "tempo"),
    "sudo_set_commit_reveal_weights_enabled": ("CommitRevealWeightsEnabled", "enabled"),
    "sudo_set_liquid_alpha_enabled": ("LiquidAlphaOn", "enabled"),
    "sudo_set_toggle_transfer": ("TransferToggle", "toggle"),
    "sudo_set_ema_price_halving_period": ("EMAPriceHalvingBlocks", "ema_halving"),
    "sudo_set_alpha_sigmoid_steepness": ("AlphaSigmoidSteepness", "steepness"),
    "sudo_set_yuma3_enabled": ("Yuma3On", "enabled"),
    "sudo_set_bonds_reset_enabled": ("BondsResetOn", "enabled"),
    "sudo_set_subtoken_enabled": ("SubtokenEnabled", "subtoken_enabled"),
    "sudo_set_owner_immune_neuron_limit": ("ImmuneOwnerUidsLimit", "immune_neurons"),
}
ROOT_SETTERS: dict[str, tuple[str, str]] = {
    "sudo_set_default_take": ("MaxDelegateTake", "default_take"),
    "sudo_set_tx_rate_limit": ("TxRateLimit", "tx_rate_limit"),
    "sudo_set_subnet_owner_cut": ("SubnetOwnerCut", "subnet_owner_cut"),
    "sudo_set_network_rate_limit": ("NetworkRateLimit", "rate_limit"),
    "sudo_set_network_min_lock_cost": ("NetworkMinLockCost", "lock_cost"),
    "sudo_set_subnet_limit": ("SubnetLimit", "max_subnets"),
    "sudo_set_lock_reduction_interval": ("NetworkLockReductionInterval", "interval"),
    "sudo_set_stake_threshold": ("StakeThreshold", "min_stake"),
    "sudo_set_nominator_min_required_stake": ("NominatorMinRequiredStake", "min_stake"),
    "sudo_set_tx_delegate_take_rate_limit": ("TxDelegateTakeRateLimit", "tx_rate_limit"),
    "sudo_set_min_delegate_take": ("MinDelegateTake", "take"),
    "sudo_set_network_immunity_period": ("NetworkImmunityPeriod", "immunity_period"),
}


class AdminUtils(Pallet):
    """Hyperparameter setters; handlers are generated from the tables above."""

    name = "AdminUtils"

    def handler(self, call_name: str) -> Any:
        """A bound setter for a known `sudo_set_*` call, else None (CallFiltered)."""
        if call_name in SUBNET_SETTERS:
            item, arg = SUBNET_SETTERS[call_name]
            return lambda ctx, netuid, **kw: self._set_subnet(ctx, int(netuid), item, kw[arg])
        if call_name in ROOT_SETTERS:
            item, arg = ROOT_SETTERS[call_name]
            return lambda ctx, **kw: self._set_root(ctx, item, kw[arg])
        if call_name == "sudo_set_alpha_values":
            return lambda ctx, netuid, alpha_low, alpha_high: self._set_subnet(
                ctx, int(netuid), "AlphaValues", (int(alpha_low), int(alpha_high)))
        return None

    def _set_subnet(self, ctx: CallContext, netuid: int, item: str, value: Any) -> None:
        if ctx.origin.kind != "root":
            who = ctx.ensure_signed()
            if not fexists(ctx.state, S, "SubnetOwner", netuid) or account_bytes(
                    fget(ctx.state, S, "SubnetOwner", netuid)) != who:
                raise DispatchError("BadOrigin")
        if not fget(ctx.state, S, "NetworksAdded", netuid):
            raise DispatchError.module("AdminUtils", "SubnetDoesNotExist")
        fset(ctx.state, S, item, netuid, value=value)

    def _set_root(self, ctx: CallContext, item: str, value: Any) -> None:
        ctx.ensure_root()
        fset(ctx.state, S, item, value=value)
