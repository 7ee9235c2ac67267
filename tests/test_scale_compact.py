"""node.scale_compact: the shared SCALE compact-integer codec, both decoding strictnesses."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scalecodec.base import RuntimeConfiguration
from scalecodec.type_registry import load_type_registry_preset

from keystore.derivation import compact_length
from node.localnet import hashing as localnet_hashing
from node.scale_compact import decode_compact, encode_compact

MAX_VALUE = (1 << (8 * 67)) - 1

# (value, canonical encoding) at each of the four modes' boundaries.
BOUNDARIES = [
    (0, "00"),
    (1, "04"),
    (63, "fc"),
    (64, "0101"),
    (16383, "fdff"),
    (16384, "02000100"),
    (2**30 - 1, "feffffff"),
    (2**30, "0300000040"),
    (2**32 - 1, "03ffffffff"),
    (2**32, "070000000001"),
    (2**64 - 1, "13ffffffffffffffff"),
    (MAX_VALUE, "ff" + "ff" * 67),
]


def _scalecodec_compact(value: int) -> bytes:
    config = RuntimeConfiguration()
    config.update_type_registry(load_type_registry_preset("legacy"))
    obj = config.create_scale_object("Compact<U256>" if value < 1 << 256 else "Compact<U128>")
    return bytes(obj.encode(value).data)


@pytest.mark.parametrize(("value", "encoded"), BOUNDARIES)
def test_boundaries_round_trip_in_both_modes(value: int, encoded: str) -> None:
    raw = bytes.fromhex(encoded)
    assert encode_compact(value) == raw
    assert decode_compact(raw, 0, canonical=True) == (value, len(raw))
    assert decode_compact(raw, 0, canonical=False) == (value, len(raw))
    assert localnet_hashing.compact(value) == raw
    assert localnet_hashing.decode_compact(raw) == (value, len(raw))


@given(st.integers(min_value=0, max_value=MAX_VALUE), st.binary(max_size=4), st.binary(max_size=4))
def test_round_trip_at_an_offset(value: int, before: bytes, after: bytes) -> None:
    raw = encode_compact(value)
    buf = before + raw + after
    for canonical in (True, False):
        assert decode_compact(buf, len(before), canonical=canonical) == (value, len(before) + len(raw))
    assert decode_compact(memoryview(buf), len(before), canonical=False) == (value, len(before) + len(raw))


@given(st.integers(min_value=0, max_value=(1 << 256) - 1))
def test_encoding_matches_scalecodec_and_the_keystore_copy(value: int) -> None:
    raw = encode_compact(value)
    assert raw == compact_length(value)
    assert raw == _scalecodec_compact(value)


@pytest.mark.parametrize(
    ("encoded", "value"),
    [("0100", 0), ("fd00", 63), ("02000000", 0), ("02010000", 64), ("0300000000", 0),
     ("03ffffff3f", 2**30 - 1), ("070000000000", 0), ("07ffffffff00", 2**32 - 1)],
)
def test_non_canonical_rejected_only_in_canonical_mode(encoded: str, value: int) -> None:
    raw = bytes.fromhex(encoded)
    with pytest.raises(ValueError, match="non-canonical compact integer"):
        decode_compact(raw, 0, canonical=True)
    assert decode_compact(raw, 0, canonical=False) == (value, len(raw))
    assert localnet_hashing.decode_compact(raw, 0) == (value, len(raw))


def test_max_bytes_bounds_the_big_integer_mode() -> None:
    raw = encode_compact(2**32)  # 5-byte payload
    with pytest.raises(ValueError, match="too large for its type"):
        decode_compact(raw, 0, canonical=True, max_bytes=4)
    assert decode_compact(raw, 0, canonical=True, max_bytes=8) == (2**32, 6)
    assert decode_compact(raw, 0, canonical=True) == (2**32, 6)
    assert decode_compact(bytes.fromhex("03ffffffff"), 0, canonical=True, max_bytes=4) == (2**32 - 1, 5)


@pytest.mark.parametrize("value", [64, 16384, 2**30, 2**64 - 1])
@pytest.mark.parametrize("canonical", [True, False])
def test_truncated_input_is_rejected(value: int, canonical: bool) -> None:
    raw = encode_compact(value)
    for cut in range(len(raw)):
        with pytest.raises(ValueError, match=r"truncated|no bytes"):
            decode_compact(raw[:cut], 0, canonical=canonical)
        with pytest.raises(ValueError, match=r"truncated|no bytes"):
            decode_compact(b"\x00" + raw[:cut], 1, canonical=canonical)


def test_empty_input_and_offset_past_the_end() -> None:
    with pytest.raises(ValueError, match="truncated compact integer"):
        decode_compact(b"", 0, canonical=True)
    with pytest.raises(ValueError, match="compact integer: no bytes"):
        decode_compact(b"\x04", 1, canonical=False)


@pytest.mark.parametrize("value", [-1, -(2**40), MAX_VALUE + 1])
def test_unencodable_values_are_refused(value: int) -> None:
    with pytest.raises(ValueError, match=r"unsigned|too large"):
        encode_compact(value)
