"""sr25519 / ed25519 keypairs built from mnemonics, seeds, private keys, secret URIs or addresses."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

import ed25519_zebra
import sr25519

from keystore import derivation
from keystore.errors import InvalidAddressError, InvalidKeyMaterialError, PublicKeyOnlyError
from keystore.mnemonic import mnemonic_to_mini_secret
from keystore.ss58 import SS58_FORMAT, ss58_decode, ss58_encode

_BYTES_WRAP = (b"<Bytes>", b"</Bytes>")


class CryptoType(IntEnum):
    """Signature scheme; values are Substrate MultiSignature indices and the keyfile ``cryptoType``."""

    ED25519 = 0
    SR25519 = 1


def parse_hex(value: str | bytes, what: str, lengths: tuple[int, ...]) -> bytes:
    """Bytes from raw bytes or (optionally ``0x``-prefixed, any case) hex, with a length check.

    Raises:
        InvalidKeyMaterialError: not hex, or a length not in ``lengths`` (value never echoed).
    """
    if isinstance(value, str):
        text = value.strip()
        if text[:2].lower() == "0x":
            text = text[2:]
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            raise InvalidKeyMaterialError(f"{what} is not valid hex") from None
    else:
        raw = bytes(value)
    if len(raw) not in lengths:
        expected = " or ".join(str(n) for n in lengths)
        raise InvalidKeyMaterialError(f"{what} must be {expected} bytes, got {len(raw)}")
    return raw


def message_bytes(message: bytes | str) -> bytes:
    """bittensor-wallet semantics: ``"0x.."`` strings are hex, other strings UTF-8, bytes as-is."""
    if isinstance(message, str):
        if message.startswith("0x"):
            try:
                return bytes.fromhex(message[2:])
            except ValueError:
                raise InvalidKeyMaterialError("message starts with 0x but is not valid hex") from None
        return message.encode("utf-8")
    return bytes(message)


def signature_bytes(signature: bytes | str) -> bytes:
    """A 64-byte signature from bytes or hex (``0x`` optional).

    Raises:
        InvalidKeyMaterialError: not hex or not 64 bytes.
    """
    return parse_hex(signature, "signature", (64,))


@dataclass(frozen=True)
class Keypair:
    """A public key with (optionally) its secret. Secrets are hidden from repr().

    Attributes:
        crypto_type: sr25519 (default, Bittensor's) or ed25519.
        public_key: 32 bytes.
        private_key: sr25519 64 bytes (scalar ‖ nonce), ed25519 32-byte seed; None = public only.
        mnemonic: the phrase, when the key was made from one (written as ``secretPhrase``).
        seed: the 32-byte mini-secret, when known (written as ``secretSeed``).
    """

    crypto_type: CryptoType
    public_key: bytes
    private_key: bytes | None = field(default=None, repr=False)
    mnemonic: str | None = field(default=None, repr=False)
    seed: bytes | None = field(default=None, repr=False)

    @property
    def ss58_address(self) -> str:
        """SS58 address, network prefix 42."""
        return ss58_encode(self.public_key, SS58_FORMAT)

    @property
    def is_public_only(self) -> bool:
        """True when there is no secret key (watch-only)."""
        return self.private_key is None

    def public_only(self) -> Keypair:
        """The same key without any secret material."""
        return Keypair(self.crypto_type, self.public_key)

    # -- constructors -------------------------------------------------------------------------

    @classmethod
    def from_mnemonic(
        cls, phrase: str, crypto_type: CryptoType = CryptoType.SR25519, passphrase: str = ""
    ) -> Keypair:
        """Substrate derivation from BIP39 entropy (not the BIP39 seed).

        Raises:
            InvalidMnemonicError: the phrase is invalid.
        """
        mini = mnemonic_to_mini_secret(phrase, passphrase)
        kp = cls.from_seed(mini, crypto_type)
        return cls(kp.crypto_type, kp.public_key, kp.private_key, phrase, mini)

    @classmethod
    def from_seed(cls, seed: str | bytes, crypto_type: CryptoType = CryptoType.SR25519) -> Keypair:
        """From a 32-byte mini-secret (hex or bytes); sr25519 also takes a 64-byte secret key.

        Raises:
            InvalidKeyMaterialError: bad hex or length.
        """
        crypto_type = CryptoType(crypto_type)
        lengths = (32, 64) if crypto_type is CryptoType.SR25519 else (32,)
        raw = parse_hex(seed, "seed", lengths)
        if len(raw) == 64:
            return cls.from_private_key(raw, crypto_type)
        if crypto_type is CryptoType.SR25519:
            pub, sec = sr25519.pair_from_seed(raw)
            return cls(crypto_type, bytes(pub), bytes(sec), None, raw)
        return cls(crypto_type, derivation.ed25519_public(raw), raw, None, raw)

    @classmethod
    def from_private_key(cls, key: str | bytes, crypto_type: CryptoType = CryptoType.SR25519) -> Keypair:
        """From the keyfile ``privateKey``: sr25519 64 bytes, ed25519 32-byte seed.

        Raises:
            InvalidKeyMaterialError: bad hex, length, or an invalid sr25519 scalar.
        """
        crypto_type = CryptoType(crypto_type)
        if crypto_type is CryptoType.SR25519:
            raw = parse_hex(key, "sr25519 private key", (64,))
            try:
                pub = bytes(sr25519.public_from_secret_key(raw))
            except (ValueError, TypeError):
                raise InvalidKeyMaterialError("sr25519 private key is not a valid secret key") from None
            return cls(crypto_type, pub, raw)
        raw = parse_hex(key, "ed25519 private key", (32,))
        return cls(crypto_type, derivation.ed25519_public(raw), raw)

    @classmethod
    def from_uri(cls, uri: str, crypto_type: CryptoType = CryptoType.SR25519) -> Keypair:
        """From a secret URI such as ``//Alice`` or ``<phrase>//hard/soft///password``.

        Like bittensor-wallet, the result keeps only the derived private key (no phrase/seed).

        Raises:
            InvalidKeyMaterialError: malformed URI or path, soft junction on ed25519.
            InvalidMnemonicError: the phrase part is not a valid mnemonic.
        """
        crypto_type = CryptoType(crypto_type)
        suri = derivation.parse_suri(uri)
        phrase = suri.phrase.strip()
        if phrase.startswith("0x"):
            root = cls.from_seed(phrase, crypto_type)
        else:
            root = cls.from_mnemonic(phrase, crypto_type, suri.password or "")
        assert root.private_key is not None
        if crypto_type is CryptoType.SR25519:
            pub, sec = root.public_key, root.private_key
            for junction in suri.junctions:
                pub, sec = derivation.sr25519_derive(pub, sec, junction)
            return cls(crypto_type, pub, sec)
        seed = root.private_key
        for junction in suri.junctions:
            seed = derivation.ed25519_derive(seed, junction)
        return cls(crypto_type, derivation.ed25519_public(seed), seed)

    @classmethod
    def from_ss58(cls, address: str, crypto_type: CryptoType = CryptoType.SR25519) -> Keypair:
        """A public-only keypair (any valid SS58 prefix is accepted, as bittensor-wallet does).

        Raises:
            InvalidAddressError: the address does not decode.
        """
        return cls(CryptoType(crypto_type), ss58_decode(address, None))

    @classmethod
    def from_public_key(cls, key: str | bytes, crypto_type: CryptoType = CryptoType.SR25519) -> Keypair:
        """A public-only keypair from 32 bytes or hex.

        Raises:
            InvalidKeyMaterialError: bad hex or length.
        """
        return cls(CryptoType(crypto_type), parse_hex(key, "public key", (32,)))

    # -- signatures ---------------------------------------------------------------------------

    def sign(self, message: bytes | str) -> bytes:
        """A 64-byte signature (sr25519: randomized, context "substrate"; ed25519: RFC 8032).

        Raises:
            PublicKeyOnlyError: there is no private key.
        """
        if self.private_key is None:
            raise PublicKeyOnlyError(f"{self.ss58_address} is a public key only (watch-only); cannot sign")
        data = message_bytes(message)
        if self.crypto_type is CryptoType.SR25519:
            return bytes(sr25519.sign((self.public_key, self.private_key), data))
        return bytes(ed25519_zebra.ed_sign(self.private_key, data))

    def verify(self, message: bytes | str, signature: bytes | str) -> bool:
        """True if ``signature`` signs ``message`` or ``<Bytes>message</Bytes>`` (polkadot-js).

        Raises:
            InvalidKeyMaterialError: the signature is not 64 bytes of hex/bytes.
        """
        data = message_bytes(message)
        sig = signature_bytes(signature)
        candidates = [data]
        if not (data.startswith(_BYTES_WRAP[0]) and data.endswith(_BYTES_WRAP[1])):
            candidates.append(_BYTES_WRAP[0] + data + _BYTES_WRAP[1])
        return any(self._verify_raw(candidate, sig) for candidate in candidates)

    def _verify_raw(self, data: bytes, sig: bytes) -> bool:
        try:
            if self.crypto_type is CryptoType.SR25519:
                return bool(sr25519.verify(sig, data, self.public_key))
            return bool(ed25519_zebra.ed_verify(sig, data, self.public_key))
        except (ValueError, TypeError):
            return False


def verify_signature(
    address: str,
    message: bytes | str,
    signature: bytes | str,
    crypto_type: CryptoType | None = None,
) -> bool:
    """Verify like ``btcli wallet verify``: address is SS58 (any prefix) or a 32-byte hex public key.

    Args:
        address: signer SS58 address or hex public key.
        message: ``"0x.."`` hex, other str UTF-8, or bytes.
        signature: 64 bytes or hex.
        crypto_type: None tries sr25519, then ed25519.

    Raises:
        InvalidAddressError: the address is neither valid SS58 nor 32-byte hex.
        InvalidKeyMaterialError: the signature is malformed.
    """
    try:
        public = ss58_decode(address, None)
    except InvalidAddressError as exc:
        try:
            public = parse_hex(address, "public key", (32,))
        except InvalidKeyMaterialError:
            raise exc from None
    types = [CryptoType(crypto_type)] if crypto_type is not None else [CryptoType.SR25519, CryptoType.ED25519]
    return any(Keypair(t, public).verify(message, signature) for t in types)
