"""Keyfile encryption formats: $NACL (current), Ansible Vault 1.1 and legacy Fernet (read/upgrade).

Structure is checked *before* the expensive key derivation, so a damaged file is reported as
damaged and only an authentication failure on a well-formed file means "wrong password".
Derived keys are local variables: nothing here caches a key or a password.

PyNaCl and cryptography are imported inside the functions that use them: listing wallets (which only
classifies keyfiles by their prefix) then never loads either library, which keeps the CLI's start fast.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from enum import Enum

from keystore.errors import CorruptKeyfileError, WrongPasswordError

NACL_PREFIX = b"$NACL"
ANSIBLE_PREFIX = b"$ANSIBLE_VAULT"
FERNET_PREFIX = b"gAAAAA"
# bittensor-wallet's fixed argon2i salt and libsodium "sensitive" limits (keystore-format.md §3.1)
NACL_SALT = b"\x13q\x83\xdf\xf1Z\t\xbc\x9c\x90\xb5Q\x879\xe9\xb1"
# (libsodium's values, spelled out so this module loads without PyNaCl; a test checks them against it)
NACL_OPSLIMIT = 8  # nacl.pwhash.argon2i.OPSLIMIT_SENSITIVE
NACL_MEMLIMIT = 512 * 1024 * 1024  # nacl.pwhash.argon2i.MEMLIMIT_SENSITIVE (512 MiB)
NACL_KEY_SIZE = 32  # nacl.secret.SecretBox.KEY_SIZE
NACL_NONCE_SIZE = 24  # nacl.secret.SecretBox.NONCE_SIZE
NACL_MAC_SIZE = 16  # nacl.secret.SecretBox.MACBYTES
NACL_MIN_LEN = len(NACL_PREFIX) + NACL_NONCE_SIZE + NACL_MAC_SIZE
ANSIBLE_HEADER = b"$ANSIBLE_VAULT;1.1;AES256"
ANSIBLE_ITERATIONS = 10_000
FERNET_SALT = b"Iguesscyborgslikemyselfhaveatendencytobeparanoidaboutourorigins"
FERNET_ITERATIONS = 10_000_000
_WRONG = "wrong password (authentication failed; if the password is right, the encrypted data is damaged)"


class Encryption(Enum):
    """How a keyfile's bytes are protected, recognised by their prefix."""

    NACL = "NaCl"
    ANSIBLE_VAULT = "Ansible Vault"
    FERNET_LEGACY = "legacy"
    NONE = "none"


def detect_encryption(data: bytes) -> Encryption:
    """Classify raw keyfile bytes.

    Raises:
        CorruptKeyfileError: empty, or neither a known encryption prefix nor a JSON object.
    """
    if not data:
        raise CorruptKeyfileError("keyfile is empty")
    if data.startswith(NACL_PREFIX):
        return Encryption.NACL
    if data.startswith(ANSIBLE_PREFIX):
        return Encryption.ANSIBLE_VAULT
    if data.startswith(FERNET_PREFIX):
        return Encryption.FERNET_LEGACY
    if data.lstrip().startswith(b"{"):
        return Encryption.NONE
    if data.startswith(b"$") or data.startswith(b"gAAA"):
        raise CorruptKeyfileError(
            "damaged header: starts like an encrypted keyfile but is not $NACL, $ANSIBLE_VAULT or gAAAAA"
        )
    raise CorruptKeyfileError("unrecognised keyfile: not JSON and no known encryption header")


# -- NaCl -----------------------------------------------------------------------------------------


def _nacl_key(password: str) -> bytes:
    """argon2i(password) with bittensor-wallet's salt and limits: ~3 s and 512 MiB by design."""
    import nacl.pwhash.argon2i

    return bytes(
        nacl.pwhash.argon2i.kdf(
            NACL_KEY_SIZE,
            password.encode("utf-8"),
            NACL_SALT,
            opslimit=NACL_OPSLIMIT,
            memlimit=NACL_MEMLIMIT,
        )
    )


def nacl_encrypt(plaintext: bytes, password: str) -> bytes:
    """``$NACL`` ‖ nonce(24) ‖ secretbox(plaintext) with a fresh random nonce."""
    return nacl_encrypt_with_key(plaintext, _nacl_key(password))


def nacl_encrypt_with_key(plaintext: bytes, key: bytes) -> bytes:
    """As nacl_encrypt, with an already derived 32-byte key."""
    import nacl.secret

    return NACL_PREFIX + bytes(nacl.secret.SecretBox(key).encrypt(plaintext))


def check_nacl_structure(data: bytes) -> None:
    """Raise CorruptKeyfileError if ``data`` is too short to be a $NACL keyfile."""
    if not data.startswith(NACL_PREFIX):
        raise CorruptKeyfileError("damaged header: missing $NACL prefix")
    if len(data) < NACL_MIN_LEN:
        raise CorruptKeyfileError(
            f"truncated NaCl keyfile: {len(data)} bytes, at least {NACL_MIN_LEN} needed "
            "for header, nonce and MAC"
        )


def nacl_decrypt(data: bytes, password: str) -> bytes:
    """Open a ``$NACL`` keyfile.

    Raises:
        CorruptKeyfileError: truncated below header + nonce + MAC.
        WrongPasswordError: the MAC does not verify.
    """
    check_nacl_structure(data)
    return nacl_decrypt_with_key(data, _nacl_key(password))


