"""The network dashboard's numbers, read from chain storage: issuance, emission and halving, block time,
subnets with their prices and emission split, and the user's share of each of their stake positions.

Source: storage read through `node.client` at one block hash (every number in a report is from the same
block). By default every value is proof-checked: the node's read proof is verified (node.trie) against the
state root of that block's header, whose hash is recomputed and compared with the block hash. What is
not checked here is that the block itself is canonical/finalized: that needs node/light's verified header
chain, which this service does not read yet. `NetworkStats.source` says which mode produced the numbers.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from node.client.client import ChainClient
from node.scale_compact import encode_compact
from node.trie import InvalidProofError, blake2_256, verify_read_proof
from tao_wallet.services.chain import ChainService, chain_errors, decode_address, encode_address, rao_to_tao
from tao_wallet.services.errors import WalletError

S = "SubtensorModule"
TOTAL_SUPPLY_RAO = 21_000_000 * 10**9
"""Bittensor's issuance cap (21M TAO)."""
DEFAULT_BLOCK_EMISSION_RAO = 10**9
"""1 TAO per block before the first halving."""
PERQUINTILL = 10**18
SOURCE_PLAIN = "rpc"
SOURCE_PROVEN = "rpc, proof-checked against the block's state root"


def header_hash(header: dict[str, Any]) -> bytes:
    """blake2_256 of a header's SCALE encoding rebuilt from its RPC JSON (digest logs are SCALE already)."""
    logs = header.get("digest", {}).get("logs", [])
    encoded = (bytes.fromhex(header["parentHash"][2:]) + encode_compact(int(header["number"], 16))
               + bytes.fromhex(header["stateRoot"][2:]) + bytes.fromhex(header["extrinsicsRoot"][2:])
               + encode_compact(len(logs)) + b"".join(bytes.fromhex(log[2:]) for log in logs))
    return blake2_256(encoded)


class StorageReader:
    """Storage reads at one block, optionally proof-checked against that block's state root.

    Raises (from `raw`/`get`):
        WalletError: "unverifiable_state" when a header or proof does not check out.
    """

    def __init__(self, client: ChainClient, at: bytes, verify: bool = True) -> None:
        self.client, self.at, self.verify = client, at, verify
        self.state_root: bytes | None = None
        if verify:
            header = client.read("chain_getHeader", ["0x" + at.hex()])
            if header is None or header_hash(header) != at:
                raise WalletError("unverifiable_state", f"the node's header does not hash to block 0x{at.hex()}")
            self.state_root = bytes.fromhex(header["stateRoot"][2:])

    def raw(self, key: bytes) -> bytes | None:
        """The value at `key` (None when absent), proven when verifying."""
        if self.state_root is None:
            value = self.client.read("state_getStorage", ["0x" + key.hex(), "0x" + self.at.hex()])
            return None if value is None else bytes.fromhex(value[2:])
        answer = self.client.read("state_getReadProof", [["0x" + key.hex()], "0x" + self.at.hex()])
        try:
            proof = [bytes.fromhex(node[2:]) for node in answer["proof"]]
            return verify_read_proof(self.state_root, proof, [key])[key]
        except (InvalidProofError, KeyError, TypeError, ValueError) as exc:
            raise WalletError("unverifiable_state", f"the node's storage proof does not verify: {exc}") from None

    def get(self, pallet: str, item: str, *keys: bytes) -> Any:
        """Decoded value (None for an absent Optional item, else the metadata default when absent)."""
        runtime = self.client.runtime()
        return runtime.decode_storage(pallet, item, self.raw(runtime.storage_key(pallet, item, *keys)))


def read_storage(client: ChainClient, pallet: str, item: str, *keys: bytes, at: bytes | None = None) -> Any:
    """A storage value by metadata names: None for an absent Optional item, the metadata default otherwise.

    Same as `ChainClient.storage` (which now decodes absent defaults itself); kept as the name the test
    helpers use.
    """
    return client.storage(pallet, item, *keys, at=at)


def account_key(value: Any) -> bytes:
    """32-byte account id from a decoded AccountId ('0x' hex or SS58)."""
    text = str(value)
    return bytes.fromhex(text[2:]) if text.startswith("0x") else decode_address(text)


def netuid_key(netuid: int) -> bytes:
    """SCALE of a netuid (u16)."""
    return struct.pack("<H", netuid)


def halving_index(issuance_rao: int) -> int:
    """k = floor(log2(cap / (cap - issuance))): how many halvings the issuance has passed (exact)."""
    remaining = TOTAL_SUPPLY_RAO - issuance_rao
    if remaining <= 0:
        return 64
    k = 0
    while remaining << (k + 1) <= TOTAL_SUPPLY_RAO:
        k += 1
    return k


