"""PoW registration for the CLI and the TUI: check, solve on all cores, submit `register`, retry if stale.

The chain wants the extrinsic signed by the hotkey being registered (`TransactorAccountShouldBeHotKey`)
and, since August 2025, the hotkey pays the transaction fee, so the hotkey needs a little free TAO.
"""

from __future__ import annotations

import logging
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from node.client.extrinsic import ExternalSigner, fee_probe_extrinsic
from node.pow.solver import PowJob, PowSolution, PowSolver, SolverProgress
from tao_wallet.models import TxStatusView
from tao_wallet.services.chain import ChainService, chain_errors, decode_address, encode_address, rao_to_tao
from tao_wallet.services.errors import WalletError
from tao_wallet.services.network_stats import account_key
from tao_wallet.services.tx import TxRunner

if TYPE_CHECKING:
    from tao_wallet.services.wallets import WalletService

logger = logging.getLogger(__name__)

__all__ = ["PowRegisterCheck", "PowRegisterResult", "PowRegisterService", "PowSolution", "SolverProgress",
           "hotkey_signer"]

S = "SubtensorModule"
MAX_ATTEMPTS = 3
"""Solve-and-submit rounds before giving up when the chain keeps calling the work stale."""


@dataclass(frozen=True)
class PowRegisterCheck:
    """What the chain says before solving: can this hotkey PoW-register on this subnet, and at what work."""

    netuid: int
    hotkey: str
    coldkey: str
    difficulty: int
    block_number: int
    fee: Decimal
    hotkey_free: Decimal
    problems: tuple[str, ...]
    """Empty when registration can go ahead; otherwise plain-language reasons."""


@dataclass(frozen=True)
class PowRegisterResult:
    """Outcome of `register`: the solution that was submitted and the transaction's final status."""

    netuid: int
    hotkey: str
    solution: PowSolution
    status: TxStatusView
    attempts: int
    uid: int | None


def _netuid_key(netuid: int) -> bytes:
    if not 0 <= netuid <= 0xFFFF:
        raise WalletError("invalid_netuid", f"netuid must be between 0 and 65535, not {netuid}")
    return struct.pack("<H", netuid)


def hotkey_signer(wallets: WalletService, name: str, hotkey: str, password: str | None = None) -> ExternalSigner:
    """A signer for a wallet's hotkey (hotkeys are usually unencrypted; a password unlocks one that is not).

    Raises:
        WalletError: wallet/hotkey not found, password_required, wrong_password.
    """
    return wallets.signer(name, hotkey=hotkey, password=password)


