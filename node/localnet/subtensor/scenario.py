"""Genesis scenarios (the demo network): subnets with identities, validators, miners and stake.

A scenario is a JSON or TOML document (see `assets/localnet/demo.toml`)::

    seed = "tao-wallet-demo"          # all keys derive from sr25519 seeds blake2(seed/netuid/role/i)
    tempo = 20                        # default subnet tempo
    [[subnets]]
    name = "Apex"; validators = 12; miners = 96; pool_tao = 2000; validator_stake = 500
    description = "..."; github_repo = "..."

Genesis writes subnets directly (no extrinsics): the pool holds `pool_tao` TAO at price
`pool_tao/pool_alpha`, validators hold `validator_stake` alpha each (minted as outstanding alpha),
subnets are started (FirstEmissionBlockNumber = 1) with their EMA price primed to the pool price so
TAO emission flows from block 1. `simulate_weights` makes validators set noisy weights every tempo.

Nominators (``[[nominators]]``) are coldkeys that stake to validator hotkeys they do not own, so the
"delegation share after take" path of the coinbase runs::

    [[nominators]]
    balance = 200                     # free TAO at genesis
    stakes = [{ netuid = 1, validator = 0, alpha = 1000 }]   # alpha minted into the validator's pool
    add_stake_every = 40              # optional: add_stake `add_stake_tao` TAO to the first position
    add_stake_offset = 5              #   at blocks where block % every == offset (simulation)
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sr25519

from node.assets import asset_path
from node.localnet.hashing import blake2_256
from node.localnet.subtensor import subnets as sn
from node.localnet.subtensor.context import Ctx
from node.localnet.subtensor.fastcodec import fget, fset
from node.localnet.subtensor.ledger import S, subnet_account

TAO = 10**9
DEFAULT_TAKE = 11_796
"""The chain's default delegate take (18% of u16::MAX), also its MaxDelegateTake."""
DEMO_SCENARIO = asset_path("localnet", "demo.toml")
"""The embedded demo network (root + 4 subnets) shipped with the app."""


@dataclass(frozen=True)
class SubnetSpec:
    """One scenario subnet."""

    name: str
    validators: int = 8
    miners: int = 64
    pool_tao: int = 1_000
    pool_alpha: int | None = None
    validator_stake: int = 1_000
    tempo: int | None = None
    symbol: str | None = None
    description: str = ""
    github_repo: str = ""
    subnet_url: str = ""
    max_allowed_validators: int = 64
    max_allowed_uids: int = 256
    min_non_immune_uids: int | None = None
    validator_take: int = DEFAULT_TAKE
    """Delegate take of every validator hotkey, u16 (65535 = 100%); the chain caps it at 18% (11796)."""


@dataclass(frozen=True)
class StakeSpec:
    """One genesis position of a nominator: `alpha` alpha on validator #`validator` of `netuid`."""

    netuid: int
    validator: int
    alpha: int


@dataclass(frozen=True)
class NominatorSpec:
    """A coldkey staking to demo validators it does not own (key role "nominator", netuid 0)."""

    balance: int = 100
    stakes: tuple[StakeSpec, ...] = ()
    add_stake_every: int = 0
    """Blocks between simulated add_stake calls (0 = never)."""
    add_stake_offset: int = 0
    add_stake_tao: int = 1


@dataclass(frozen=True)
class Scenario:
    """A whole scenario; amounts in TAO/alpha units (converted to rao at genesis)."""

    seed: str = "tao-wallet-demo"
    tempo: int = 20
    owner_balance: int = 10_000
    simulate_weights: bool = True
    weight_noise: float = 0.15
    immunity_period: int = 100
    nominator_min_stake: int = 0
    """NominatorMinRequiredStake in rao (chain default 0): smaller nominations are cleared after unstakes."""
    subnets: tuple[SubnetSpec, ...] = field(default_factory=tuple)
    nominators: tuple[NominatorSpec, ...] = field(default_factory=tuple)

    def nominator_key(self, index: int) -> bytes:
        """Public key of nominator #index (mini-secret blake2_256("<seed>/0/nominator/<index>"))."""
        return self.key(0, "nominator", index)

    def key(self, netuid: int, role: str, index: int) -> bytes:
        """Deterministic sr25519 public key for (netuid, role, index); the seed is blake2 of the label."""
        return sr25519.pair_from_seed(self.secret_seed(netuid, role, index))[0]  # type: ignore[no-any-return]

    def secret_seed(self, netuid: int, role: str, index: int) -> bytes:
        """The 32-byte mini-secret of a demo key (documented so users can import demo keys)."""
        return blake2_256(f"{self.seed}/{netuid}/{role}/{index}".encode())


