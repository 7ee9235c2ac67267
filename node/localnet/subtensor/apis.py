"""Subtensor runtime APIs served through `state_call` (btcli / the bittensor SDK read these).

Every handler decodes its SCALE arguments and encodes its result with the V15 runtime-API types
(see `api_codec`). Registered methods: see `HANDLERS`; unknown methods are left to the framework,
which reports them as not found.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from node.localnet.hashing import compact
from node.localnet.runtime import ApiContext, Runtime
from node.localnet.subtensor import api_views as v
from node.localnet.subtensor.api_codec import V15_PATH, load_api_codec
from node.localnet.subtensor.context import Ctx
from node.localnet.subtensor.ledger import Ledger, subnet_account
from node.localnet.subtensor.rules.emission import block_emission_for_issuance

View = Callable[..., Any]


def _nets(c: Ctx) -> list[int]:
    return c.netuids()


HANDLERS: dict[str, View] = {
    "SwapRuntimeApi_current_alpha_price": lambda c, n: v.price_rao(c, n),
    "SwapRuntimeApi_current_alpha_price_all": lambda c: [{"netuid": n, "price": v.price_rao(c, n)} for n in _nets(c)],
    "SwapRuntimeApi_sim_swap_tao_for_alpha": lambda c, n, tao: v.sim_swap_result(c, n, tao, True),
    "SwapRuntimeApi_sim_swap_alpha_for_tao": lambda c, n, alpha: v.sim_swap_result(c, n, alpha, False),
    "SubnetRegistrationRuntimeApi_get_network_registration_cost": lambda c: v.network_registration_cost(c),
    "SubnetInfoRuntimeApi_get_dynamic_info": lambda c, n: v.dynamic_info(c, n),
    "SubnetInfoRuntimeApi_get_all_dynamic_info": lambda c: [v.dynamic_info(c, n) for n in _nets(c)],
    "SubnetInfoRuntimeApi_get_metagraph": lambda c, n: v.metagraph(c, n),
    "SubnetInfoRuntimeApi_get_all_metagraphs": lambda c: [v.metagraph(c, n) for n in _nets(c)],
    "SubnetInfoRuntimeApi_get_subnet_info_v2": lambda c, n: v.subnet_info_v2(c, n),
    "SubnetInfoRuntimeApi_get_subnets_info_v2": lambda c: [v.subnet_info_v2(c, n) for n in _nets(c)],
    "SubnetInfoRuntimeApi_get_subnet_hyperparams": lambda c, n: v.hyperparams(c, n, v2=False),
    "SubnetInfoRuntimeApi_get_subnet_hyperparams_v2": lambda c, n: v.hyperparams(c, n, v2=True),
    "SubnetInfoRuntimeApi_get_subnet_hyperparams_v3": lambda c, n: v.hyperparams_v3(c, n),
    "StakeInfoRuntimeApi_get_stake_availability_for_coldkeys": lambda c, cks, ns: v.stake_availability(c, cks, ns),
    "SubnetInfoRuntimeApi_get_next_epoch_start_block": lambda c, n: v.next_epoch_block(c, n),
    "SubnetInfoRuntimeApi_get_block_emission": lambda c: block_emission_for_issuance(int(c.get("TotalIssuance"))),
    "SubnetInfoRuntimeApi_get_subnet_account_id": lambda c, n: subnet_account(n) if c.subnet_exists(n) else None,
    "SubnetInfoRuntimeApi_get_subnet_to_prune": lambda c: None,
    # stake locks cannot be created on the localnet (their calls are filtered), so no coldkey has one;
    # btcli asks before every unstake
    "StakeInfoRuntimeApi_get_coldkey_lock": lambda c, ck, n: None,
    "StakeInfoRuntimeApi_get_stake_info_for_coldkey": lambda c, ck: v.stake_infos(c, ck),
    "StakeInfoRuntimeApi_get_stake_info_for_coldkeys": lambda c, cks: [(ck, v.stake_infos(c, ck)) for ck in cks],
    "StakeInfoRuntimeApi_get_stake_info_for_hotkey_coldkey_netuid": lambda c, hk, ck, n: v.stake_info(c, hk, ck, n),
    "DelegateInfoRuntimeApi_get_delegates": lambda c: v.delegates(c),
    "DelegateInfoRuntimeApi_get_delegate": lambda c, hk: v.delegate_info(c, hk),
    "DelegateInfoRuntimeApi_get_delegated": lambda c, ck: v.delegated(c, ck),
    "NeuronInfoRuntimeApi_get_neurons_lite": lambda c, n: [
        v.neuron_lite(c, n, u) for u in range(int(c.get("SubnetworkN", n)))] if c.subnet_exists(n) else [],
    "NeuronInfoRuntimeApi_get_neuron_lite": lambda c, n, u: v.neuron_lite(c, n, u),
    "NeuronInfoRuntimeApi_get_neurons": lambda c, n: [
        v.neuron_lite(c, n, u, full=True) for u in range(int(c.get("SubnetworkN", n)))] if c.subnet_exists(n) else [],
    "NeuronInfoRuntimeApi_get_neuron": lambda c, n, u: v.neuron_lite(c, n, u, full=True),
}


def _selective_fields() -> list[str]:
    codec = load_api_codec()
    out_type = codec.types[codec.methods["SubnetInfoRuntimeApi_get_selective_metagraph"].output]
    inner = codec.types[out_type["params"][0]["type"]]  # Option<SelectiveMetagraph>
    return [str(f["name"]) for f in inner["def"]["composite"]["fields"]]


HANDLERS.update({
    "SubnetInfoRuntimeApi_get_subnet_info": lambda c, n: v.subnet_info_v1(c, n),
    "SubnetInfoRuntimeApi_get_subnets_info": lambda c: [v.subnet_info_v1(c, n) for n in _nets(c)],
    "SubnetInfoRuntimeApi_get_subnet_state": lambda c, n: v.subnet_state(c, n),
    "SubnetInfoRuntimeApi_get_coldkey_auto_stake_hotkey": lambda c, ck, n: None,
    "StakeInfoRuntimeApi_get_stake_fee": lambda c, origin, _ock, dest, _dck, amount: v.stake_fee(c, origin, dest, amount),
    "SubnetInfoRuntimeApi_get_mechagraph": lambda c, n, mecid: v.metagraph(c, n) if int(mecid) == 0 else None,
    "SubnetInfoRuntimeApi_get_all_mechagraphs": lambda c: [v.metagraph(c, n) for n in _nets(c)],
    "SubnetInfoRuntimeApi_get_selective_metagraph": lambda c, n, idx: v.selective_metagraph(
        c, n, idx, _selective_fields()),
    "SubnetInfoRuntimeApi_get_selective_mechagraph": lambda c, n, mecid, idx: v.selective_metagraph(
        c, n, idx, _selective_fields(), always_netuid=True) if int(mecid) == 0 else None,
})


def register_apis(runtime: Runtime) -> None:
    """Register every handler in HANDLERS with the runtime's state_call registry."""
    codec = load_api_codec()
    md = runtime.md
    min_stake = int(md.constant("SubtensorModule", "InitialMinStake"))
    min_reserve = int(md.constant("Swap", "MinimumReserve"))

    def make(method: str, view: View) -> Callable[[ApiContext, bytes], bytes]:
        spec = codec.methods[method]

        def handler(ctx: ApiContext, data: bytes) -> bytes:
            args = codec.decode_args(method, data)
            c = Ctx(ctx.state, Ledger(ctx.state, runtime.pallets["Balances"], min_reserve), ctx.block_number,
                    lambda *a: None, min_stake)
            return codec.encode(spec.output, view(c, *args))

        return handler

    for method, view in HANDLERS.items():
        runtime.register_api(method, make(method, view))
    _serve_metadata_v15(runtime)


def _serve_metadata_v15(runtime: Runtime) -> None:
    """Answer `Metadata_metadata_at_version(15)` with the V15 metadata of the same runtime.

    Clients built on async-substrate-interface (btcli, the bittensor SDK) ask for V15 first and take the
    runtime-API definitions from it; with only V14 they report "Runtime API Call ... not found in registry".
    """
    v14_at_version = runtime.apis["Metadata_metadata_at_version"]
    v15_option = bytes.fromhex(V15_PATH.read_text().strip().removeprefix("0x"))  # Some(OpaqueMetadata)

    def metadata_at_version(ctx: ApiContext, data: bytes) -> bytes:
        if data[:4] == (15).to_bytes(4, "little"):
            return v15_option
        return v14_at_version(ctx, data)

    def metadata_versions(ctx: ApiContext, data: bytes) -> bytes:
        return compact(2) + (14).to_bytes(4, "little") + (15).to_bytes(4, "little")

    runtime.register_api("Metadata_metadata_at_version", metadata_at_version)
    runtime.register_api("Metadata_metadata_versions", metadata_versions)