def halving_threshold_rao(index: int) -> int:
    """Issuance at which emission halves for the `index`-th time: cap * (1 - 2^-index)."""
    return TOTAL_SUPPLY_RAO - (TOTAL_SUPPLY_RAO >> index)


def _ratio(num: int | Fraction, den: int | Fraction) -> Decimal:
    if not den:
        return Decimal(0)
    frac = Fraction(num) / Fraction(den)
    return (Decimal(frac.numerator) / Decimal(frac.denominator)).quantize(Decimal("1e-18"))


@dataclass(frozen=True)
class SubnetStat:
    """One subnet: its pool and its part of this block's TAO emission."""

    netuid: int
    symbol: str
    price: Decimal
    """TAO per alpha: (w_alpha * TAO reserve) / (w_tao * alpha reserve); 1 on root."""
    tao_reserve: Decimal
    alpha_reserve: Decimal
    alpha_outstanding: Decimal
    tao_emission: Decimal
    """TAO this subnet received in the block (SubnetTaoInEmission + SubnetExcessTao)."""
    emission_share: Decimal
    """Fraction of all subnets' TAO emission in the block."""


@dataclass(frozen=True)
class PositionShare:
    """A stake position of the user: alpha held through a hotkey on a subnet, and its share of the pools."""

    hotkey: str
    netuid: int
    alpha: Decimal
    value_tao: Decimal
    share_of_hotkey: Decimal
    """The user's shares / the hotkey's total shares on the subnet."""
    share_of_subnet: Decimal
    """The position's alpha / the subnet's outstanding alpha."""


@dataclass(frozen=True)
class NetworkStats:
    """A consistent snapshot of the network at one block."""

    network: str
    source: str
    block_number: int
    block_hash: str
    total_issuance: Decimal
    issuance_cap: Decimal
    issued_fraction: Decimal
    block_emission: Decimal
    halvings_so_far: int
    next_halving_issuance: Decimal
    blocks_to_halving: int | None
    halving_eta: str | None
    """ISO-8601 UTC estimate (blocks to halving x measured block time), None when unknowable."""
    block_time_seconds: Decimal | None
    block_time_sample: int
    subnet_count: int
    subnets: tuple[SubnetStat, ...]
    positions: tuple[PositionShare, ...]


