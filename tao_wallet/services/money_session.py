"""One network session for the money screens: the chain connection and every service built on it.

The app builds one (or tests pass their own) and hands it to the screens, which then never see a
connection, a keypair or a keyfile: they get models, PreparedTx previews and status views.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Any

from node.client.extrinsic import ExternalSigner
from tao_wallet.models import TxStatusView
from tao_wallet.services.chain import ChainService
from tao_wallet.services.errors import WalletError
from tao_wallet.services.portfolio import PortfolioService
from tao_wallet.services.registration import RegistrationService
from tao_wallet.services.runtime_api import RuntimeApi
from tao_wallet.services.staking import StakingService
from tao_wallet.services.subnets import SubnetService
from tao_wallet.services.transfers import TransferService
from tao_wallet.services.tx import (
    PendingStore,
    PendingTxView,
    TxRunner,
    check_unsigned,
    sign_unsigned,
    submit_signed,
    wallet_signer,
)
from tao_wallet.services.validators import ValidatorService
from tao_wallet.services.wallets import WalletService

logger = logging.getLogger(__name__)


class MoneySession:
    """Services for one network and one wallet directory.

    Args:
        network: profile name or ws/wss URL.
        wallets: the wallet service (for addresses and signing).
        chain: inject a ready ChainService (tests).
        pending: where unresolved transactions are kept.
    """

    def __init__(self, network: str, wallets: WalletService, *, chain: ChainService | None = None,
                 pending: PendingStore | None = None) -> None:
        self.network = network
        self.wallets = wallets
        self.chain = chain or ChainService(network)
        self.runner = TxRunner(self.chain, pending)
        self.api = RuntimeApi(self.chain.client)
        self._recheck_lock = threading.Lock()
        self._checked: dict[str, PendingTxView] = {}

    @cached_property
    def staking(self) -> StakingService:
        """Stake/unstake/move/swap/transfer stake."""
        return StakingService(self.chain, self.runner)

    @cached_property
    def portfolio(self) -> PortfolioService:
        """Balances and positions."""
        return PortfolioService(self.chain, self.api)

    @cached_property
    def validators(self) -> ValidatorService:
        """Delegates."""
        return ValidatorService(self.chain, self.api)

    @cached_property
    def subnets(self) -> SubnetService:
        """Subnets and metagraphs."""
        return SubnetService(self.chain, self.api)

    @cached_property
    def registration(self) -> RegistrationService:
        """Registration and take."""
        return RegistrationService(self.chain, self.runner, self.api)

    @cached_property
    def transfers(self) -> TransferService:
        """TAO transfers."""
        return TransferService(self.chain, runner=self.runner)

    def coldkey_address(self, wallet: str) -> str:
        """SS58 of a wallet's coldkey.

        Raises:
            WalletError: "no_coldkey".
        """
        summary = self.wallets.get(wallet)
        if summary.coldkey_address is None:
            raise WalletError("no_coldkey", f"wallet {wallet!r} has no coldkey")
        return str(summary.coldkey_address)

    def signer(self, wallet: str, password: str | None) -> ExternalSigner:
        """Unlock the wallet's coldkey for one transaction (argon2 for encrypted keys: seconds)."""
        return wallet_signer(self.wallets, wallet, password or None)

    def send(self, service: Any, prepared: Any, wallet: str, password: str | None,
             on_status: Callable[[TxStatusView], None] | None = None) -> TxStatusView:
        """Sign `prepared` with the wallet and submit it through `service` (Staking/Registration/Transfer)."""
        signer = self.signer(wallet, password)
        return service.send(prepared, signer, on_status=on_status)  # type: ignore[no-any-return]

    # --- pending transactions (a lost connection never loses their state) ----------------------------

    def pending(self) -> list[PendingTxView]:
        """Transactions of this network whose outcome is unknown (last known state from disk), then those a
        re-check resolved during this session (found in block #N, finalized, dropped...). No network."""
        stored = self.runner.pending_views()
        known = {v.tx_hash for v in stored}
        with self._recheck_lock:  # a re-check's answer (e.g. whether resending is safe) beats the stored state
            waiting = [self._checked.get(v.tx_hash, v) for v in stored]
            done = [v for h, v in self._checked.items() if h not in known and v.resolved]
        return waiting + done

    def has_pending(self) -> bool:
        """Whether any transaction of this network waits for a re-check (reads the pending directory)."""
        return bool(self.runner.pending_views())

    def recheck_pending(self, tx_hash: str | None = None, *, resend: bool = False) -> list[PendingTxView]:
        """Re-check pending transactions (all, or `tx_hash`) against the chain; one re-check at a time.

        Args:
            resend: re-send the identical signed bytes of one found nowhere, only if its nonce is unused.
        """
        with self._recheck_lock:
            views = self.runner.recheck(tx_hash, resend=resend)
            for view in views:
                self._checked[view.tx_hash] = view
        return views

    def faucet(self, address: str, tao: int = 100) -> None:
        """Mint `tao` TAO to `address` on a localnet (its dev_fund method); other networks refuse.

        Raises:
            WalletError: "faucet_unavailable" when the node has no faucet (not a localnet).
        """
        from tao_wallet.services.chain import chain_errors, decode_address, encode_address

        address = encode_address(decode_address(address))
        try:
            with chain_errors():
                self.chain.client.rpc("dev_fund", [address, str(tao * 10**9)])
        except WalletError as exc:
            raise WalletError("faucet_unavailable", f"this network has no faucet (only the localnet does): "
                              f"{exc.message}") from None

    # --- offline signing via files ------------------------------------------------------------------

    def sign_file(self, unsigned: Path, signed: Path, wallet: str, password: str | None) -> str:
        """Sign an unsigned document (no network) and write the signed one; returns the decoded call."""
        doc = _read(unsigned)
        checked = check_unsigned(doc)
        signed_doc = sign_unsigned(checked, self.signer(wallet, password))
        signed.write_text(json.dumps(signed_doc, indent=2))
        return checked.call.summary()

    def describe_file(self, unsigned: Path) -> str:
        """The decoded call and summary of an unsigned document (checked offline), to confirm before signing."""
        doc = _read(unsigned)
        checked = check_unsigned(doc)
        return f"{checked.call.summary()}\n{doc.get('summary', '')}\nsigner {doc.get('signer')}, nonce {doc.get('nonce')}"

    def submit_file(self, signed: Path, on_status: Callable[[TxStatusView], None] | None = None) -> TxStatusView:
        """Submit a signed document."""
        return submit_signed(self.runner, _read(signed), on_status=on_status)

    def close(self) -> None:
        """Close connections."""
        self.runner.close()
        self.chain.close()


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise WalletError("file_not_found", f"{path} does not exist") from None
    except (OSError, ValueError) as exc:
        raise WalletError("invalid_document", f"cannot read {path}: {exc}") from None
