"""Amount parsing (exact Decimal, 9 decimals) and the address book file."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tao_wallet.services.chain import format_tao, rao_to_tao, tao_str, tao_to_rao
from tao_wallet.services.errors import WalletError
from tao_wallet.services.transfers import AddressBook, parse_amount
from tests.money.conftest import fresh_keypair


@given(st.integers(min_value=1, max_value=21_000_000 * 10**9))
def test_every_rao_amount_round_trips_exactly(rao: int) -> None:
    text = tao_str(rao_to_tao(rao))
    assert "e" not in text.lower()
    assert tao_to_rao(parse_amount(text)) == rao


@pytest.mark.parametrize(
    ("text", "rao"),
    [("1", 10**9), ("0.000000001", 1), ("1.500000000", 1_500_000_000), (" 2.5 ", 2_500_000_000),
     ("1_000", 10**12), ("1e-9", 1), ("0.1", 100_000_000)],
)
def test_valid_amounts(text: str, rao: int) -> None:
    assert tao_to_rao(parse_amount(text)) == rao


@pytest.mark.parametrize(
    ("text", "needle"),
    [("0.0000000001", "10 decimal places"), ("1.1234567891", "at most 9"), ("-0.5", "positive"),
     ("0", "greater than zero"), ("0.000", "greater than zero"), ("", "not a number"), ("1,5", "not a number"),
     ("inf", "not a finite"), ("1 TAO", "not a number"), ("1e30", "more than can exist")],
)
def test_invalid_amounts(text: str, needle: str) -> None:
    with pytest.raises(WalletError, match=needle) as info:
        parse_amount(text)
    assert info.value.code == "invalid_amount"


def test_format_tao() -> None:
    assert format_tao(Decimal("10.000000000")) == "10 TAO"
    assert format_tao(rao_to_tao(1)) == "0.000000001 TAO"
    assert format_tao(rao_to_tao(0)) == "0 TAO"


def test_address_book_file(tmp_path: Path) -> None:
    book = AddressBook(tmp_path / "cfg" / "address_book.json")
    assert book.entries() == {}
    kp = fresh_keypair()
    book.add("carol", kp.ss58_address)  # type: ignore[attr-defined]
    assert json.loads(book.path.read_text()) == {"carol": kp.ss58_address}  # type: ignore[attr-defined]
    assert book.resolve("carol") == (kp.public_key, "carol")  # type: ignore[attr-defined]
    assert book.resolve(kp.ss58_address) == (kp.public_key, None)  # type: ignore[attr-defined]
    with pytest.raises(WalletError, match="not a valid address"):
        book.add("dave", kp.ss58_address[:-1] + "x")  # type: ignore[attr-defined]
    with pytest.raises(WalletError, match="must be 1-64"):
        book.add("a/b", kp.ss58_address)  # type: ignore[attr-defined]
    book.remove("carol")
    with pytest.raises(WalletError, match="not in the address book"):
        book.remove("carol")


def test_corrupt_address_book_is_reported_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "address_book.json"
    path.write_text("{not json")
    book = AddressBook(path)
    with pytest.raises(WalletError, match="cannot read") as info:
        book.add("carol", fresh_keypair().ss58_address)  # type: ignore[attr-defined]
    assert info.value.code == "address_book_corrupt"
    assert path.read_text() == "{not json"
