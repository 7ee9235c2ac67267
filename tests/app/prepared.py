"""Prepared wallet directories shared by the app and CLI tests (built once per session: argon2 is slow).

Keys come from fixed mnemonics so addresses (and snapshots) are deterministic. Expected addresses are
computed with the official bittensor-wallet package, an oracle independent of our keystore.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from bittensor_wallet import Keypair as BtKeypair

from tao_wallet.services.wallets import WalletService

PASSWORD = "correct horse battery"
ALICE_COLD = "bottom drive obey lake curtain smoke basket hold race lonely fit walk"
ALICE_HOT = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
BOB_COLD = "legal winner thank year wave sausage worth useful legal winner thank yellow"
BOB_HOT = "letter advice cage absurd amount doctor acoustic avoid letter advice cage above"
WATCH = "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong"


def address_of(mnemonic: str) -> str:
    """sr25519 address of ``mnemonic`` per bittensor-wallet."""
    return str(BtKeypair.create_from_mnemonic(mnemonic).ss58_address)


@dataclass(frozen=True)
class Prepared:
    """Addresses of the prepared wallets: alice (encrypted, hotkey default), bob (plaintext, hotkey miner),
    watch (watch-only)."""

    root: Path
    alice: str = address_of(ALICE_COLD)
    alice_hot: str = address_of(ALICE_HOT)
    bob: str = address_of(BOB_COLD)
    bob_hot: str = address_of(BOB_HOT)
    watch: str = address_of(WATCH)


def build(root: Path) -> Prepared:
    """Write the three wallets under ``root`` with our service (one argon2 run, for alice)."""
    prepared = Prepared(root)
    service = WalletService(root)
    service.import_mnemonic("alice", ALICE_COLD, PASSWORD)
    service.regen_hotkey("alice", "default", mnemonic=ALICE_HOT)
    service.import_mnemonic("bob", BOB_COLD, None)
    service.regen_hotkey("bob", "miner", mnemonic=BOB_HOT)
    service.import_watch_only("watch", prepared.watch)
    return prepared


def copy_to(prepared: Prepared, target: Path) -> Prepared:
    """A private copy for one test (tests may modify, corrupt or re-encrypt it)."""
    shutil.copytree(prepared.root, target)
    return Prepared(target)
