"""The JSON inside a keyfile, as bittensor-wallet writes and reads it (keystore-format.md §2).

Field errors name the field, never its value.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from keystore.errors import (
    CorruptKeyfileError,
    InvalidAddressError,
    InvalidKeyMaterialError,
    InvalidMnemonicError,
    UnsupportedKeyfileError,
)
from keystore.keypair import CryptoType, Keypair, parse_hex
from keystore.mnemonic import validate_mnemonic
from keystore.ss58 import ss58_decode

log = logging.getLogger(__name__)


def _hex0x(data: bytes) -> str:
    return "0x" + data.hex()


def serialize_keypair(keypair: Keypair, *, public_only: bool = False) -> bytes:
    """Compact UTF-8 JSON, no trailing newline; secret fields only when present and wanted.

    ``secretSeed`` is always written as hex (bittensor-wallet's UTF-8 quirk is not reproduced).
    """
    fields: dict[str, Any] = {
        "accountId": _hex0x(keypair.public_key),
        "publicKey": _hex0x(keypair.public_key),
    }
    if not public_only:
        if keypair.private_key is not None:
            fields["privateKey"] = _hex0x(keypair.private_key)
        if keypair.mnemonic is not None:
            fields["secretPhrase"] = keypair.mnemonic
        if keypair.seed is not None:
            fields["secretSeed"] = _hex0x(keypair.seed)
    fields["ss58Address"] = keypair.ss58_address
    fields["cryptoType"] = int(keypair.crypto_type)
    return json.dumps(fields, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def parse_json_object(data: bytes) -> dict[str, Any]:
    """Decode keyfile plaintext to a JSON object.

    Raises:
        CorruptKeyfileError: not UTF-8, not JSON, or not an object.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise CorruptKeyfileError("keyfile contents are not UTF-8 text (damaged or wrong format)") from None
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CorruptKeyfileError(
            f"keyfile contents are not valid JSON ({exc.msg} at character {exc.pos}): truncated or damaged"
        ) from None
    if not isinstance(obj, dict):
        raise CorruptKeyfileError("keyfile JSON is not an object")
    return obj


def crypto_type_of(fields: dict[str, Any]) -> CryptoType:
    """``cryptoType`` 0/1; missing or non-integer means sr25519 (bittensor-wallet's rule).

    Raises:
        UnsupportedKeyfileError: an integer other than 0 or 1.
    """
    value = fields.get("cryptoType")
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        if value not in (0, 1):
            raise UnsupportedKeyfileError(f"unsupported cryptoType {value} (0 = ed25519, 1 = sr25519)")
        return CryptoType(value)
    if value is not None:
        log.warning("keyfile cryptoType is not a non-negative integer; assuming sr25519")
    return CryptoType.SR25519


def _text_field(fields: dict[str, Any], name: str) -> str | None:
    value = fields.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise CorruptKeyfileError(f"field {name!r} must be a string")
    return value


def _public_from_fields(fields: dict[str, Any]) -> bytes | None:
    """The public key claimed by ``ss58Address`` / ``publicKey`` / ``accountId``, cross-checked."""
    found: dict[str, bytes] = {}
    address = _text_field(fields, "ss58Address")
    if address is not None:
        try:
            found["ss58Address"] = ss58_decode(address, None)
        except InvalidAddressError as exc:
            raise CorruptKeyfileError(f"field 'ss58Address' is invalid: {exc}") from None
    for name in ("publicKey", "accountId"):
        value = _text_field(fields, name)
        if value is not None:
            try:
                found[name] = parse_hex(value, name, (32,))
            except InvalidKeyMaterialError as exc:
                raise CorruptKeyfileError(f"field {name!r} is invalid: {exc}") from None
    keys = list(found.values())
    if any(k != keys[0] for k in keys):
        raise CorruptKeyfileError(f"fields {', '.join(found)} disagree about the public key")
    return keys[0] if keys else None


def public_keypair_from_fields(fields: dict[str, Any]) -> Keypair:
    """Public-only keypair from the address fields (no secret is parsed or derived).

    Raises:
        CorruptKeyfileError: no usable address field, or they disagree.
    """
    public = _public_from_fields(fields)
    if public is None:
        raise CorruptKeyfileError("keyfile has none of ss58Address, publicKey, accountId")
    return Keypair(crypto_type_of(fields), public)


def deserialize_keypair(data: bytes) -> Keypair:
    """Keypair from keyfile plaintext. Precedence: secretPhrase, secretSeed, privateKey, ss58Address.

    Unlike bittensor-wallet, the stored public key / address must agree with the secret.

    Raises:
        CorruptKeyfileError: invalid JSON or a bad/inconsistent field (named, value not shown).
        UnsupportedKeyfileError: unknown cryptoType.
    """
    fields = parse_json_object(data)
    crypto = crypto_type_of(fields)
    claimed = _public_from_fields(fields)
    phrase = _text_field(fields, "secretPhrase")
    seed = _text_field(fields, "secretSeed")
    private = _text_field(fields, "privateKey")
    if phrase is not None:
        try:
            validate_mnemonic(phrase)
        except InvalidMnemonicError:
            raise CorruptKeyfileError("field 'secretPhrase' is not a valid BIP39 English mnemonic") from None
        keypair = Keypair.from_mnemonic(phrase, crypto)
        source = "secretPhrase"
    elif seed is not None:
        keypair = _from_secret(Keypair.from_seed, _seed_field(seed), crypto, "secretSeed")
        source = "secretSeed"
    elif private is not None:
        keypair = _from_secret(Keypair.from_private_key, private, crypto, "privateKey")
        source = "privateKey"
    elif claimed is not None:
        return Keypair(crypto, claimed)
    else:
        raise CorruptKeyfileError(
            "keyfile has no key fields (secretPhrase, secretSeed, privateKey or ss58Address)"
        )
    if claimed is not None and claimed != keypair.public_key:
        raise CorruptKeyfileError(f"stored public key/address does not match the key from {source!r}")
    return keypair


def _seed_field(value: str) -> str | bytes:
    """``secretSeed`` as hex, or bittensor-wallet's quirk form ``"0x" + seed-as-UTF-8-text``.

    bittensor-wallet writes seeds whose 32 bytes happen to be valid UTF-8 as text and then cannot
    read them back; 64 hex digits can never be such a text (it would be 64 bytes), so both forms
    are unambiguous. The recovered seed is still checked against the stored public key.
    """
    body = value[2:] if value[:2].lower() == "0x" else value
    if len(body) != 64:
        quirk = body.encode("utf-8")
        if len(quirk) == 32:
            log.info("reading secretSeed written in bittensor-wallet's UTF-8 form")
            return quirk
    return value


def _from_secret(factory: Any, value: str | bytes, crypto: CryptoType, name: str) -> Keypair:
    try:
        keypair: Keypair = factory(value, crypto)
    except InvalidKeyMaterialError as exc:
        raise CorruptKeyfileError(f"field {name!r} is invalid: {exc}") from None
    return keypair
