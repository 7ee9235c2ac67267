"""Pilot tests of the key flows; these run real argon2 (~1-3 s per unlock), so each does few unlocks."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest
from bittensor_wallet import Keypair as BtKeypair
from textual import events
from textual.widgets import Checkbox, Input, Select

from screens.change_password import ChangePasswordModal
from screens.create_wallet import CreateWalletModal
from screens.error import ErrorModal
from screens.import_wallet import ImportWalletModal
from screens.mnemonic import MnemonicModal
from screens.mnemonic_confirm import MnemonicConfirmModal
from screens.sign import SignModal
from screens.signature import SignatureModal
from screens.unlock import UnlockModal
from screens.verify import VerifyModal
from screens.wallets import WalletsScreen
from tao_wallet.app import TaoWalletApp
from tao_wallet.services.wallets import WalletService
from tests.app.conftest import click, settle, wait_screen
from tests.app.prepared import BOB_COLD, PASSWORD, Prepared, address_of


def fill(app: TaoWalletApp, **values: str) -> None:
    for key, value in values.items():
        app.screen.query_one(f"#{key.replace('_', '-')}", Input).value = value


def status(app: TaoWalletApp) -> str:
    return str(app.screen.query_one("#status").render()) if isinstance(app.screen, WalletsScreen) else ""


def error_text(app: TaoWalletApp) -> str:
    assert isinstance(app.screen, ErrorModal), f"expected an error dialog, got {app.screen!r}"
    return app.screen.error_message


async def test_create_wallet_shows_mnemonic_once_and_requires_confirmation(
    app: TaoWalletApp, service: WalletService, wallets: Prepared
) -> None:
    async with app.run_test(size=(110, 40)) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, CreateWalletModal)
        fill(app, name="alice", password="pw-1", confirm="pw-1")
        await click(pilot, "#ok")
        assert "already exists" in str(app.screen.query_one("#problem").render())
        fill(app, name="carol", password="pw-1", confirm="pw-2")
        await click(pilot, "#ok")
        assert "differ" in str(app.screen.query_one("#problem").render())
        fill(app, confirm="pw-1")
        await click(pilot, "#ok")
        await wait_screen(pilot, MnemonicModal)
        assert isinstance(app.screen, MnemonicModal)
        words = app.screen.words
        assert len(words) == 12
        assert not (wallets.root / "carol").exists(), "nothing may be written before the user confirms"
        await click(pilot, "#ok")
        await wait_screen(pilot, MnemonicConfirmModal)
        confirm = app.screen
        assert isinstance(confirm, MnemonicConfirmModal) and len(confirm.positions) == 3
        # a wrong word is named, and nothing is written
        for position in confirm.positions:
            confirm.query_one(f"#word-{position}", Input).value = words[position - 1]
        first = confirm.positions[0]
        confirm.query_one(f"#word-{first}", Input).value = "notaword"
        await click(pilot, "#ok")
        assert f"#{first}" in str(confirm.query_one("#problem").render())
        assert isinstance(app.screen, MnemonicConfirmModal)
        confirm.query_one(f"#word-{first}", Input).value = words[first - 1].upper()  # case does not matter
        await click(pilot, "#ok")
        await settle(pilot)
        assert isinstance(app.screen, WalletsScreen), app.screen
        created = service.get("carol")
        assert created.coldkey_encryption == "NaCl"
        assert created.coldkey_address == address_of(" ".join(words))
        assert "Created wallet 'carol'" in status(app)
        # the mnemonic is not left on screen or in the status line
        assert words[0] not in status(app) or words[0] in created.coldkey_address


async def test_create_wallet_cancelled_at_mnemonic_writes_nothing(app: TaoWalletApp, wallets: Prepared) -> None:
    async with app.run_test(size=(110, 40)) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await pilot.pause()
        fill(app, name="dave", password="x", confirm="x")
        await pilot.press("enter")
        await wait_screen(pilot, MnemonicModal)
        await click(pilot, "#cancel")
        await settle(pilot)
        assert not (wallets.root / "dave").exists()
        assert "nothing was written" in status(app)


async def _import(pilot, app: TaoWalletApp, kind: str, **values: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("i")
    await pilot.pause()
    assert isinstance(app.screen, ImportWalletModal)
    app.screen.query_one("#kind", Select).value = kind
    await pilot.pause()
    fill(app, **values)
    await click(pilot, "#ok")
    await settle(pilot)


async def test_import_mnemonic_and_bad_mnemonic(app: TaoWalletApp, service: WalletService) -> None:
    async with app.run_test(size=(110, 44)) as pilot:
        await settle(pilot)
        bad = BOB_COLD.replace("wave", "wavy")
        await _import(pilot, app, "mnemonic", name="imp", secret=bad, password="pw", confirm="pw")
        assert "wavy" in error_text(app)
        await pilot.press("escape")
        await _import(pilot, app, "mnemonic", name="imp", secret=BOB_COLD, password="pw", confirm="pw")
        assert isinstance(app.screen, WalletsScreen), app.screen
        assert service.get("imp").coldkey_address == address_of(BOB_COLD)
        assert service.get("imp").coldkey_encryption == "NaCl"


async def test_import_seed(app: TaoWalletApp, service: WalletService) -> None:
    seed = "0x" + "11" * 32
    expected = BtKeypair.create_from_seed(seed).ss58_address
    async with app.run_test(size=(110, 44)) as pilot:
        await settle(pilot)
        await _import(pilot, app, "seed", name="seeded", secret="0x1234", password="pw", confirm="pw")
        assert error_text(app)  # too short: a specific key-material error
        await pilot.press("escape")
        await _import(pilot, app, "seed", name="seeded", secret=seed, password="pw", confirm="pw")
        assert isinstance(app.screen, WalletsScreen), app.screen
        assert service.get("seeded").coldkey_address == expected


async def test_import_watch_only_and_bad_checksum(app: TaoWalletApp, service: WalletService, wallets: Prepared) -> None:
    tampered = wallets.bob[:-1] + ("a" if wallets.bob[-1] != "a" else "b")
    async with app.run_test(size=(110, 44)) as pilot:
        await settle(pilot)
        await _import(pilot, app, "watch", name="eve", secret=tampered)
        assert "checksum" in error_text(app).lower()
        await pilot.press("escape")
        await _import(pilot, app, "watch", name="eve", secret=wallets.bob)
        watched = service.get("eve")
        assert watched.watch_only and watched.coldkey_address == wallets.bob
        # a watch-only wallet cannot be unlocked or sign with its coldkey
        tree_wallets = [w.name for w in app.screen.wallets]  # type: ignore[attr-defined]
        app.screen.query_one("#wallet-tree").move_cursor_to_line(  # type: ignore[attr-defined]
            sum(1 + 1 + len(w.hotkeys) for w in app.screen.wallets[: tree_wallets.index("eve")])  # type: ignore[attr-defined]
        )
        await pilot.press("u")
        await pilot.pause()
        assert isinstance(app.screen, WalletsScreen)


async def test_import_json_backup(app: TaoWalletApp, service: WalletService, isolated_dirs: Path) -> None:
    pytest.importorskip("keystore.polkadot_json", reason="keystore.polkadot_json has not landed yet")
    from substrateinterface import Keypair as SubKeypair

    source = SubKeypair.create_from_mnemonic(BOB_COLD, ss58_format=42)
    backup = isolated_dirs / "backup.json"
    backup.write_text(json.dumps(source.export_to_encrypted_json("backup-pass", name="bob")))
    async with app.run_test(size=(110, 44)) as pilot:
        await settle(pilot)
        await _import(pilot, app, "json", name="fromjson", secret=str(isolated_dirs / "missing.json"),
                      backup_pass="backup-pass", password="pw", confirm="pw")
        assert "not found" in error_text(app)
        await pilot.press("escape")
        await _import(pilot, app, "json", name="fromjson", secret=str(backup),
                      backup_pass="backup-pass", password="pw", confirm="pw")
        assert isinstance(app.screen, WalletsScreen), app.screen
        assert service.get("fromjson").coldkey_address == source.ss58_address


async def test_unlock_wrong_then_right_password_keeps_ui_responsive(app: TaoWalletApp, service: WalletService) -> None:
    async with app.run_test(size=(110, 40)) as pilot:
        await settle(pilot)
        await pilot.press("u")
        await pilot.pause()
        assert isinstance(app.screen, UnlockModal)
        fill(app, password="not the password")
        # Pilot's press() may itself wait for the app to settle, so submit without awaiting it and
        # watch the app from the event loop while argon2 (~3 s) runs in a thread worker.
        ticks: list[float] = []
        timer = app.set_interval(0.05, lambda: ticks.append(time.monotonic()))
        submit = asyncio.create_task(pilot.press("enter"))
        screen = app.screen
        for _ in range(200):
            await asyncio.sleep(0.01)
            screen = app.screen
            if isinstance(screen, WalletsScreen) and screen.busy.startswith("Unlocking"):
                break
        assert isinstance(screen, WalletsScreen) and screen.busy.startswith("Unlocking"), screen
        assert screen.query_one("#busy").display
        # still answering keys while the unlock runs: copy the address
        app.post_message(events.Key("y", "y"))
        for _ in range(100):
            if app.clipboard:
                break
            await asyncio.sleep(0.01)
        assert app.clipboard == service.get("alice").coldkey_address
        assert screen.busy.startswith("Unlocking"), "the copy must have happened during the unlock"
        await submit
        await settle(pilot)
        timer.stop()
        # the UI thread kept running its timers during the whole key derivation (about 3 s)
        assert len(ticks) >= 10, ticks
        assert "wrong password" in error_text(app).lower()
        await pilot.press("escape")
        await pilot.press("u")
        await pilot.pause()
        fill(app, password=PASSWORD)
        app.screen.query_one("#keep", Select).value = 60
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, WalletsScreen)
        assert service.is_unlocked("alice")
        assert "kept unlocked for 60 s" in status(app)
        assert "[unlocked]" in str(app.screen.query_one("#wallet-tree").get_node_at_line(0).label)  # type: ignore[attr-defined]
        await pilot.press("l")
        await settle(pilot)
        assert not service.is_unlocked("alice")
        assert "[locked]" in str(app.screen.query_one("#wallet-tree").get_node_at_line(0).label)  # type: ignore[attr-defined]


async def test_change_password(app: TaoWalletApp, service: WalletService) -> None:
    async with app.run_test(size=(110, 40)) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, ChangePasswordModal)
        fill(app, old=PASSWORD, new="new-pass", confirm="other")
        await click(pilot, "#ok")
        assert "differ" in str(app.screen.query_one("#problem").render())
        fill(app, confirm="new-pass")
        await click(pilot, "#ok")
        await settle(pilot)
        assert isinstance(app.screen, WalletsScreen), app.screen
        assert "Changed the coldkey password" in status(app)
    backups = [p for p in (service.root / "alice").iterdir() if p.name.startswith("coldkey") and "bak" in p.name]
    assert backups, "the old keyfile is kept as a backup"
    # (that the new password opens the key is checked end to end in tests/cli, to save an argon2 run)


async def test_sign_with_hotkey_and_verify(app: TaoWalletApp, service: WalletService, wallets: Prepared) -> None:
    async with app.run_test(size=(110, 40)) as pilot:
        await settle(pilot)
        # alice's coldkey is locked and no password given: a specific error, no argon2 run
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, SignModal)
        fill(app, message="hello")
        await click(pilot, "#ok")
        await settle(pilot)
        assert "password is needed" in error_text(app)
        await pilot.press("escape")
        # sign with alice's plaintext hotkey
        await pilot.press("s")
        await pilot.pause()
        fill(app, message="hello tao")
        app.screen.query_one("#key", Select).value = "default"
        await click(pilot, "#ok")
        await settle(pilot)
        assert isinstance(app.screen, SignatureModal)
        signed = app.screen.signed
        assert signed.address == wallets.alice_hot
        assert BtKeypair(ss58_address=wallets.alice_hot).verify("hello tao", bytes.fromhex(signed.signature[2:]))
        await click(pilot, "#copy")
        assert app.clipboard == signed.signature
        await click(pilot, "#close")
        # verify it in the UI, then a tampered message
        for message, verdict in (("hello tao", "VALID"), ("hello TAO", "NOT valid")):
            await pilot.press("v")
            await pilot.pause()
            assert isinstance(app.screen, VerifyModal)
            fill(app, address=wallets.alice_hot, message=message, signature=signed.signature)
            await click(pilot, "#ok")
            await settle(pilot)
            assert f"Signature is {verdict}" in status(app)


async def test_unlock_offers_keyring_when_enabled(service: WalletService, monkeypatch: pytest.MonkeyPatch) -> None:
    """With remember_passwords on and a usable keyring, the unlock dialog offers to remember."""
    from tao_wallet.config import AppConfig

    class Store:
        def available(self) -> bool:
            return True

    remembering = WalletService(service.root, password_store=Store())  # type: ignore[arg-type]
    app = TaoWalletApp(remembering, AppConfig(wallet_path=service.root, remember_passwords=True))
    async with app.run_test(size=(110, 40)) as pilot:
        await settle(pilot)
        await pilot.press("u")
        await pilot.pause()
        assert isinstance(app.screen, UnlockModal)
        assert not app.screen.query_one("#remember", Checkbox).value  # opt-in: off by default


async def test_legacy_ansible_coldkey_is_offered_an_upgrade_to_nacl(
    app: TaoWalletApp, service: WalletService, wallets: Prepared
) -> None:
    import shutil

    from keystore.keyfile_crypto import ansible_encrypt
    from screens.confirm import ConfirmModal

    legacy = wallets.root / "legacy"
    shutil.copytree(wallets.root / "bob", legacy)
    (legacy / "coldkey").write_bytes(ansible_encrypt((wallets.root / "bob" / "coldkey").read_bytes(), "old-pw"))
    async with app.run_test(size=(110, 40)) as pilot:
        await settle(pilot)
        assert service.get("legacy").coldkey_encryption == "Ansible Vault"
        app.screen.query_one("#wallet-tree").move_cursor_to_line(6)  # type: ignore[attr-defined]  # legacy
        await pilot.pause()
        assert app.screen.selection()[0].name == "legacy"  # type: ignore[attr-defined,union-attr]
        await pilot.press("u")
        await pilot.pause()
        fill(app, password="old-pw")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await click(pilot, "#yes")
        await settle(pilot)
        assert isinstance(app.screen, WalletsScreen), app.screen
        assert "is now NaCl" in status(app)
    assert (legacy / "coldkey").read_bytes().startswith(b"$NACL")
    assert [p for p in legacy.iterdir() if p.name.startswith("coldkey") and "bak" in p.name], "backup kept"
    assert service.sign("legacy", "x", password="old-pw").address == wallets.bob