def load_scenario(source: str | Path | dict[str, Any] | Scenario) -> Scenario:
    """Parse a scenario from a dict, a JSON/TOML file path, or pass a Scenario through.

    Raises:
        ValueError: unknown keys or malformed values, naming the offending field.
    """
    if isinstance(source, Scenario):
        return source
    if isinstance(source, str | Path):
        path = Path(source)
        text = path.read_text()
        data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    else:
        data = dict(source)
    subnet_rows = data.pop("subnets", [])
    nominator_rows = data.pop("nominators", [])
    known = set(Scenario.__dataclass_fields__) - {"subnets", "nominators"}
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"unknown scenario keys: {sorted(unknown)}")
    specs = []
    for i, row in enumerate(subnet_rows):
        bad = set(row) - set(SubnetSpec.__dataclass_fields__)
        if bad:
            raise ValueError(f"subnet #{i + 1}: unknown keys {sorted(bad)}")
        spec = SubnetSpec(**row)
        if not 0 <= spec.validator_take <= DEFAULT_TAKE:
            raise ValueError(f"subnet #{i + 1}: validator_take must be 0..{DEFAULT_TAKE} (the chain's 18% cap)")
        specs.append(spec)
    return Scenario(**data, subnets=tuple(specs),
                    nominators=tuple(_nominator(i, row, specs) for i, row in enumerate(nominator_rows)))


def _nominator(i: int, row: dict[str, Any], subnets: list[SubnetSpec]) -> NominatorSpec:
    where = f"nominator #{i + 1}"
    bad = set(row) - set(NominatorSpec.__dataclass_fields__)
    if bad:
        raise ValueError(f"{where}: unknown keys {sorted(bad)}")
    stakes = []
    for st in row.get("stakes", []):
        bad = set(st) - set(StakeSpec.__dataclass_fields__)
        if bad:
            raise ValueError(f"{where}: unknown stake keys {sorted(bad)}")
        spec = StakeSpec(**st)
        if not 1 <= spec.netuid <= len(subnets):
            raise ValueError(f"{where}: netuid {spec.netuid} is not a scenario subnet (1..{len(subnets)})")
        if not 0 <= spec.validator < subnets[spec.netuid - 1].validators:
            raise ValueError(f"{where}: subnet {spec.netuid} has no validator #{spec.validator}")
        if spec.alpha <= 0:
            raise ValueError(f"{where}: stake alpha must be positive")
        stakes.append(spec)
    nom = NominatorSpec(**{**row, "stakes": tuple(stakes)})
    if nom.add_stake_every < 0 or nom.add_stake_tao <= 0 or (nom.add_stake_every and not stakes):
        raise ValueError(f"{where}: add_stake_every needs a stake to add to and add_stake_tao > 0")
    return nom


def _endow(c: Ctx, who: bytes, amount: int) -> None:
    """Genesis-only balance write (no events exist at genesis); keeps both issuance counters in step."""
    acct = fget(c.state, "System", "Account", who)
    acct["data"]["free"] = int(acct["data"]["free"]) + amount
    acct["providers"] = max(int(acct["providers"]), 1)
    fset(c.state, "System", "Account", who, value=acct)
    for pallet in ("Balances", S):
        fset(c.state, pallet, "TotalIssuance", value=int(fget(c.state, pallet, "TotalIssuance")) + amount)