def nacl_decrypt_with_key(data: bytes, key: bytes) -> bytes:
    """As nacl_decrypt, with an already derived key."""
    import nacl.exceptions
    import nacl.secret

    check_nacl_structure(data)
    try:
        return bytes(nacl.secret.SecretBox(key).decrypt(data[len(NACL_PREFIX) :]))
    except nacl.exceptions.CryptoError:
        raise WrongPasswordError(_WRONG) from None


# -- Ansible Vault 1.1 ----------------------------------------------------------------------------


def _ansible_keys(password: str, salt: bytes) -> tuple[bytes, bytes, bytes]:
    derived = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, ANSIBLE_ITERATIONS, 80)
    return derived[:32], derived[32:64], derived[64:80]


def ansible_encrypt(plaintext: bytes, password: str) -> bytes:
    """Ansible Vault ``1.1;AES256`` (for tests and interop; new keyfiles are always NaCl)."""
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    salt = os.urandom(32)
    aes_key, hmac_key, iv = _ansible_keys(password, salt)
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plaintext) + padder.finalize()
    encryptor = Cipher(algorithms.AES(aes_key), modes.CTR(iv)).encryptor()
    ciphertext = encryptor.update(padded) + encryptor.finalize()
    mac = hmac.new(hmac_key, ciphertext, hashlib.sha256).digest()
    body = binascii.hexlify(
        binascii.hexlify(salt) + b"\n" + binascii.hexlify(mac) + b"\n" + binascii.hexlify(ciphertext)
    )
    lines = [body[i : i + 80] for i in range(0, len(body), 80)]
    return b"\n".join([ANSIBLE_HEADER, *lines]) + b"\n"


def ansible_decrypt(data: bytes, password: str) -> bytes:
    """Open an Ansible Vault 1.1 keyfile.

    Raises:
        CorruptKeyfileError: bad header, hex or layout, or bad padding after a valid MAC.
        WrongPasswordError: the HMAC does not verify.
    """
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    lines = data.strip().split(b"\n")
    header = lines[0].strip().split(b";")
    if header[0] != ANSIBLE_PREFIX or len(header) < 3 or header[2].strip() != b"AES256":
        raise CorruptKeyfileError("damaged Ansible Vault header (expected $ANSIBLE_VAULT;1.1;AES256)")
    try:
        parts = binascii.unhexlify(b"".join(line.strip() for line in lines[1:])).split(b"\n")
        if len(parts) != 3:
            raise ValueError
        salt, mac, ciphertext = (binascii.unhexlify(p) for p in parts)
    except (ValueError, binascii.Error):
        raise CorruptKeyfileError("damaged Ansible Vault body (not salt/hmac/ciphertext hex)") from None
    if len(mac) != 32 or not ciphertext or len(ciphertext) % 16:
        raise CorruptKeyfileError("truncated Ansible Vault body")
    aes_key, hmac_key, iv = _ansible_keys(password, salt)
    if not hmac.compare_digest(hmac.new(hmac_key, ciphertext, hashlib.sha256).digest(), mac):
        raise WrongPasswordError(_WRONG)
    decryptor = Cipher(algorithms.AES(aes_key), modes.CTR(iv)).decryptor()
    padded = decryptor.update(ciphertext) + decryptor.finalize()
    try:
        unpadder = padding.PKCS7(128).unpadder()
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        raise CorruptKeyfileError("Ansible Vault plaintext has invalid padding") from None


# -- legacy Fernet --------------------------------------------------------------------------------


def fernet_key(password: str) -> bytes:
    """Historical bittensor key: PBKDF2-SHA256, fixed salt, 10 million iterations (seconds)."""
    raw = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), FERNET_SALT, FERNET_ITERATIONS, 32)
    return base64.urlsafe_b64encode(raw)


def fernet_decrypt(data: bytes, password: str) -> bytes:
    """Open a legacy ``gAAAAA`` Fernet keyfile with the historical algorithm.

    Raises:
        CorruptKeyfileError: the token is not valid base64 / too short.
        WrongPasswordError: the HMAC does not verify.
    """
    token = data.strip()
    try:
        raw = base64.urlsafe_b64decode(token)
    except (ValueError, binascii.Error):
        raise CorruptKeyfileError("damaged legacy (Fernet) keyfile: not base64") from None
    if len(raw) < 1 + 8 + 16 + 16 + 32:
        raise CorruptKeyfileError("truncated legacy (Fernet) keyfile")
    from cryptography.fernet import Fernet, InvalidToken

    try:
        return Fernet(fernet_key(password)).decrypt(token)
    except InvalidToken:
        raise WrongPasswordError(_WRONG) from None


def decrypt(data: bytes, password: str) -> bytes:
    """Decrypt any supported format; plaintext is returned unchanged.

    Raises:
        CorruptKeyfileError, WrongPasswordError: see the format-specific functions.
    """
    kind = detect_encryption(data)
    if kind is Encryption.NACL:
        return nacl_decrypt(data, password)
    if kind is Encryption.ANSIBLE_VAULT:
        return ansible_decrypt(data, password)
    if kind is Encryption.FERNET_LEGACY:
        return fernet_decrypt(data, password)
    return data
