"""Decoding and signature checking of (v4) extrinsics against the metadata's extrinsic format.

The signed-extension list, the type of each extension's `extra` and `additional signed` data, the address,
signature and call types all come from the metadata. The signing payload is
``call ++ extras ++ additional_signed`` (blake2_256 of it when longer than 256 bytes), as Substrate signs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import ed25519_zebra
import sr25519

from node.localnet.hashing import blake2_256, compact, decode_compact
from node.localnet.metadata import RuntimeMetadata
from node.localnet.validity import InvalidTransaction

SIGNED_BIT = 0x80


@dataclass(frozen=True)
class RuntimeCall:
    """A decoded call: pallet and call names with arguments by metadata name (nested calls decoded too)."""

    pallet: str
    name: str
    args: dict[str, Any]

    def describe(self) -> str:
        """'Pallet.call'."""
        return f"{self.pallet}.{self.name}"


@dataclass
class Extrinsic:
    """A decoded extrinsic (not yet checked against state)."""

    raw: bytes
    """Full SCALE bytes including the compact length prefix, as submitted and stored in blocks."""
    hash: bytes
    call: RuntimeCall
    call_bytes: bytes
    signer: bytes | None = None
    scheme: str | None = None
    signature: bytes = b""
    extra_bytes: bytes = b""
    nonce: int = 0
    tip: int = 0
    era: tuple[int, int] | None = None
    """(period, phase) of a mortal era; None when immortal."""
    metadata_mode: int = 0
    extras: dict[str, bytes] = field(default_factory=dict)

    @property
    def signed(self) -> bool:
        """True for signed extrinsics."""
        return self.signer is not None

    @property
    def length(self) -> int:
        """Encoded length (what length fees are charged on)."""
        return len(self.raw)


def normalise_call(value: dict[str, Any]) -> RuntimeCall:
    """Turn scalecodec's decoded call dict (and nested calls) into a RuntimeCall."""
    raw_args = value.get("call_args") or []
    if isinstance(raw_args, dict):
        args = {k: _norm(v) for k, v in raw_args.items()}
    else:
        args = {a["name"]: _norm(a["value"]) for a in raw_args}
    return RuntimeCall(value["call_module"], value["call_function"], args)


