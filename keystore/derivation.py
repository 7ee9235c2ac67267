"""Secret URIs (SURI) and Substrate key derivation: ``<phrase|0xseed>//hard/soft///password``.

Follows sp-core's ``Pair::from_string`` so addresses match btcli, subkey and polkadot-js.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import ed25519_zebra
import sr25519

from keystore.errors import InvalidKeyMaterialError

DEV_PHRASE = "bottom drive obey lake curtain smoke basket hold race lonely fit walk"
JUNCTION_ID_LEN = 32
_SURI = re.compile(r"(?P<phrase>[a-zA-Z0-9 ]+)?(?P<path>(?://?[^/]+)*)(?:///(?P<password>.*))?", re.DOTALL)
_JUNCTION = re.compile(r"/(/?[^/]+)")
_ED25519_HDKD = b"\x2cEd25519HDKD"  # SCALE-encoded string "Ed25519HDKD" (compact length 11)


@dataclass(frozen=True)
class Junction:
    """One derivation step: a 32-byte chain code, hard (``//``) or soft (``/``)."""

    chain_code: bytes
    hard: bool


@dataclass(frozen=True)
class SecretUri:
    """A parsed SURI. ``phrase`` is the mnemonic or ``0x`` seed (DEV phrase when omitted)."""

    phrase: str
    junctions: tuple[Junction, ...]
    password: str | None

    def __repr__(self) -> str:  # never show the phrase or password
        return f"SecretUri(<hidden>, junctions={len(self.junctions)})"


# Own copy of node.scale_compact.encode_compact: keystore must not import node (import-linter contract).
def compact_length(n: int) -> bytes:
    """SCALE compact encoding of a non-negative integer (used for string lengths)."""
    if n < 1 << 6:
        return bytes([n << 2])
    if n < 1 << 14:
        return ((n << 2) | 1).to_bytes(2, "little")
    if n < 1 << 30:
        return ((n << 2) | 2).to_bytes(4, "little")
    raw = n.to_bytes((n.bit_length() + 7) // 8, "little")
    return bytes([((len(raw) - 4) << 2) | 3]) + raw


def junction_chain_code(code: str) -> bytes:
    """sp-core's junction id: u64 decimal -> 8-byte LE, else SCALE string; >32 bytes -> blake2b-256."""
    if code.isascii() and code.isdigit() and int(code) < 1 << 64:
        data = int(code).to_bytes(8, "little")
    else:
        raw = code.encode("utf-8")
        data = compact_length(len(raw)) + raw
    if len(data) > JUNCTION_ID_LEN:
        return hashlib.blake2b(data, digest_size=32).digest()
    return data + bytes(JUNCTION_ID_LEN - len(data))


def parse_path(path: str) -> tuple[Junction, ...]:
    """Parse ``//hard/soft`` junctions.

    Raises:
        InvalidKeyMaterialError: the path is not a sequence of ``/x`` or ``//x`` steps.
    """
    junctions = []
    pos = 0
    for match in _JUNCTION.finditer(path):
        if match.start() != pos:
            raise InvalidKeyMaterialError("invalid derivation path")
        step = match.group(1)
        hard = step.startswith("/")
        junctions.append(Junction(junction_chain_code(step[1:] if hard else step), hard))
        pos = match.end()
    if pos != len(path):
        raise InvalidKeyMaterialError("invalid derivation path")
    return tuple(junctions)


def parse_suri(uri: str) -> SecretUri:
    """Split a secret URI into phrase/seed, junctions and password.

    Raises:
        InvalidKeyMaterialError: the URI does not have the SURI shape (message hides the URI).
    """
    match = _SURI.fullmatch(uri)
    if match is None:
        raise InvalidKeyMaterialError(
            "invalid secret URI: expected '<mnemonic or 0x seed>' followed by '//hard', '/soft' "
            "and optionally '///password'"
        )
    phrase = match.group("phrase")
    return SecretUri(
        phrase=DEV_PHRASE if phrase is None else phrase,
        junctions=parse_path(match.group("path") or ""),
        password=match.group("password"),
    )


def sr25519_derive(public: bytes, secret: bytes, junction: Junction) -> tuple[bytes, bytes]:
    """One sr25519 step: hard = schnorrkel hard_derive_mini_secret_key, soft = derived_key_simple.

    The soft step's nonce half of the secret is random (schnorrkel), the scalar is deterministic.
    """
    ext = (junction.chain_code, public, secret)
    if junction.hard:
        _, pub, sec = sr25519.hard_derive_keypair(ext, b"")
    else:
        _, pub, sec = sr25519.derive_keypair(ext, b"")
    return bytes(pub), bytes(sec)


def sr25519_derive_public(public: bytes, junction: Junction) -> bytes:
    """Soft-derive a child public key without the secret.

    Raises:
        InvalidKeyMaterialError: hard junctions need the secret key.
    """
    if junction.hard:
        raise InvalidKeyMaterialError("hard derivation (//) needs the secret key")
    _, pub = sr25519.derive_pubkey((junction.chain_code, public), b"")
    return bytes(pub)


def ed25519_derive(seed: bytes, junction: Junction) -> bytes:
    """One ed25519 hard step: blake2b-256(SCALE("Ed25519HDKD") ‖ seed ‖ chain code).

    Raises:
        InvalidKeyMaterialError: ed25519 has no soft derivation.
    """
    if not junction.hard:
        raise InvalidKeyMaterialError("ed25519 keys support only hard derivation ('//'), not soft ('/')")
    return hashlib.blake2b(_ED25519_HDKD + seed + junction.chain_code, digest_size=32).digest()


def ed25519_public(seed: bytes) -> bytes:
    """Public key of an RFC 8032 seed."""
    return bytes(ed25519_zebra.ed_public_from_secret(seed))
