"""BIP39 mnemonics: generation, validation errors, substrate mini-secret."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keystore.errors import InvalidMnemonicError
from keystore.mnemonic import (
    entropy_to_mnemonic,
    generate_mnemonic,
    mnemonic_to_entropy,
    mnemonic_to_mini_secret,
    validate_mnemonic,
    wordlist,
)

DEV = "bottom drive obey lake curtain smoke basket hold race lonely fit walk"


def test_wordlist_is_the_official_bip39_english_list() -> None:
    data = "".join(w + "\n" for w in wordlist()).encode()
    # sha256 of bitcoin/bips bip-0039/english.txt
    assert (
        hashlib.sha256(data).hexdigest() == "2f5eed53a4727b4bf8880d8f3f199efc90e58503646d9ff8eff3a2ed3b24dbda"
    )


@pytest.mark.parametrize("words", [12, 15, 18, 21, 24])
def test_generate_gives_valid_phrases_of_each_length(words: int) -> None:
    phrase = generate_mnemonic(words)
    assert len(phrase.split()) == words
    validate_mnemonic(phrase)
    assert generate_mnemonic(words) != phrase


def test_generate_rejects_bad_length() -> None:
    with pytest.raises(InvalidMnemonicError, match="expected 12/15/18/21/24 words, got 13"):
        generate_mnemonic(13)


def test_bip39_test_vector_entropy_round_trip() -> None:
    # Trezor BIP39 vectors (English): all-zero entropy and all-0x7f entropy
    assert entropy_to_mnemonic(bytes(16)) == " ".join(["abandon"] * 11 + ["about"])
    assert entropy_to_mnemonic(b"\x7f" * 16) == (
        "legal winner thank year wave sausage worth useful legal winner thank yellow"
    )
    assert entropy_to_mnemonic(b"\xff" * 32) == " ".join(["zoo"] * 23 + ["vote"])


def test_unknown_word_is_named_with_position_but_phrase_not_echoed() -> None:
    words = DEV.split()
    words[2] = "obeyy"
    with pytest.raises(InvalidMnemonicError) as info:
        validate_mnemonic(" ".join(words))
    msg = str(info.value)
    assert msg == "unknown word 'obeyy' (word 3)"
    for other in ("bottom", "drive", "curtain", "walk"):
        assert other not in msg


def test_upper_case_word_gets_a_hint() -> None:
    with pytest.raises(InvalidMnemonicError, match=r"'Bottom' \(word 1\); words must be lower case"):
        validate_mnemonic(DEV.replace("bottom", "Bottom"))


def test_checksum_mismatch() -> None:
    words = DEV.split()
    words[0], words[1] = words[1], words[0]
    with pytest.raises(InvalidMnemonicError, match="checksum mismatch") as info:
        validate_mnemonic(" ".join(words))
    assert "drive" not in str(info.value)


def test_wrong_word_count() -> None:
    with pytest.raises(InvalidMnemonicError, match="expected 12/15/18/21/24 words, got 11"):
        validate_mnemonic(" ".join(DEV.split()[:11]))


def test_extra_whitespace_is_accepted() -> None:
    assert mnemonic_to_entropy("  " + DEV.replace(" ", "   ") + "\n") == mnemonic_to_entropy(DEV)


def test_mini_secret_known_answer() -> None:
    # substrate-bip39 of the DEV phrase (sp-core DEV_PHRASE seed)
    assert mnemonic_to_mini_secret(DEV).hex() == (
        "fac7959dbfe72f052e5a0c3c8d6530f202b02fd8f9f5ca3580ec8deb7797479e"
    )


def test_mini_secret_matches_py_bip39_bindings() -> None:
    bip39 = pytest.importorskip("bip39")
    for words in (12, 15, 18, 21, 24):
        phrase = generate_mnemonic(words)
        assert mnemonic_to_mini_secret(phrase, "pw") == bytes(bip39.bip39_to_mini_secret(phrase, "pw"))[:32]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from([16, 20, 24, 28, 32]).flatmap(lambda n: st.binary(min_size=n, max_size=n)))
def test_mnemonic_round_trip(entropy: bytes) -> None:
    assert mnemonic_to_entropy(entropy_to_mnemonic(entropy)) == entropy
