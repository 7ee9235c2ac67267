"""The multi-step dialogs of WalletsScreen, as async flows run in (non-thread) workers.

Each flow asks through modals, then hands the blocking service call to ``screen.start`` (a thread
worker), so the UI keeps drawing while argon2 runs.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from screens.change_password import ChangePasswordModal
from screens.confirm import ConfirmModal
from screens.create_wallet import CreateWalletModal
from screens.import_wallet import ImportRequest, ImportWalletModal
from screens.mnemonic import MnemonicModal
from screens.mnemonic_confirm import MnemonicConfirmModal
from screens.new_hotkey import NewHotkeyModal
from screens.sign import SignModal
from screens.signature import SignatureModal
from screens.unlock import UnlockModal
from screens.verify import VerifyModal
from tao_wallet.wallet_models import NewKey, SignedMessage, UnlockResult, VerifyResult, WalletSummary

if TYPE_CHECKING:
    from screens.wallets import WalletsScreen

CONFIRM_WORDS = 3


async def create_flow(screen: WalletsScreen) -> None:
    """Settings -> mnemonic shown once -> re-type 3 words -> write the coldkey (nothing written before)."""
    existing = frozenset(w.name for w in screen.wallets)
    request = await screen.app.push_screen_wait(
        CreateWalletModal(screen.config.mnemonic_words, screen.config.crypto_type, existing)
    )
    if request is None:
        return
    # generating is fast, but the first call imports the keystore: keep it off the UI thread
    mnemonic = await asyncio.to_thread(screen.service.generate_mnemonic, request.words)
    while True:
        seen = await screen.app.push_screen_wait(MnemonicModal(mnemonic, title=f"Mnemonic of wallet {request.name!r}"))
        if not seen:
            screen.done("Wallet creation cancelled; nothing was written.")
            return
        positions = screen.rng.sample(range(1, request.words + 1), CONFIRM_WORDS)
        if await screen.app.push_screen_wait(MnemonicConfirmModal(mnemonic, positions)):
            break

    def write() -> WalletSummary:
        return screen.service.import_mnemonic(request.name, mnemonic, request.password, crypto_type=request.crypto_type)

    def finished(wallet: WalletSummary) -> None:
        screen.done(f"Created wallet {wallet.name!r}: {wallet.coldkey_address}")

    screen.start("Create wallet", "Encrypting the new coldkey (argon2, ~3 s)…", write, finished)


def _import_call(screen: WalletsScreen, request: ImportRequest) -> WalletSummary:
    service = screen.service
    if request.kind == "mnemonic":
        return service.import_mnemonic(
            request.name, request.secret, request.password, crypto_type=request.crypto_type, overwrite=request.overwrite
        )
    if request.kind == "seed":
        return service.import_seed(
            request.name, request.secret, request.password, crypto_type=request.crypto_type, overwrite=request.overwrite
        )
    if request.kind == "json":
        from pathlib import Path

        return service.import_json_backup_file(
            request.name, Path(request.secret), request.backup_passphrase, request.password, overwrite=request.overwrite
        )
    return service.import_watch_only(request.name, request.secret, overwrite=request.overwrite)


async def import_flow(screen: WalletsScreen) -> None:
    """Import from a mnemonic, seed, JSON backup or watch-only address."""
    request = await screen.app.push_screen_wait(ImportWalletModal(crypto_type=screen.config.crypto_type))
    if request is None:
        return
    busy = "Writing the watch-only wallet…" if request.kind == "watch" else "Encrypting the coldkey (argon2, ~3 s)…"

    def finished(wallet: WalletSummary) -> None:
        kind = "watch-only wallet" if wallet.watch_only else "wallet"
        screen.done(f"Imported {kind} {wallet.name!r}: {wallet.coldkey_address}")

    screen.start("Import wallet", busy, lambda: _import_call(screen, request), finished)


async def new_hotkey_flow(screen: WalletsScreen) -> None:
    """Create a hotkey, then show its mnemonic once."""
    wallet = screen.need_wallet()
    if wallet is None:
        return
    name = await screen.app.push_screen_wait(NewHotkeyModal(wallet.name, frozenset(h.name for h in wallet.hotkeys)))
    if name is None:
        return

    def create() -> NewKey:
        return screen.service.create_hotkey(
            wallet.name, name, words=screen.config.mnemonic_words, crypto_type=screen.config.crypto_type
        )

    def finished(key: NewKey) -> None:
        screen.done(f"Created hotkey {name!r} of {wallet.name!r}: {key.address}")
        screen.app.push_screen(
            MnemonicModal(key.mnemonic, title=f"Mnemonic of hotkey {name!r}", address=key.address, cancellable=False)
        )

    screen.start("New hotkey", "Creating the hotkey…", create, finished)


async def unlock_flow(screen: WalletsScreen) -> None:
    """Ask for the coldkey password and check it (~3 s); keep the key only if the user chose a time."""
    wallet = screen.need_wallet()
    if wallet is None:
        return
    if wallet.watch_only or wallet.coldkey_address is None:
        screen.notify(f"Wallet {wallet.name!r} has no coldkey to unlock (watch-only).", severity="warning")
        return
    if wallet.coldkey_encryption == "none":
        screen.notify(f"The coldkey of {wallet.name!r} is not encrypted: nothing to unlock.", severity="warning")
        return
    modal = UnlockModal(wallet.name, keep_seconds=screen.config.unlock_cache_seconds, keyring=screen.keyring)
    request = await screen.app.push_screen_wait(modal)
    if request is None:
        return

    def unlock() -> UnlockResult:
        return screen.service.unlock(
            wallet.name, request.password, cache_seconds=request.keep_seconds, remember=request.remember
        )

    def finished(result: UnlockResult) -> None:
        kept = (
            f"kept unlocked for {result.cached_for_seconds} s"
            if result.cached_for_seconds
            else "password correct; key not kept in memory"
        )
        remembered = ", password remembered in the keyring" if result.remembered else ""
        screen.done(f"Unlocked {wallet.name!r}: {kept}{remembered}.")
        if wallet.coldkey_encryption in LEGACY_SCHEMES:
            screen.run_worker(offer_upgrade(screen, wallet, request.password), group="flow", exit_on_error=False,
                              name="Upgrade to NaCl")

    screen.start("Unlock", f"Unlocking {wallet.name!r} (argon2, ~3 s)…", unlock, finished)


LEGACY_SCHEMES = ("Ansible Vault", "legacy fernet")


async def offer_upgrade(screen: WalletsScreen, wallet: WalletSummary, password: str) -> None:
    """After unlocking a legacy-encrypted coldkey, offer to re-encrypt it as NaCl (what btcli writes)."""
    question = (
        f"The coldkey of {wallet.name!r} uses the old {wallet.coldkey_encryption} encryption. Re-encrypt it "
        "with NaCl (bittensor-wallet's current format) under the same password? The old file is kept as "
        "a backup copy next to it."
    )
    if not await screen.app.push_screen_wait(ConfirmModal("Upgrade encryption", question, yes="Upgrade")):
        return
    screen.start(
        "Upgrade to NaCl",
        "Re-encrypting the coldkey with NaCl (argon2, ~3 s)…",
        lambda: screen.service.upgrade_to_nacl(wallet.name, password),
        lambda upgraded: screen.done(f"The coldkey of {upgraded.name!r} is now {upgraded.coldkey_encryption}."),
    )


async def change_password_flow(screen: WalletsScreen) -> None:
    """Re-encrypt the selected wallet's coldkey (two argon2 runs, ~6 s)."""
    wallet = screen.need_wallet()
    if wallet is None:
        return
    if wallet.coldkey_encryption in ("none", "missing"):
        screen.notify(f"The coldkey of {wallet.name!r} is not encrypted.", severity="warning")
        return
    request = await screen.app.push_screen_wait(ChangePasswordModal(wallet.name))
    if request is None:
        return
    screen.start(
        "Change password",
        "Re-encrypting the coldkey (argon2, ~6 s)…",
        lambda: screen.service.change_password(wallet.name, request.old, request.new),
        lambda _: screen.done(f"Changed the coldkey password of {wallet.name!r}."),
    )


