"""Regenerate docs/screenshot.svg from the real app (demo wallets from public test mnemonics).

Usage: .venv/bin/python docs/screenshot.py
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

DEMO = {  # well-known BIP39 test vectors: never use them for real funds
    "alice": "bottom drive obey lake curtain smoke basket hold race lonely fit walk",
    "bob": "legal winner thank year wave sausage worth useful legal winner thank yellow",
}
HOTKEY = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
OUT = Path(__file__).resolve().parent / "screenshot.svg"


async def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="tao-wallet-shot-"))
    os.environ["HOME"] = str(home)
    from tao_wallet.app import TaoWalletApp
    from tao_wallet.config import AppConfig
    from tao_wallet.services.wallets import WalletService

    root = home / ".bittensor" / "wallets"
    service = WalletService(root)
    service.import_mnemonic("alice", DEMO["alice"], "demo password")
    service.regen_hotkey("alice", "default", mnemonic=HOTKEY)
    service.import_mnemonic("bob", DEMO["bob"], None)
    service.create_hotkey("bob", "miner")
    service.import_watch_only("treasury", "5Hq3Cveh6yM1Do6ijhATJ8y9rzk6sSkuuuUwQF5k5ChLqodv")
    app = TaoWalletApp(service, AppConfig(wallet_path=root))
    async with app.run_test(size=(110, 30)) as pilot:
        for _ in range(3):
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
        await pilot.press("down", "down")
        await pilot.pause()
        app.save_screenshot(filename=OUT.name, path=str(OUT.parent))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    asyncio.run(main())
