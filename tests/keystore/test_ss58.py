"""SS58 encode/decode: known answers, checksum and prefix errors, round trip."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from keystore.errors import InvalidAddressError
from keystore.ss58 import b58decode, is_valid_ss58, ss58_decode, ss58_decode_with_format, ss58_encode

ALICE_PUB = bytes.fromhex("d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d")
ALICE = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
ALICE_POLKADOT = "15oF4uVJwmo4TdGW7VfQxNLavjCXviqxT9S1MgbjMNHr6Sp5"  # prefix 0
ALICE_KUSAMA = "HNZata7iMYWmk5RvZRTiAsSDhV8366zq2YGb3tLH5Upf74F"  # prefix 2


def test_known_answers() -> None:
    assert ss58_encode(ALICE_PUB) == ALICE
    assert ss58_encode(ALICE_PUB, 0) == ALICE_POLKADOT
    assert ss58_encode(ALICE_PUB, 2) == ALICE_KUSAMA
    assert ss58_decode(ALICE) == ALICE_PUB


def test_other_prefix_is_refused_by_default_and_names_it() -> None:
    with pytest.raises(InvalidAddressError, match="prefix 0, expected 42"):
        ss58_decode(ALICE_POLKADOT)
    assert ss58_decode(ALICE_POLKADOT, None) == ALICE_PUB
    assert ss58_decode_with_format(ALICE_KUSAMA) == (2, ALICE_PUB)
    assert not is_valid_ss58(ALICE_KUSAMA)
    assert is_valid_ss58(ALICE_KUSAMA, None)


def test_bad_checksum() -> None:
    # change one character in the middle: still base58, checksum no longer matches
    bad = ALICE[:10] + ("a" if ALICE[10] != "a" else "b") + ALICE[11:]
    with pytest.raises(InvalidAddressError, match="checksum mismatch"):
        ss58_decode(bad)


def test_bad_characters_and_lengths() -> None:
    with pytest.raises(InvalidAddressError, match="invalid base58 character '0' at position 2"):
        ss58_decode("50" + ALICE[2:])
    with pytest.raises(InvalidAddressError, match="decodes to"):
        ss58_decode(ALICE[:-3])
    with pytest.raises(InvalidAddressError, match="empty"):
        ss58_decode("")
    with pytest.raises(InvalidAddressError, match="32 bytes"):
        ss58_encode(b"\x01" * 31)


def test_b58_leading_zeros() -> None:
    assert b58decode("11") == b"\0\0"


def test_matches_scalecodec_for_two_byte_prefixes() -> None:
    scale_ss58 = pytest.importorskip("scalecodec.utils.ss58")
    for fmt in (0, 42, 63, 64, 255, 1000, 16383):
        address = ss58_encode(ALICE_PUB, fmt)
        assert address == scale_ss58.ss58_encode(ALICE_PUB, fmt)
        assert ss58_decode_with_format(address) == (fmt, ALICE_PUB)


@given(
    st.binary(min_size=32, max_size=32),
    st.integers(min_value=0, max_value=16383).filter(lambda f: f not in (46, 47)),
)
def test_round_trip(public: bytes, fmt: int) -> None:
    address = ss58_encode(public, fmt)
    assert ss58_decode(address, fmt) == public
    assert ss58_decode(address, None) == public
