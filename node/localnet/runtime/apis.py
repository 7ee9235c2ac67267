"""Core runtime APIs served by state_call, encoded with the runtime's own types."""

from __future__ import annotations

import struct

from node.localnet.hashing import blake2_64, compact, decode_compact
from node.localnet.runtime.executive import Runtime
from node.localnet.runtime.pallet import ApiContext, Weight

KNOWN_RUNTIME_APIS = (
    "Core", "Metadata", "BlockBuilder", "GenesisBuilder", "TaggedTransactionQueue", "OffchainWorkerApi",
    "AuraApi", "SessionKeys", "GrandpaApi", "AccountNonceApi", "TransactionPaymentApi",
    "TransactionPaymentCallApi", "EthereumRuntimeRPCApi", "ConvertTransactionRuntimeApi", "ContractsApi",
    "DelegateInfoRuntimeApi", "NeuronInfoRuntimeApi", "SubnetInfoRuntimeApi", "StakeInfoRuntimeApi",
    "SubnetRegistrationRuntimeApi", "SwapRuntimeApi", "ShieldApi",
)
"""Names of the runtime APIs whose ids (blake2_64 of the name) appear in spec 461's version; the list
itself is served from the metadata's System.Version constant (three more ids there are unnamed here)."""


def api_id(name: str) -> bytes:
    """Runtime API id: blake2_64 of the API trait name."""
    return blake2_64(name.encode())


METADATA_VERSIONS = (14,)
"""Metadata versions this localnet can serve (V14 only; the shipped blob is V14)."""


def register_core_apis(runtime: Runtime) -> None:
    """Core_version, Metadata_*, AccountNonceApi_account_nonce, TransactionPaymentApi_query_*."""
    md = runtime.md
    weight_type = md.type_by_path("sp_weights", "weight_v2", "Weight")
    class_type = md.type_by_path("frame_support", "dispatch", "DispatchClass")

    def core_version(ctx: ApiContext, data: bytes) -> bytes:
        return md.constant_raw("System", "Version")[1]

    def metadata(ctx: ApiContext, data: bytes) -> bytes:
        return compact(len(md.raw)) + md.raw

    def metadata_at_version(ctx: ApiContext, data: bytes) -> bytes:
        (version,) = struct.unpack("<I", data[:4])
        if version not in METADATA_VERSIONS:
            return b"\x00"
        return b"\x01" + compact(len(md.raw)) + md.raw

    def metadata_versions(ctx: ApiContext, data: bytes) -> bytes:
        return compact(len(METADATA_VERSIONS)) + b"".join(struct.pack("<I", v) for v in METADATA_VERSIONS)

    def account_nonce(ctx: ApiContext, data: bytes) -> bytes:
        return struct.pack("<I", int(ctx.state.get("System", "Account", data[:32])["nonce"]))

    def _decode_xt(data: bytes) -> tuple[bytes, int]:
        length, off = decode_compact(data, 0)
        return data[: off + length], off + length

    def query_info(ctx: ApiContext, data: bytes) -> bytes:
        raw, _ = _decode_xt(data)
        xt = runtime.codec.decode(raw)
        info = runtime.query_info(ctx.state, xt)
        weight = md.encode(weight_type, {"ref_time": info["weight"]["refTime"], "proof_size": info["weight"]["proofSize"]})
        cls = md.encode(class_type, info["class"].capitalize())
        return weight + cls + int(info["partialFee"]).to_bytes(16, "little")

    def query_fee_details(ctx: ApiContext, data: bytes) -> bytes:
        raw, _ = _decode_xt(data)
        xt = runtime.codec.decode(raw)
        if not xt.signed:
            return b"\x00" + bytes(16)
        weight = runtime.call_weight(xt.call)
        cls = runtime.call_class(xt.call)
        base = runtime.compute_fee(ctx.state, 0, Weight(0, 0), cls)
        total = runtime.compute_fee(ctx.state, xt.length, weight, cls)
        length_fee = xt.length
        adjusted = total - base - length_fee
        parts = (base, length_fee, adjusted)
        return b"\x01" + b"".join(p.to_bytes(16, "little") for p in parts) + xt.tip.to_bytes(16, "little")

    runtime.register_api("Core_version", core_version)
    runtime.register_api("Metadata_metadata", metadata)
    runtime.register_api("Metadata_metadata_at_version", metadata_at_version)
    runtime.register_api("Metadata_metadata_versions", metadata_versions)
    runtime.register_api("AccountNonceApi_account_nonce", account_nonce)
    runtime.register_api("TransactionPaymentApi_query_info", query_info)
    runtime.register_api("TransactionPaymentApi_query_fee_details", query_fee_details)