class NetworkStatsService:
    """Builds `NetworkStats` from one network's storage.

    Args:
        chain: the network connection.
        block_time_sample: how many recent blocks the block-time measurement spans.
        verify: proof-check every value against the block's state root (twice the requests).
    """

    def __init__(self, chain: ChainService, block_time_sample: int = 20, verify: bool = True) -> None:
        self.chain = chain
        self.block_time_sample = block_time_sample
        self.verify = verify

    def stats(self, coldkey: str | None = None) -> NetworkStats:
        """Read the snapshot at the best block; `coldkey` (SS58) adds that user's positions."""
        with chain_errors():
            client = self.chain.client
            best = client.best_block()
            at = best.hash
            get = StorageReader(client, at, self.verify).get

            issuance = int(get(S, "TotalIssuance"))
            emission = int(get(S, "BlockEmission"))
            block_time, sample = self._block_time(client, best.number, int(get("Timestamp", "Now")))
            netuids = [n for n in self._netuid_candidates(client, at) if get(S, "NetworksAdded", netuid_key(n))]
            subnets = tuple(self._subnet(get, n) for n in netuids)
            positions = () if coldkey is None else self._positions(get, decode_address(coldkey), subnets)
        total_emission = sum(s.tao_emission for s in subnets if s.netuid != 0)
        subnets = tuple(
            SubnetStat(s.netuid, s.symbol, s.price, s.tao_reserve, s.alpha_reserve, s.alpha_outstanding,
                       s.tao_emission, _ratio(Fraction(s.tao_emission), Fraction(total_emission))
                       if s.netuid != 0 else Decimal(0))
            for s in subnets)
        k = halving_index(issuance)
        next_at = halving_threshold_rao(k + 1)
        blocks = -(-(next_at - issuance) // emission) if emission > 0 else None
        eta = None
        if blocks is not None and block_time is not None:
            eta = (datetime.now(UTC) + timedelta(seconds=float(block_time) * blocks)).replace(microsecond=0).isoformat()
        return NetworkStats(
            network=self.chain.profile.name, source=SOURCE_PROVEN if self.verify else SOURCE_PLAIN,
            block_number=best.number, block_hash="0x" + at.hex(),
            total_issuance=rao_to_tao(issuance), issuance_cap=rao_to_tao(TOTAL_SUPPLY_RAO),
            issued_fraction=_ratio(issuance, TOTAL_SUPPLY_RAO), block_emission=rao_to_tao(emission),
            halvings_so_far=k, next_halving_issuance=rao_to_tao(next_at), blocks_to_halving=blocks,
            halving_eta=eta, block_time_seconds=block_time, block_time_sample=sample,
            subnet_count=sum(1 for n in netuids if n != 0), subnets=subnets, positions=positions)

    def _block_time(self, client: ChainClient, best: int, now_ms: int) -> tuple[Decimal | None, int]:
        """Mean seconds per block over the last `block_time_sample` blocks (Timestamp.Now at both ends)."""
        span = min(self.block_time_sample, best - 1)
        if span <= 0:
            return None, 0
        earlier = client.block_hash(best - span)
        if earlier is None:
            return None, 0
        then_ms = int(StorageReader(client, earlier, self.verify).get("Timestamp", "Now"))
        return (Decimal(now_ms - then_ms) / Decimal(1000 * span)).quantize(Decimal("0.001")), span

    def _netuid_candidates(self, client: ChainClient, at: bytes) -> list[int]:
        """Netuids with a NetworksAdded key (a key listing cannot be proven; each value is then read)."""
        runtime = client.runtime()
        prefix = runtime.storage_key(S, "NetworksAdded", b"\x00\x00")[:-2]
        out: list[int] = []
        start: str | None = None
        while True:
            keys = client.read("state_getKeysPaged", ["0x" + prefix.hex(), 1000, start, "0x" + at.hex()])
            out.extend(struct.unpack("<H", bytes.fromhex(key[2:])[-2:])[0] for key in keys)
            if len(keys) < 1000:
                return sorted(out)
            start = keys[-1]

    def _subnet(self, get: Any, netuid: int) -> SubnetStat:
        key = netuid_key(netuid)
        tao = int(get(S, "SubnetTAO", key))
        alpha_in = int(get(S, "SubnetAlphaIn", key))
        alpha_out = int(get(S, "SubnetAlphaOut", key))
        if netuid == 0:
            price = Decimal(1)
        else:
            quote = int(get("Swap", "SwapBalancer", key)["quote"])
            price = _ratio((PERQUINTILL - quote) * tao, quote * alpha_in) if alpha_in else Decimal(0)
        emission = int(get(S, "SubnetTaoInEmission", key)) + int(get(S, "SubnetExcessTao", key))
        symbol = get(S, "TokenSymbol", key)
        text = symbol if isinstance(symbol, str) and not symbol.startswith("0x") else str(netuid)
        return SubnetStat(netuid, text, price, rao_to_tao(tao), rao_to_tao(alpha_in), rao_to_tao(alpha_out),
                          rao_to_tao(emission), Decimal(0))

    def _positions(self, get: Any, coldkey: bytes, subnets: tuple[SubnetStat, ...]) -> tuple[PositionShare, ...]:
        out: list[PositionShare] = []
        for hk_value in get(S, "StakingHotkeys", coldkey):
            hotkey = account_key(hk_value)
            for subnet in subnets:
                key = netuid_key(subnet.netuid)
                share = _safe_float(get(S, "AlphaV2", hotkey, coldkey, key))
                if share == 0:
                    continue
                total_shares = _safe_float(get(S, "TotalHotkeySharesV2", hotkey, key))
                hotkey_alpha = int(get(S, "TotalHotkeyAlpha", hotkey, key))
                fraction = share / total_shares if total_shares else Fraction(0)
                alpha_rao = int(fraction * hotkey_alpha)
                alpha_out = int(get(S, "SubnetAlphaOut", key)) if subnet.netuid != 0 else int(get(S, "SubnetTAO", key))
                out.append(PositionShare(
                    encode_address(hotkey), subnet.netuid, rao_to_tao(alpha_rao),
                    (rao_to_tao(alpha_rao) * subnet.price).quantize(Decimal("1e-9")),
                    _ratio(fraction, 1), _ratio(alpha_rao, alpha_out)))
        return tuple(out)


def _safe_float(value: Any) -> Fraction:
    """A subtensor SafeFloat {mantissa, exponent} as an exact fraction."""
    mantissa, exponent = int(value["mantissa"]), int(value["exponent"])
    return Fraction(mantissa) * (Fraction(10) ** exponent)
