"""Find epoch blocks and capture epoch snapshots from verified SubtensorModule storage."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from node.light.headers import VerifiedHeader
from node.light.reader import CHUNK, VerifiedReader
from node.light.snapshot import Csr, EpochSnapshot
from node.light.storage import S, StorageSchema, account_hex, decode_u16_pairs, u16

U64_MAX = (1 << 64) - 1
ONE32 = 1 << 32
HYPER_ITEMS = {
    "tempo": "Tempo", "activity_cutoff_factor_milli": "ActivityCutoffFactorMilli", "kappa": "Kappa",
    "bonds_penalty": "BondsPenalty", "bonds_moving_average": "BondsMovingAverage",
    "max_allowed_validators": "MaxAllowedValidators", "liquid_alpha_enabled": "LiquidAlphaOn",
    "alpha_sigmoid_steepness": "AlphaSigmoidSteepness", "yuma3_enabled": "Yuma3On",
}
OUTPUT_ITEMS = {"active": "Active", "emission": "Emission", "consensus": "Consensus",
                "incentive": "Incentive", "dividends": "Dividends", "validator_trust": "ValidatorTrust",
                "stake_weight": "StakeWeight", "validator_permit": "ValidatorPermit"}


def _csr(rows: list[Any], n: int | None) -> Csr:
    """Rows (arrays of (uid, value) or decoded lists) as CSR lists; entries with uid >= n dropped."""
    arrays = [np.asarray(r, dtype=np.int64).reshape(-1, 2) for r in rows]
    if n is not None:
        arrays = [a[a[:, 0] < n] for a in arrays]
    indptr = np.zeros(len(arrays) + 1, np.int64)
    np.cumsum([a.shape[0] for a in arrays], out=indptr[1:])
    flat = np.concatenate(arrays) if arrays else np.zeros((0, 2), np.int64)
    return {"indptr": indptr.tolist(), "indices": flat[:, 0].tolist(), "values": flat[:, 1].tolist()}


def _mul32(a: int, b: int) -> int:
    return (a * b) >> 32


def _div32(a: int, b: int) -> int:
    return 0 if b == 0 else (a << 32) // b


class EpochWatcher:
    """Detects which subnets ran their epoch in a block and snapshots them.

    An epoch of subnet n ran in block N iff ``LastMechansimStepBlock(n)`` at N equals N.
    """

    def __init__(self, schema: StorageSchema, reader: VerifiedReader) -> None:
        self.schema = schema
        self.reader = reader
        self.enabled = schema.has(S, "LastMechansimStepBlock")
        self._networks = 8
        self._pairs = {n for n in ("Weights", "Bonds") if self.enabled and schema.is_u16_pairs(S, n)}

    def _get(self, values: dict[bytes, bytes | None], name: str, *keys: bytes) -> Any:
        return self.schema.decode(S, name, values[self.schema.key(S, name, *keys)])

    def read_items(self, header: VerifiedHeader, items: Sequence[tuple[str, tuple[bytes, ...]]]
              ) -> dict[tuple[str, tuple[bytes, ...]], Any]:
        """Verified, decoded values of SubtensorModule ``(item, key parts)`` at ``header``."""
        keys = [self.schema.key(S, name, *k) for name, k in items]
        values = self.reader.read(header, keys)
        return {it: self._decode(it[0], values[key]) for it, key in zip(items, keys, strict=True)}

    def read_jobs(self, jobs: Sequence[tuple[VerifiedHeader, Sequence[tuple[str, tuple[bytes, ...]]]]]
                  ) -> list[dict[tuple[str, tuple[bytes, ...]], Any]]:
        """``read_items`` for several (header, items) jobs in one pipelined round trip."""
        chunks: list[tuple[VerifiedHeader, list[bytes]]] = []
        owners: list[int] = []
        all_keys: list[list[bytes]] = []
        for j, (header, items) in enumerate(jobs):
            keys = [self.schema.key(S, name, *k) for name, k in items]
            all_keys.append(keys)
            for i in range(0, len(keys), CHUNK):
                chunks.append((header, keys[i : i + CHUNK]))
                owners.append(j)
        merged: list[dict[bytes, bytes | None]] = [{} for _ in jobs]
        for j, got in zip(owners, self.reader.read_many(chunks), strict=True):
            merged[j].update(got)
        return [{it: self._decode(it[0], merged[j][key]) for it, key in zip(items, all_keys[j], strict=True)}
                for j, (_, items) in enumerate(jobs)]

    def _decode(self, name: str, raw: bytes | None) -> Any:
        if name in self._pairs:
            return decode_u16_pairs(raw)  # weights/bonds rows: an (n, 2) array
        return self.schema.decode(S, name, raw)

    def epochs_in(self, header: VerifiedHeader) -> list[int]:
        """Netuids (excluding root) whose epoch ran in this block."""
        if not self.enabled or header.number == 0:
            return []
        while True:
            items = [("TotalNetworks", ())] + [("LastMechansimStepBlock", (u16(n),))
                                               for n in range(1, self._networks)]
            got = self.read_items(header, items)
            total = int(got[("TotalNetworks", ())])
            if total <= self._networks:
                return [n for n in range(1, min(total, self._networks))
                        if int(got[("LastMechansimStepBlock", (u16(n),))]) == header.number]
            self._networks = total + 4

    def epochs_in_batch(self, headers: Sequence[VerifiedHeader]) -> dict[int, list[int]]:
        """``epochs_in`` for many headers with one pipelined round trip (block number -> netuids)."""
        todo = [h for h in headers if h.number > 0] if self.enabled else []
        if not todo:
            return {}
        names = [("TotalNetworks", ())] + [("LastMechansimStepBlock", (u16(n),)) for n in range(1, self._networks)]
        known = self._networks
        keys = [self.schema.key(S, name, *k) for name, k in names]
        out: dict[int, list[int]] = {}
        for h, values in zip(todo, self.reader.read_many([(h, keys) for h in todo]), strict=True):
            total = int(self.schema.decode(S, "TotalNetworks", values[keys[0]]))
            if total > known:
                out[h.number] = self.epochs_in(h)  # more subnets than keys asked for: read again
                continue
            out[h.number] = [n for n in range(1, total) if int(self.schema.decode(
                S, "LastMechansimStepBlock", values[keys[n]])) == h.number]
        return out

    def capture(self, header: VerifiedHeader, parent: VerifiedHeader, netuid: int) -> EpochSnapshot:
        """Snapshot the inputs (parent state) and outputs (epoch block state) of one epoch."""
        nu = u16(netuid)
        plain = ["SubnetworkN", "LastUpdate", "ValidatorPermit", "LastMechansimStepBlock",
                 "SubnetOwnerHotkey", "AlphaValues", "PendingServerEmission", "PendingValidatorEmission",
                 "PendingRootAlphaDivs", "OwnerCutEnabled", "SubnetAlphaIn", "SubnetAlphaOut",
                 "SubnetTAO", "SubnetMovingPrice", *HYPER_ITEMS.values()]
        items: list[tuple[str, tuple[bytes, ...]]] = [(p, (nu,)) for p in plain]
        items += [("TaoWeight", ()), ("StakeThreshold", ()), ("SubnetOwnerCut", ()),
                  ("SubnetTAO", (u16(0),)), ("TotalNetworks", ())]
        price_items: list[tuple[str, tuple[bytes, ...]]] = [("SubnetMovingPrice", (u16(k),))
                                                            for k in range(1, self._networks)]
        out_plain: list[tuple[str, tuple[bytes, ...]]] = [(name, (nu,)) for name in OUTPUT_ITEMS.values()]
        out_plain += [("SubnetAlphaOutEmission", (nu,)), ("SubnetTAO", (nu,)), ("SubnetAlphaIn", (nu,))]
        # three pipelined round trips: plain items (both blocks), per-uid rows (both), stakes
        a, o = self.read_jobs([(parent, items + price_items), (header, out_plain)])
        n = int(a[("SubnetworkN", (nu,))])
        per_uid: list[tuple[str, tuple[bytes, ...]]] = [(name, (nu, u16(uid))) for uid in range(n)
                   for name in ("Keys", "BlockAtRegistration", "Weights", "Bonds")]
        b, o_bonds = self.read_jobs([(parent, per_uid), (header, [("Bonds", (nu, u16(uid))) for uid in range(n)])])
        o.update(o_bonds)
        hotkeys = [account_hex(b[("Keys", (nu, u16(uid)))]) for uid in range(n)]
        stake_items: list[tuple[str, tuple[bytes, ...]]] = [("TotalHotkeyAlpha", (hk, u16(net))) for hk in hotkeys for net in (netuid, 0)]
        stake_items += [("Owner", (hk,)) for hk in hotkeys] + [("Delegates", (hk,)) for hk in hotkeys]
        [c] = self.read_jobs([(parent, stake_items)])
        alpha = [int(c[("TotalHotkeyAlpha", (hk, nu))]) for hk in hotkeys]
        root = [int(c[("TotalHotkeyAlpha", (hk, u16(0)))]) if netuid else 0 for hk in hotkeys]
        tw_raw = int(a[("TaoWeight", ())])
        tw = (tw_raw << 64) // U64_MAX
        stake = [min(x + ((r * tw) >> 64), U64_MAX) for x, r in zip(alpha, root, strict=True)]
        owner_hk = a[("SubnetOwnerHotkey", (nu,))]
        owner_uid = None
        if owner_hk is not None:
            hk = account_hex(owner_hk)
            owner_uid = hotkeys.index(hk) if hk in hotkeys else None
        hyper = {k: (bool(a[(v, (nu,))]) if isinstance(a[(v, (nu,))], bool) else int(a[(v, (nu,))]))
                 for k, v in HYPER_ITEMS.items()}
        alpha_values = a[("AlphaValues", (nu,))]
        hyper.update(alpha_low=int(alpha_values[0]), alpha_high=int(alpha_values[1]),
                     stake_threshold=int(a[("StakeThreshold", ())]))
        total = int(a[("TotalNetworks", ())])
        if total > self._networks:  # more subnets than prices read
            a.update(self.read_items(parent, [("SubnetMovingPrice", (u16(k),)) for k in range(1, total)]))
        root_sell = sum(int(a[("SubnetMovingPrice", (u16(k),))]["bits"]) for k in range(1, total)) << 32 > 1 << 64
        rao = self._rao_emission(a, o, nu, tw_raw, root_sell)
        outputs: dict[str, Any] = {}
        for key, name in OUTPUT_ITEMS.items():
            vals = list(o[(name, (nu,))])[:n]
            outputs[key] = [bool(x) if isinstance(x, bool) else int(x) for x in vals]
        outputs["bonds"] = _csr([o[("Bonds", (nu, u16(uid)))] for uid in range(n)], None)
        lu = [int(x) for x in a[("LastUpdate", (nu,))]][:n]
        permits = [bool(x) for x in a[("ValidatorPermit", (nu,))]][:n]
        context = {
            "owners": [account_hex(c[("Owner", (hk,))]).hex() for hk in hotkeys],
            "takes": [int(c[("Delegates", (hk,))]) for hk in hotkeys],
            "subnet_tao": int(o[("SubnetTAO", (nu,))]), "subnet_alpha_in": int(o[("SubnetAlphaIn", (nu,))]),
        }
        return EpochSnapshot(
            netuid=netuid, block=header.number, hotkeys=[h.hex() for h in hotkeys],
            last_update=lu + [0] * (n - len(lu)),
            block_at_registration=[int(b[("BlockAtRegistration", (nu, u16(uid)))]) for uid in range(n)],
            stake=stake, alpha_stake=alpha, root_stake=root,
            validator_permit=permits + [False] * (n - len(permits)),
            weights=_csr([b[("Weights", (nu, u16(uid)))] for uid in range(n)], n),
            bonds=_csr([b[("Bonds", (nu, u16(uid)))] for uid in range(n)], n),
            hyper=hyper, owner_uid=owner_uid,
            last_mechanism_step_block=int(a[("LastMechansimStepBlock", (nu,))]),
            rao_emission=rao, outputs=outputs, context=context,
        )

    def _rao_emission(self, a: dict[tuple[str, tuple[bytes, ...]], Any],
                      o: dict[tuple[str, tuple[bytes, ...]], Any], nu: bytes, tao_weight: int,
                      root_sell: bool) -> int:
        """Alpha the epoch distributed: pending at the parent plus this block's share of alpha_out.

        The coinbase adds the block's emission before draining, and zeroes the pending amounts in
        the same block, so the epoch's total is reconstructed with the chain's split rules
        (owner cut, 50% miners, root proportion), all in U96F32 as the chain computes them; root
        alpha counts only when the subnets' moving prices sum above 1.0 (else it is recycled).
        """
        pending = sum(int(a[(k, (nu,))]) for k in ("PendingServerEmission", "PendingValidatorEmission",
                                                     "PendingRootAlphaDivs"))
        alpha_out = int(o[("SubnetAlphaOutEmission", (nu,))]) << 32
        cut = _div32(int(a[("SubnetOwnerCut", ())]) << 32, 65_535 << 32)
        owner_cut = _mul32(alpha_out, cut) if a[("OwnerCutEnabled", (nu,))] else 0
        remaining = alpha_out - owner_cut
        issuance = int(a[("SubnetAlphaIn", (nu,))]) + int(a[("SubnetAlphaOut", (nu,))])
        tw = _div32(tao_weight << 32, U64_MAX << 32)
        weighted = _mul32(int(a[("SubnetTAO", (u16(0),))]) << 32, tw)
        root_prop = _div32(weighted, weighted + (issuance << 32))
        root_alpha = _mul32(_mul32(root_prop, remaining), ONE32 // 2)
        server = _mul32(remaining, ONE32 // 2)
        validator = max(remaining - server - root_alpha, 0)
        return pending + (server >> 32) + (validator >> 32) + ((root_alpha >> 32) if root_sell else 0)