async def sign_flow(screen: WalletsScreen) -> None:
    """Sign a message with the coldkey or a hotkey and show the signature."""
    wallet = screen.need_wallet()
    if wallet is None:
        return
    _, ref = screen.selection()
    modal = SignModal(
        wallet.name,
        [h.name for h in wallet.hotkeys if h.encryption != "missing"],
        coldkey_unlocked=wallet.unlocked,
        watch_only=wallet.watch_only or wallet.coldkey_address is None,
        selected=ref.hotkey if ref is not None else None,
    )
    request = await screen.app.push_screen_wait(modal)
    if request is None:
        return

    def finished(signed: SignedMessage) -> None:
        screen.done(f"Signed by {signed.address}: {signed.signature}")
        screen.app.push_screen(SignatureModal(signed))

    screen.start(
        "Sign",
        "Signing…" if request.hotkey else "Unlocking the coldkey and signing (~3 s)…",
        lambda: screen.service.sign(wallet.name, request.message, hotkey=request.hotkey, password=request.password),
        finished,
    )


async def verify_flow(screen: WalletsScreen) -> None:
    """Check a signature; the result goes to the status line and a notification."""
    request = await screen.app.push_screen_wait(VerifyModal(screen.selected_address() or ""))
    if request is None:
        return

    def finished(result: VerifyResult) -> None:
        if result.valid:
            screen.done(f"Signature is VALID for {result.address}.")
        else:
            screen.status = f"Signature is NOT valid for {result.address}."
            screen.notify(screen.status, severity="error")

    screen.start(
        "Verify",
        "Verifying…",
        lambda: screen.service.verify(request.address, request.message, request.signature),
        finished,
    )