class PowRegisterService:
    """Proof-of-work registration on one network.

    Args:
        chain: the network connection.
        runner: signs and follows the `register` extrinsic (default: a TxRunner on `chain`).
        processes: solver worker processes (default: all cores).
    """

    def __init__(self, chain: ChainService, runner: TxRunner | None = None, processes: int | None = None) -> None:
        self.chain = chain
        self.runner = runner or TxRunner(chain)
        self.processes = processes

    def job_source(self, netuid: int) -> Callable[[], PowJob]:
        """Reads the best block and the subnet's Difficulty at it (the solver polls this)."""
        key = _netuid_key(netuid)
        client = self.chain.client

        def fetch() -> PowJob:
            best = client.best_block()
            difficulty = int(client.storage(S, "Difficulty", key, at=best.hash))
            return PowJob(best.number, best.hash, difficulty)

        return fetch

    def _call(self, netuid: int, solution: PowSolution, hotkey: bytes, coldkey: bytes) -> bytes:
        runtime = self.chain.client.runtime()
        return runtime.compose_call(S, "register", {
            "netuid": netuid, "block_number": solution.block_number, "nonce": solution.nonce,
            "work": "0x" + solution.seal.hex(), "hotkey": "0x" + hotkey.hex(), "coldkey": "0x" + coldkey.hex()})

    def check(self, netuid: int, hotkey: str, coldkey: str) -> PowRegisterCheck:
        """Everything that would make the chain refuse, found before minutes of hashing."""
        hk, ck = decode_address(hotkey), decode_address(coldkey)
        key = _netuid_key(netuid)
        problems: list[str] = []
        with chain_errors():
            client = self.chain.client
            best = client.best_block()
            exists = bool(client.storage(S, "NetworksAdded", key, at=best.hash))
            difficulty = int(client.storage(S, "Difficulty", key, at=best.hash))
            if netuid == 0:
                problems.append("the root network (netuid 0) does not take PoW registrations")
            elif not exists:
                problems.append(f"subnet {netuid} does not exist")
            else:
                if not client.storage(S, "NetworkPowRegistrationAllowed", key, at=best.hash):
                    problems.append(f"subnet {netuid} does not allow PoW registration")
                if client.storage(S, "Uids", key, hk, at=best.hash) is not None:
                    problems.append(f"hotkey {hotkey} is already registered on subnet {netuid}")
                owner = account_key(client.storage(S, "Owner", hk, at=best.hash))
                if owner not in (bytes(32), ck):
                    problems.append(f"hotkey {hotkey} belongs to another coldkey ({encode_address(owner)})")
            placeholder = PowSolution(best.number, best.hash, 0, bytes(32), difficulty)
            runtime = client.runtime()
            call = self._call(netuid, placeholder, hk, ck)
            ctx = client.signing_context(client.next_nonce(hk))
            fee = client.query_fee(fee_probe_extrinsic(runtime, call, ctx, hk)).partial_fee
            free = client.account(hk).free
            ed = client.existential_deposit()
        if free - fee < ed:
            problems.append(f"the hotkey pays the fee: it holds {rao_to_tao(free)} TAO but needs at least "
                            f"{rao_to_tao(fee + ed)} TAO (fee + existential deposit); transfer some TAO to it first")
        return PowRegisterCheck(netuid, encode_address(hk), encode_address(ck), difficulty, best.number,
                                rao_to_tao(fee), rao_to_tao(free), tuple(problems))

    def solve(self, netuid: int, hotkey: bytes, *, cancel: threading.Event | None = None,
              on_progress: Callable[[SolverProgress], None] | None = None,
              timeout: float | None = None) -> PowSolution | None:
        """Find a seal for the subnet's current difficulty on all cores; None when cancelled or timed out."""
        solver = PowSolver(hotkey, self.job_source(netuid), processes=self.processes)
        with chain_errors():
            return solver.solve(cancel=cancel, on_progress=on_progress, timeout=timeout)

    def submit(self, netuid: int, solution: PowSolution, signer: ExternalSigner, coldkey: bytes, *,
               on_status: Callable[[TxStatusView], None] | None = None, wait_for: str = "in_block") -> TxStatusView:
        """Sign `register` with the hotkey and follow it to `wait_for`."""
        with chain_errors():
            call = self._call(netuid, solution, signer.public_key, coldkey)
        return self.runner.sign_and_submit(call, signer, on_status=on_status, wait_for=wait_for)

    def register(self, netuid: int, signer: ExternalSigner, coldkey: str, *, cancel: threading.Event | None = None,
                 on_progress: Callable[[SolverProgress], None] | None = None,
                 on_status: Callable[[TxStatusView], None] | None = None,
                 wait_for: str = "in_block") -> PowRegisterResult | None:
        """Check, solve, submit; solve again (up to MAX_ATTEMPTS) if the chain says the work went stale.

        Returns:
            The result, or None when cancelled.

        Raises:
            WalletError: pow_not_possible (with the reasons), registration_failed (the chain's error), ...
        """
        hotkey = encode_address(signer.public_key)
        ck = decode_address(coldkey)
        found = self.check(netuid, hotkey, coldkey)
        if found.problems:
            raise WalletError("pow_not_possible", "; ".join(found.problems))
        status: TxStatusView | None = None
        for attempt in range(1, MAX_ATTEMPTS + 1):
            solution = self.solve(netuid, signer.public_key, cancel=cancel, on_progress=on_progress)
            if solution is None:
                return None
            status = self.submit(netuid, solution, signer, ck, on_status=on_status, wait_for=wait_for)
            if status.success:
                return PowRegisterResult(netuid, hotkey, solution, status, attempt, self._uid(netuid, signer.public_key))
            if not (status.error or "").startswith(f"{S}.InvalidWorkBlock"):
                raise WalletError("registration_failed", status.error or status.detail)
            logger.info("work for block %d went stale before inclusion; solving again", solution.block_number)
        assert status is not None
        raise WalletError("registration_failed", f"the work went stale {MAX_ATTEMPTS} times: {status.error}")

    def _uid(self, netuid: int, hotkey: bytes) -> int | None:
        with chain_errors():
            uid = self.chain.client.storage(S, "Uids", _netuid_key(netuid), hotkey)
        return None if uid is None else int(uid)