def build_scenario(c: Ctx, source: str | Path | dict[str, Any] | Scenario) -> Scenario:
    """Write the scenario's subnets into genesis storage; return the parsed scenario."""
    sc = load_scenario(source)
    if sc.nominator_min_stake < 0:
        raise ValueError("nominator_min_stake must be >= 0 rao")
    if sc.nominator_min_stake:
        c.set("NominatorMinRequiredStake", value=sc.nominator_min_stake)
    for netuid, spec in enumerate(sc.subnets, start=1):
        _build_subnet(c, sc, netuid, spec)
        # stagger epochs across the tempo so each epoch block runs one subnet (the chain staggers by
        # netuid % tempo from the registration block; at genesis that would align them all)
        tempo = spec.tempo or sc.tempo
        c.set("LastEpochBlock", netuid, value=(netuid - 1) * tempo // max(len(sc.subnets), 1))
    for i, nom in enumerate(sc.nominators):
        _build_nominator(c, sc, i, nom)
    return sc


def _build_nominator(c: Ctx, sc: Scenario, index: int, nom: NominatorSpec) -> None:
    """Endow the nominator and mint its positions into validators' pools (as validator stake is)."""
    ck = sc.nominator_key(index)
    _endow(c, ck, nom.balance * TAO)
    for st in nom.stakes:
        c.ledger.increase_stake(sc.key(st.netuid, "validator-hotkey", st.validator), ck, st.netuid, st.alpha * TAO)
        c.ledger.add("SubnetAlphaOut", st.netuid, st.alpha * TAO)


def _build_subnet(c: Ctx, sc: Scenario, netuid: int, spec: SubnetSpec) -> None:
    owner_ck, owner_hk = sc.key(netuid, "owner", 0), sc.key(netuid, "owner-hotkey", 0)
    _endow(c, owner_ck, sc.owner_balance * TAO)
    sn.init_network(c, netuid, spec.tempo or sc.tempo)
    pool_tao = spec.pool_tao * TAO
    pool_alpha = (spec.pool_alpha if spec.pool_alpha is not None else spec.pool_tao) * TAO
    _endow(c, subnet_account(netuid), pool_tao)
    for item, value in (("SubnetMechanism", 1), ("SubnetTAO", pool_tao), ("SubnetAlphaIn", pool_alpha),
                        ("SubnetOwner", owner_ck), ("SubnetOwnerHotkey", owner_hk), ("SubnetLocked", pool_tao),
                        ("NetworkRegisteredAt", 0), ("FirstEmissionBlockNumber", 1), ("SubtokenEnabled", True),
                        ("ImmunityPeriod", sc.immunity_period), ("WeightsSetRateLimit", 0),
                        ("MaxAllowedValidators", spec.max_allowed_validators),
                        ("MaxAllowedUids", spec.max_allowed_uids),
                        ("TokenSymbol", (spec.symbol or spec.name[:1]).encode())):
        c.set(item, netuid, value=value)
    if spec.min_non_immune_uids is not None:
        c.set("MinNonImmuneUids", netuid, value=spec.min_non_immune_uids)
    fset(c.state, "Swap", "SwapBalancer", netuid, value={"quote": 5 * 10**17})
    c.set("SubnetMovingPrice", netuid, value={"bits": (pool_tao << 32) // pool_alpha})
    c.ledger.add_plain("TotalStake", pool_tao)
    c.set("SubnetIdentitiesV3", netuid, value={
        "subnet_name": spec.name.encode(), "github_repo": spec.github_repo.encode(), "subnet_contact": b"",
        "subnet_url": spec.subnet_url.encode(), "discord": b"", "description": spec.description.encode(),
        "logo_url": b"", "additional": b""})
    c.create_hotkey_account(owner_ck, owner_hk)
    sn.append_neuron(c, netuid, owner_hk)
    stake = spec.validator_stake * TAO
    for i in range(spec.validators):
        ck, hk = sc.key(netuid, "validator", i), sc.key(netuid, "validator-hotkey", i)
        _endow(c, ck, 100 * TAO)
        c.create_hotkey_account(ck, hk)
        sn.append_neuron(c, netuid, hk)
        c.set("Delegates", hk, value=spec.validator_take)  # validators are delegates (default take 18%)
        c.ledger.increase_stake(hk, ck, netuid, stake)
        c.ledger.add("SubnetAlphaOut", netuid, stake)
    for i in range(spec.miners):
        ck, hk = sc.key(netuid, "miner", i), sc.key(netuid, "miner-hotkey", i)
        c.create_hotkey_account(ck, hk)
        sn.append_neuron(c, netuid, hk)
    # validators start with permits so their first weights count (the chain grants them at an epoch)
    c.set("ValidatorPermit", netuid, value=[i <= spec.validators for i in range(1 + spec.validators + spec.miners)])


def bench_scenario(subnets: int = 4, uids: int = 256, validators: int = 16, tempo: int = 20) -> Scenario:
    """The benchmark network of issue 5: `subnets` full subnets of `uids` uids (owner + validators + miners)."""
    return Scenario(seed="bench", tempo=tempo, subnets=tuple(
        SubnetSpec(name=f"Bench {i + 1}", validators=validators, miners=uids - 1 - validators, pool_tao=1_000,
                   pool_alpha=20_000, validator_stake=2_000) for i in range(subnets)))
