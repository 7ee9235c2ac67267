"""Import polkadot-js JSON account backups (version 3: scrypt + xsalsa20-poly1305, PKCS8 body).

scrypt runs through hashlib with an explicit ``maxmem`` (substrate-interface's import fails with
PyNaCl 1.6 because of its default memory cap).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from typing import Any

import nacl.exceptions
import nacl.secret
import sr25519

from keystore import derivation
from keystore.errors import (
    CorruptKeyfileError,
    InvalidKeyMaterialError,
    PublicKeyOnlyError,
    UnsupportedKeyfileError,
    WrongPasswordError,
)
from keystore.keypair import CryptoType, Keypair

PKCS8_HEADER = bytes.fromhex("3053020101300506032b657004220420")
PKCS8_DIVIDER = bytes.fromhex("a123032100")
SCRYPT_HEADER_LEN = 32 + 4 + 4 + 4
NONCE_LEN = 24
MAX_SCRYPT_MEMORY = 1 << 30  # refuse parameters that would need more than 1 GiB


def _load(data: str | bytes) -> dict[str, Any]:
    try:
        obj = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise InvalidKeyMaterialError("not a polkadot-js JSON backup: the file is not valid JSON") from None
    if not isinstance(obj, dict) or not isinstance(obj.get("encoding"), dict):
        raise InvalidKeyMaterialError("not a polkadot-js JSON backup: no 'encoding' object")
    return obj


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise InvalidKeyMaterialError("polkadot-js JSON backup: 'encoding' fields must be strings or lists")


def _derive_key(raw: bytes, passphrase: str, use_scrypt: bool) -> tuple[bytes, bytes]:
    """(secretbox key, remaining bytes). Raises on absurd scrypt parameters."""
    secret = passphrase.encode("utf-8")
    if not use_scrypt:
        if len(secret) > 32:
            raise UnsupportedKeyfileError("passphrase longer than 32 bytes in a non-scrypt backup")
        return secret.ljust(32, b"\0"), raw
    if len(raw) < SCRYPT_HEADER_LEN:
        raise CorruptKeyfileError("polkadot-js backup is truncated (scrypt parameters missing)")
    salt = raw[:32]
    n, p, r = (int.from_bytes(raw[i : i + 4], "little") for i in (32, 36, 40))
    if n < 2 or n & (n - 1) or not 0 < r <= 64 or not 0 < p <= 16:
        raise UnsupportedKeyfileError(f"unsupported scrypt parameters N={n} r={r} p={p}")
    need = 128 * r * (n + p + 2)
    if need > MAX_SCRYPT_MEMORY:
        raise UnsupportedKeyfileError(f"scrypt parameters need {need >> 20} MiB; refusing more than 1024")
    key = hashlib.scrypt(secret, salt=salt, n=n, r=r, p=p, maxmem=need + (1 << 20), dklen=32)
    return key, raw[SCRYPT_HEADER_LEN:]


def keypair_from_polkadot_json(data: str | bytes, passphrase: str) -> Keypair:
    """Decrypt a polkadot-js export; the result has a private key but no mnemonic or seed.

    Raises:
        InvalidKeyMaterialError: not a polkadot-js backup.
        UnsupportedKeyfileError: other version, key type or encryption.
        WrongPasswordError: the passphrase does not open it.
        CorruptKeyfileError: truncated body, bad PKCS8 layout or mismatching public key.
    """
    obj = _load(data)
    encoding = obj["encoding"]
    if str(encoding.get("version")) != "3":
        raise UnsupportedKeyfileError(f"unsupported polkadot-js backup version {encoding.get('version')!r}")
    kinds = _as_list(encoding.get("type", []))
    content = _as_list(encoding.get("content", []))
    if "xsalsa20-poly1305" not in kinds:
        raise UnsupportedKeyfileError("polkadot-js backup is not xsalsa20-poly1305 encrypted")
    if "sr25519" in content:
        crypto = CryptoType.SR25519
    elif "ed25519" in content:
        crypto = CryptoType.ED25519
    else:
        raise UnsupportedKeyfileError("only sr25519 and ed25519 polkadot-js backups are supported")
    encoded = obj.get("encoded")
    if not isinstance(encoded, str):
        raise InvalidKeyMaterialError("polkadot-js JSON backup has no 'encoded' string")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise CorruptKeyfileError("polkadot-js backup 'encoded' is not valid base64") from None
    key, body = _derive_key(raw, passphrase, "scrypt" in kinds)
    if len(body) < NONCE_LEN + nacl.secret.SecretBox.MACBYTES:
        raise CorruptKeyfileError("polkadot-js backup is truncated")
    try:
        plain = bytes(nacl.secret.SecretBox(key).decrypt(body[NONCE_LEN:], body[:NONCE_LEN]))
    except nacl.exceptions.CryptoError:
        raise WrongPasswordError(
            "wrong passphrase for the polkadot-js backup (or the backup is damaged)"
        ) from None
    return _keypair_from_pkcs8(plain, crypto)


def _keypair_from_pkcs8(plain: bytes, crypto: CryptoType) -> Keypair:
    head, tail = len(PKCS8_HEADER), len(PKCS8_HEADER) + 64
    if (
        len(plain) != tail + len(PKCS8_DIVIDER) + 32
        or plain[:head] != PKCS8_HEADER
        or plain[tail : tail + len(PKCS8_DIVIDER)] != PKCS8_DIVIDER
    ):
        raise CorruptKeyfileError("polkadot-js backup decrypted but its PKCS8 layout is not recognised")
    secret, public = plain[head:tail], plain[tail + len(PKCS8_DIVIDER) :]
    if crypto is CryptoType.SR25519:
        # polkadot-js stores schnorrkel's ed25519-style bytes (scalar times cofactor 8)
        try:
            pub, sec = sr25519.pair_from_ed25519_secret_key(secret)
        except (ValueError, TypeError):
            raise CorruptKeyfileError("polkadot-js backup holds an invalid sr25519 secret") from None
        keypair = Keypair(crypto, bytes(pub), bytes(sec))
    else:
        seed = secret[:32]
        keypair = Keypair(crypto, derivation.ed25519_public(seed), seed)
    if keypair.public_key != public:
        raise CorruptKeyfileError("polkadot-js backup: the stored public key does not match the secret")
    return keypair


def keypair_to_polkadot_json(keypair: Keypair, passphrase: str, name: str = "", *, n: int = 1 << 15) -> str:
    """Export as a polkadot-js v3 JSON backup (scrypt N=n, r=8, p=1), e.g. for tests and migration.

    Raises:
        PublicKeyOnlyError: no private key.
    """
    if keypair.private_key is None:
        raise PublicKeyOnlyError("a watch-only key cannot be exported")
    if keypair.crypto_type is CryptoType.SR25519:
        secret = bytes(sr25519.convert_secret_key_to_ed25519(keypair.private_key))
    else:
        secret = keypair.private_key + keypair.public_key
    plain = PKCS8_HEADER + secret + PKCS8_DIVIDER + keypair.public_key
    salt = os.urandom(32)
    params = n.to_bytes(4, "little") + (1).to_bytes(4, "little") + (8).to_bytes(4, "little")
    maxmem = 128 * 8 * (n + 3) + (1 << 20)
    key = hashlib.scrypt(passphrase.encode("utf-8"), salt=salt, n=n, r=8, p=1, maxmem=maxmem, dklen=32)
    box = nacl.secret.SecretBox(key).encrypt(plain)
    encoded = salt + params + bytes(box)
    content = "sr25519" if keypair.crypto_type is CryptoType.SR25519 else "ed25519"
    return json.dumps(
        {
            "encoded": base64.b64encode(encoded).decode("ascii"),
            "encoding": {
                "content": ["pkcs8", content],
                "type": ["scrypt", "xsalsa20-poly1305"],
                "version": "3",
            },
            "address": keypair.ss58_address,
            "meta": {"name": name, "tags": [], "whenCreated": 0},
        }
    )