def _norm(v: Any) -> Any:
    if isinstance(v, dict):
        if "call_module" in v and "call_function" in v:
            return normalise_call(v)
        return {k: _norm(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_norm(x) for x in v]
    return v


def era_birth(era: tuple[int, int] | None, current: int) -> int:
    """Block number the era starts at, relative to `current` (Substrate's Era::birth)."""
    if era is None:
        return 0
    period, phase = era
    return (max(current, phase) - phase) // period * period + phase


def era_death(era: tuple[int, int] | None, current: int) -> int:
    """First block number at which the era is no longer valid (Substrate's Era::death)."""
    if era is None:
        return 2**64 - 1
    return era_birth(era, current) + era[0]


def decode_era(raw: bytes) -> tuple[int, int] | None:
    """Decode an Era: one zero byte for immortal, else two bytes (period, phase)."""
    if raw[:1] == b"\x00":
        return None
    if len(raw) != 2:
        raise ValueError("bad era")
    encoded = raw[0] + (raw[1] << 8)
    period = 2 << (encoded % (1 << 4))
    quantize = max(period >> 12, 1)
    phase = (encoded >> 4) * quantize
    if period < 4 or phase >= period:
        raise ValueError("bad era")
    return period, phase


class ExtrinsicCodec:
    """Decodes extrinsics and verifies signatures for one metadata."""

    def __init__(self, md: RuntimeMetadata) -> None:
        self.md = md
        self._unit = {t for t, d in md.types.items() if _is_unit(d)}

    def decode(self, raw: bytes) -> Extrinsic:
        """Decode SCALE extrinsic bytes (with length prefix).

        Raises:
            InvalidTransaction: 1001 bad format for anything undecodable or with trailing bytes.
        """
        try:
            return self._decode(bytes(raw))
        except InvalidTransaction:
            raise
        except Exception as exc:  # any decoding failure is a format error
            raise InvalidTransaction.bad_format(f"could not decode extrinsic: {exc}") from None

    def _decode(self, raw: bytes) -> Extrinsic:
        length, off = decode_compact(raw, 0)
        if off + length != len(raw):
            raise InvalidTransaction.bad_format(f"length prefix says {length} bytes, got {len(raw) - off}")
        if off >= len(raw):
            raise InvalidTransaction.bad_format("empty extrinsic")
        version = raw[off]
        off += 1
        if version & 0x7F != self.md.extrinsic_version:
            raise InvalidTransaction.bad_format(f"unsupported extrinsic version {version & 0x7F}")
        xt_hash = blake2_256(raw)
        if not version & SIGNED_BIT:
            call_value, end = self.md.decode_call(raw, off)
            self._check_end(raw, end)
            return Extrinsic(raw, xt_hash, normalise_call(call_value), raw[off:end])
        signer, off = self._decode_address(raw, off)
        scheme, signature, off = self._decode_signature(raw, off)
        extra_start = off
        xt = Extrinsic(raw, xt_hash, RuntimeCall("", "", {}), b"", signer=signer, scheme=scheme,
                       signature=signature)
        for ext in self.md.signed_extensions:
            start = off
            if ext.extra_type not in self._unit:
                value, off = self.md.decode_prefix(ext.extra_type, raw, off)
                self._apply_extra(xt, ext.identifier, value, raw[start:off])
            xt.extras[ext.identifier] = raw[start:off]
        xt.extra_bytes = raw[extra_start:off]
        call_value, end = self.md.decode_call(raw, off)
        self._check_end(raw, end)
        xt.call = normalise_call(call_value)
        xt.call_bytes = raw[off:end]
        return xt

    @staticmethod
    def _check_end(raw: bytes, end: int) -> None:
        if end != len(raw):
            raise InvalidTransaction.bad_format(f"{len(raw) - end} trailing bytes after the call")

    def _decode_address(self, raw: bytes, off: int) -> tuple[bytes, int]:
        var = self.md.variant_by_index(self.md.address_type, raw[off])
        if var is None or var["name"] not in ("Id", "Address32"):
            raise InvalidTransaction.unknown("CannotLookup")
        off += 1
        account = raw[off : off + 32]
        if len(account) != 32:
            raise InvalidTransaction.bad_format("truncated signer address")
        return account, off + 32

    def _decode_signature(self, raw: bytes, off: int) -> tuple[str, bytes, int]:
        var = self.md.variant_by_index(self.md.signature_type, raw[off])
        if var is None:
            raise InvalidTransaction.bad_format("unknown signature scheme")
        scheme = var["name"]
        size = 65 if scheme == "Ecdsa" else 64
        sig = raw[off + 1 : off + 1 + size]
        if len(sig) != size:
            raise InvalidTransaction.bad_format("truncated signature")
        return scheme, sig, off + 1 + size

    def _apply_extra(self, xt: Extrinsic, identifier: str, value: Any, raw: bytes) -> None:
        if identifier == "CheckMortality":
            xt.era = decode_era(raw)
        elif identifier == "CheckNonce":
            xt.nonce = int(_scalar(value))
        elif identifier == "ChargeTransactionPayment":
            xt.tip = int(_scalar(value))
        elif identifier == "CheckMetadataHash":
            mode = value.get("mode") if isinstance(value, dict) else value
            xt.metadata_mode = 0 if mode in ("Disabled", 0) else 1

    def additional_signed(self, xt: Extrinsic, provide: Callable[[str], bytes | None]) -> bytes:
        """Concatenate every extension's additional-signed bytes; `provide(identifier)` supplies
        the non-unit ones (spec/tx version, genesis hash, era block hash, metadata hash option)."""
        out = b""
        for ext in self.md.signed_extensions:
            if ext.additional_type in self._unit:
                continue
            data = provide(ext.identifier)
            if data is None:
                raise InvalidTransaction.invalid("BadProof")
            out += data
        return out

    def verify(self, xt: Extrinsic, additional: bytes) -> bool:
        """Check the signature over call ++ extras ++ additional (hashed if > 256 bytes)."""
        payload = xt.call_bytes + xt.extra_bytes + additional
        if len(payload) > 256:
            payload = blake2_256(payload)
        assert xt.signer is not None
        try:
            if xt.scheme == "Sr25519":
                return bool(sr25519.verify(xt.signature, payload, xt.signer))
            if xt.scheme == "Ed25519":
                return bool(ed25519_zebra.ed_verify(xt.signature, payload, xt.signer))
        except Exception:  # malformed keys/signatures simply don't verify
            return False
        return False  # ECDSA signers are not supported on the localnet


def _scalar(value: Any) -> Any:
    """Unwrap a one-field composite decoded as a value (scalecodec may or may not unwrap newtypes)."""
    while isinstance(value, dict) and len(value) == 1:
        value = next(iter(value.values()))
    if isinstance(value, list | tuple) and len(value) == 1:
        value = value[0]
    return value


def _is_unit(d: dict[str, Any]) -> bool:
    defn = d["def"]
    return ("composite" in defn and not defn["composite"]["fields"]) or ("tuple" in defn and not defn["tuple"])


def encode_unsigned(md: RuntimeMetadata, call_bytes: bytes) -> bytes:
    """An unsigned (inherent) extrinsic: compact length ++ version ++ call."""
    body = bytes([md.extrinsic_version]) + call_bytes
    return compact(len(body)) + body
