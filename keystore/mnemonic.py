"""BIP39 mnemonics (English) and the Substrate mini-secret derived from them.

Substrate does not use the BIP39 seed: it feeds the *entropy* into PBKDF2 (substrate-bip39),
so the same phrase gives different keys in Bitcoin-style wallets. See keystore-format.md §5.1.
"""

from __future__ import annotations

import hashlib
import secrets
from functools import cache
from importlib import resources

from keystore.errors import InvalidMnemonicError

WORD_COUNTS = (12, 15, 18, 21, 24)
_ENTROPY_BYTES = {12: 16, 15: 20, 18: 24, 21: 28, 24: 32}


@cache
def wordlist() -> tuple[str, ...]:
    """The 2048-word BIP39 English list, in index order."""
    text = resources.files("keystore").joinpath("bip39_english.txt").read_text(encoding="utf-8")
    words = tuple(text.split())
    if len(words) != 2048:  # pragma: no cover - packaging error
        raise RuntimeError("bip39_english.txt must hold 2048 words")
    return words


@cache
def _word_index() -> dict[str, int]:
    return {word: i for i, word in enumerate(wordlist())}


def _checksum_bits(entropy: bytes) -> int:
    """First len(entropy)*8/32 bits of SHA-256(entropy), as an int."""
    cs_len = len(entropy) * 8 // 32
    return hashlib.sha256(entropy).digest()[0] >> (8 - cs_len)


def entropy_to_mnemonic(entropy: bytes) -> str:
    """Encode 16/20/24/28/32 bytes of entropy as a BIP39 English phrase.

    Raises:
        InvalidMnemonicError: the entropy has an unsupported length.
    """
    if len(entropy) not in _ENTROPY_BYTES.values():
        raise InvalidMnemonicError(f"entropy must be 16/20/24/28/32 bytes, got {len(entropy)}")
    cs_len = len(entropy) * 8 // 32
    bits = (int.from_bytes(entropy, "big") << cs_len) | _checksum_bits(entropy)
    n_words = (len(entropy) * 8 + cs_len) // 11
    words = wordlist()
    return " ".join(words[(bits >> (11 * (n_words - 1 - i))) & 0x7FF] for i in range(n_words))


def generate_mnemonic(words: int = 12) -> str:
    """A new random phrase from the OS CSPRNG.

    Raises:
        InvalidMnemonicError: ``words`` is not 12, 15, 18, 21 or 24.
    """
    if words not in _ENTROPY_BYTES:
        raise InvalidMnemonicError(f"expected 12/15/18/21/24 words, got {words}")
    return entropy_to_mnemonic(secrets.token_bytes(_ENTROPY_BYTES[words]))


def mnemonic_to_entropy(phrase: str) -> bytes:
    """Decode and check a phrase; words are split on whitespace and are case-sensitive.

    Raises:
        InvalidMnemonicError: names the first bad word and its 1-based position, the word count,
            or says "checksum mismatch". The phrase itself is never included.
    """
    words = phrase.split()
    if len(words) not in _ENTROPY_BYTES:
        raise InvalidMnemonicError(f"expected 12/15/18/21/24 words, got {len(words)}")
    index = _word_index()
    bits = 0
    for position, word in enumerate(words, start=1):
        value = index.get(word)
        if value is None:
            hint = "; words must be lower case" if word.lower() in index else ""
            raise InvalidMnemonicError(f"unknown word {word!r} (word {position}){hint}")
        bits = (bits << 11) | value
    n_bytes = _ENTROPY_BYTES[len(words)]
    cs_len = n_bytes * 8 // 32
    entropy = (bits >> cs_len).to_bytes(n_bytes, "big")
    if bits & ((1 << cs_len) - 1) != _checksum_bits(entropy):
        raise InvalidMnemonicError("checksum mismatch: a word is wrong or the words are out of order")
    return entropy


def validate_mnemonic(phrase: str) -> None:
    """Raise InvalidMnemonicError unless ``phrase`` is a valid BIP39 English mnemonic."""
    mnemonic_to_entropy(phrase)


def is_valid_mnemonic(phrase: str) -> bool:
    """True if ``phrase`` is a valid BIP39 English mnemonic."""
    try:
        mnemonic_to_entropy(phrase)
    except InvalidMnemonicError:
        return False
    return True


def mnemonic_to_mini_secret(phrase: str, passphrase: str = "") -> bytes:
    """The 32-byte Substrate mini-secret: PBKDF2-SHA512(entropy, "mnemonic"+passphrase, 2048)[:32].

    Raises:
        InvalidMnemonicError: the phrase is invalid.
    """
    entropy = mnemonic_to_entropy(phrase)
    salt = b"mnemonic" + passphrase.encode("utf-8")
    return hashlib.pbkdf2_hmac("sha512", entropy, salt, 2048, 64)[:32]
