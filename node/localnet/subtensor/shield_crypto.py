"""MEV Shield cryptography for the localnet's block author: ML-KEM-768 keys and the shielded blob.

The blob a client submits (``MevShield.submit_encrypted``) is
``[key_hash 16][u16 kem_len LE][kem_ct][nonce 24][aead_ct]``: ``key_hash = twox_128(public key)`` names the
author key it was made for, the ML-KEM-768 shared secret is used directly as the XChaCha20-Poly1305 key
and the AEAD has no associated data (as subtensor's pallet and bittensor-core's ``encrypt_mlkem768``).

The localnet's author keys are derived deterministically from the genesis hash and the block number
(see :func:`author_key`): a dev chain's keys are public anyway, and a restarted or re-orged localnet can
still decrypt what was encrypted for a key it announced. Never use this scheme on a real network.
"""

from __future__ import annotations

import struct
from collections import OrderedDict
from dataclasses import dataclass

from kyber_py.ml_kem import ML_KEM_768  # type: ignore[import-untyped]
from nacl.bindings import crypto_aead_xchacha20poly1305_ietf_decrypt
from nacl.exceptions import CryptoError

from node.localnet.hashing import blake2_256, twox128

ENC_KEY_LEN = 1184
"""ML-KEM-768 encapsulation (public) key length, subtensor's MLKEM768_ENC_KEY_LEN."""
KEM_CT_LEN = 1088
"""ML-KEM-768 ciphertext length."""
NONCE_LEN = 24
KEY_HASH_LEN = 16
KEY_PERIOD = 4
"""Blocks an author key lasts. The chain draws a fresh key every block; pure-Python ML-KEM key generation
costs ~4 ms, a fifth of a demo block, so the localnet draws one every KEY_PERIOD blocks (the storage still
rotates Current <- Pending <- Next every block)."""


@dataclass(frozen=True)
class ShieldedBlob:
    """A parsed ``submit_encrypted`` ciphertext."""

    key_hash: bytes
    kem_ct: bytes
    nonce: bytes
    aead_ct: bytes


def parse_blob(blob: bytes) -> ShieldedBlob | None:
    """Split a shielded blob into its parts; None when it is malformed (too short, wrong KEM length).

    Malformed blobs are what subtensor's CheckShieldedTxValidity rejects at the pool (Custom 23).
    """
    head = KEY_HASH_LEN + 2
    if len(blob) < head:
        return None
    (kem_len,) = struct.unpack_from("<H", blob, KEY_HASH_LEN)
    if kem_len != KEM_CT_LEN or len(blob) < head + kem_len + NONCE_LEN:
        return None
    kem_end = head + kem_len
    return ShieldedBlob(blob[:KEY_HASH_LEN], blob[head:kem_end], blob[kem_end:kem_end + NONCE_LEN],
                        blob[kem_end + NONCE_LEN:])


@dataclass(frozen=True)
class AuthorKey:
    """One ML-KEM-768 keypair of the localnet author (the decapsulation key never leaves the node)."""

    enc_key: bytes
    dec_key: bytes

    @property
    def key_hash(self) -> bytes:
        """twox_128 of the public key: what a blob names."""
        return twox128(self.enc_key)

    def decrypt(self, blob: ShieldedBlob) -> bytes | None:
        """The plaintext, or None when the blob was not made for this key or was tampered with."""
        if blob.key_hash != self.key_hash:
            return None
        try:
            secret = ML_KEM_768.decaps(self.dec_key, blob.kem_ct)
            return bytes(crypto_aead_xchacha20poly1305_ietf_decrypt(blob.aead_ct, b"", blob.nonce, secret))
        except (CryptoError, ValueError):
            return None


class AuthorKeyring:
    """The author's keys by block number, derived on demand and cached (keygen costs ~4 ms)."""

    def __init__(self, keep: int = 16) -> None:
        self._keep = keep
        self._cache: OrderedDict[tuple[bytes, int], AuthorKey] = OrderedDict()

    def key(self, genesis_hash: bytes, number: int) -> AuthorKey:
        """The key the author announces in block `number` of the chain with `genesis_hash`."""
        period = int(number) // KEY_PERIOD
        slot = (bytes(genesis_hash), period)
        key = self._cache.get(slot)
        if key is None:
            seed = blake2_256(b"tao-wallet-localnet/mev-shield/d" + slot[0] + struct.pack("<Q", period))
            seed += blake2_256(b"tao-wallet-localnet/mev-shield/z" + slot[0] + struct.pack("<Q", period))
            enc, dec = ML_KEM_768.key_derive(seed)
            key = AuthorKey(enc, dec)
            self._cache[slot] = key
            while len(self._cache) > self._keep:
                self._cache.popitem(last=False)
        return key

    def find(self, genesis_hash: bytes, enc_key: bytes, near: int, back: int = 8) -> AuthorKey | None:
        """The author key whose public key is `enc_key`, searching blocks near-back .. near."""
        for number in range(near, max(-1, near - back - 1), -1):
            key = self.key(genesis_hash, number)
            if key.enc_key == enc_key:
                return key
        return None
