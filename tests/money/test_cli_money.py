"""`tao-wallet balance / transfer / address-book` end to end: real CLI, real wallets, real localnet."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tao_wallet.services.chain import ChainService, decode_address
from tests.money.cli_helpers import make_wallet, run
from tests.money.conftest import Funder, fresh_keypair


@pytest.fixture
def wallets_dir() -> Path:
    return Path(os.environ["TAO_WALLET_PATH"])


@pytest.fixture
def funded(funder: Funder, wallets_dir: Path) -> object:
    """Wallet "alice2": a fresh unencrypted coldkey holding 10 TAO."""
    kp = fresh_keypair()
    make_wallet("alice2", kp, wallets_dir)
    funder.fund(kp.ss58_address, 10)  # type: ignore[attr-defined]
    return kp


def test_balance_json(funded: object, localnet_url: str) -> None:
    result = run("balance", "-w", "alice2", "--network", localnet_url, "--json")
    assert result.code == 0, result.stderr
    (row,) = result.json()
    assert row["address"] == funded.ss58_address and row["free"] == "10" and row["total"] == "10"  # type: ignore[attr-defined]
    other = fresh_keypair().ss58_address  # type: ignore[attr-defined]
    result = run("balance", "--address", other, "--network", localnet_url, "--json")
    assert result.json()[0]["free"] == "0"


def test_transfer_to_address_book_name(funded: object, localnet_url: str, chain: ChainService) -> None:
    dest = fresh_keypair()
    assert run("address-book", "add", "carol", dest.ss58_address).code == 0  # type: ignore[attr-defined]
    result = run("transfer", "-w", "alice2", "--dest", "carol", "--amount", "2.5", "--no-prompt", "--json",
                 "--network", localnet_url)
    assert result.code == 0, result.stderr
    view = result.json()
    assert view["phase"] == "finalized" and view["success"] is True
    assert {"pallet": "Balances", "name": "Transfer"}.items() <= next(
        e for e in view["events"] if e["name"] == "Transfer").items()
    assert "To:          " + dest.ss58_address + " (carol)" in result.stderr  # type: ignore[attr-defined]
    assert "[in_block" in result.stderr and "[finalized" in result.stderr
    assert chain.balance(dest.ss58_address).free_rao == 2_500_000_000  # type: ignore[attr-defined]


def test_transfer_needs_confirmation(funded: object, localnet_url: str, chain: ChainService) -> None:
    dest = fresh_keypair().ss58_address  # type: ignore[attr-defined]
    result = run("transfer", "-w", "alice2", "--dest", dest, "--amount", "1", "--network", localnet_url,
                 input="n\n")
    assert result.code == 130 and "Send this transfer?" in result.stderr and "Fee:" in result.stderr
    assert chain.client.next_nonce(decode_address(funded.ss58_address)) == 0  # type: ignore[attr-defined]


def test_dry_run_shows_preview_only(funded: object, localnet_url: str, chain: ChainService) -> None:
    dest = fresh_keypair().ss58_address  # type: ignore[attr-defined]
    result = run("transfer", "-w", "alice2", "--dest", dest, "--amount", "1", "--dry-run", "--json",
                 "--network", localnet_url)
    assert result.code == 0, result.stderr
    preview = result.json()["preview"]
    assert preview["amount"] == "1" and int(preview["fee_rao"]) > 0 and preview["mode"] == "keep_alive"
    assert preview["call"].startswith("Balances.transfer_keep_alive(")
    assert chain.client.next_nonce(decode_address(funded.ss58_address)) == 0  # type: ignore[attr-defined]
    assert chain.balance(dest).free_rao == 0


@pytest.mark.parametrize(
    ("extra", "code", "needle"),
    [
        (["--amount", "0.0000000001"], "invalid_amount", "at most 9"),
        (["--amount", "-3"], "invalid_amount", "positive"),
        (["--amount", "0"], "invalid_amount", "greater than zero"),
        (["--amount", "11"], "insufficient_balance", "more than the free balance 10 TAO"),
        (["--amount", "1", "--all"], "invalid_amount", "do not give --amount"),
        (["--amount", "1", "--all", "--allow-death"], "invalid_mode", "choose one"),
    ],
)
def test_bad_input_exits_with_a_specific_error(
    funded: object, localnet_url: str, chain: ChainService, extra: list[str], code: str, needle: str
) -> None:
    dest = fresh_keypair().ss58_address  # type: ignore[attr-defined]
    result = run("transfer", "-w", "alice2", "--dest", dest, *extra, "--no-prompt", "--json",
                 "--network", localnet_url)
    assert result.code == 1
    error = result.error()
    assert error["code"] == code and needle in error["message"]
    assert chain.client.next_nonce(decode_address(funded.ss58_address)) == 0  # type: ignore[attr-defined]


def test_bad_checksum_and_unknown_network(funded: object, localnet_url: str) -> None:
    dest = fresh_keypair().ss58_address  # type: ignore[attr-defined]
    broken = dest[:-2] + ("zz" if dest[-2:] != "zz" else "yy")
    result = run("transfer", "-w", "alice2", "--dest", broken, "--amount", "1", "--no-prompt", "--json",
                 "--network", localnet_url)
    assert result.code == 1 and result.error()["code"] == "invalid_address"
    result = run("balance", "-w", "alice2", "--network", "mainnet", "--json")
    assert result.code == 1 and result.error()["code"] == "unknown_network"


def test_unreachable_network_is_reported(funded: object) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = run("balance", "-w", "alice2", "--network", f"ws://127.0.0.1:{port}", "--json")
    assert result.code == 1 and result.error()["code"] == "network_unreachable"


@pytest.mark.slow
def test_encrypted_wallet_with_password_file(
    funder: Funder, wallets_dir: Path, localnet_url: str, chain: ChainService, tmp_path: Path
) -> None:
    """The real NaCl/argon2 keyfile path: a wrong password sends nothing, the right one sends once."""
    kp, dest = fresh_keypair(), fresh_keypair().ss58_address  # type: ignore[attr-defined]
    make_wallet("locked", kp, wallets_dir, password="correct horse")
    funder.fund(kp.ss58_address, 3)  # type: ignore[attr-defined]
    wrong, right = tmp_path / "wrong.txt", tmp_path / "right.txt"
    wrong.write_text("battery staple\n")
    wrong.chmod(0o600)
    right.write_text("correct horse\n")
    right.chmod(0o600)
    args = ["transfer", "-w", "locked", "--dest", dest, "--amount", "1", "--no-prompt", "--json",
            "--network", localnet_url, "--wait-for", "in_block"]
    result = run(*args, "--password-file", str(wrong))
    assert result.code == 1 and result.error()["code"] == "wrong_password"
    assert "battery" not in result.stderr
    assert chain.client.next_nonce(decode_address(kp.ss58_address)) == 0  # type: ignore[attr-defined]
    result = run(*args, "--password-file", str(right))
    assert result.code == 0, result.stderr
    assert result.json()["phase"] in ("in_block", "finalized") and chain.balance(dest).free_rao == 10**9


def test_watch_only_wallet_can_preview_but_not_sign(wallets_dir: Path, funder: Funder, localnet_url: str) -> None:
    from keystore.wallet import Wallet

    kp = fresh_keypair()
    Wallet("watch", wallets_dir).regen_coldkeypub(kp.ss58_address)  # type: ignore[attr-defined]
    funder.fund(kp.ss58_address, 2)  # type: ignore[attr-defined]
    dest = fresh_keypair().ss58_address  # type: ignore[attr-defined]
    base = ["transfer", "-w", "watch", "--dest", dest, "--amount", "1", "--no-prompt", "--json", "--network", localnet_url]
    assert run(*base, "--dry-run").code == 0
    result = run(*base)
    assert result.code == 1 and result.error()["code"] == "public_key_only" and "tx build" in result.error()["message"]
