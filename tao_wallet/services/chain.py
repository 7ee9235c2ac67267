"""ChainService: one network connection for the CLI and the TUI, and chain facts as models.

Amounts cross this boundary as Decimal TAO (models) and int rao (node); conversions live here.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from decimal import Decimal

from node.client.client import AccountBalance, BlockRef, ChainClient
from node.client.errors import ChainClientError, NoEndpointError
from node.client.runtime import Runtime, RuntimeMetadataError
from tao_wallet.models import AccountBalanceView, ChainHeadView
from tao_wallet.network import NetworkProfile, resolve_network
from tao_wallet.services.errors import WalletError

logger = logging.getLogger(__name__)

RAO_PER_TAO = 10**9
TAO_DECIMALS = 9


def rao_to_tao(rao: int) -> Decimal:
    """Exact Decimal TAO from int rao."""
    return Decimal(rao).scaleb(-TAO_DECIMALS)


def tao_to_rao(tao: Decimal) -> int:
    """Exact int rao from Decimal TAO (callers validate the 9-decimal limit first)."""
    return int(tao.scaleb(TAO_DECIMALS).to_integral_exact())


def tao_str(amount: Decimal) -> str:
    """`1.5`, `0.000000001`, `10`: plain digits, no exponent, trailing zeros trimmed."""
    text = f"{amount:.9f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_tao(amount: Decimal) -> str:
    """`1.5 TAO`, `0.000000001 TAO`."""
    return f"{tao_str(amount)} TAO"


def decode_address(address: str) -> bytes:
    """32-byte public key of an SS58 address (Bittensor prefix 42), checksum verified.

    Raises:
        WalletError: "invalid_address" naming what is wrong (bad characters, checksum, prefix).
    """
    from keystore.errors import KeystoreError
    from keystore.ss58 import ss58_decode

    try:
        return ss58_decode(address.strip(), 42)
    except KeystoreError as exc:
        raise WalletError("invalid_address", f"{address.strip()!r} is not a valid address: {exc}") from None


def encode_address(public_key: bytes) -> str:
    """SS58 (prefix 42) of a public key."""
    from keystore.ss58 import ss58_encode

    return ss58_encode(public_key, 42)


@contextlib.contextmanager
def chain_errors() -> Iterator[None]:
    """Turn chain-client errors into WalletError with a stable code."""
    try:
        yield
    except WalletError:
        raise
    except NoEndpointError as exc:
        raise WalletError("network_unreachable", str(exc)) from None
    except RuntimeMetadataError as exc:
        raise WalletError("runtime_mismatch", str(exc)) from None
    except ChainClientError as exc:
        raise WalletError("chain_error", str(exc)) from None


class ChainService:
    """A lazily connected client for one network profile.

    Args:
        network: a profile name or ws/wss URL (see `tao_wallet.network`).
        client: inject a ready client (tests); by default one is built from the profile's URLs.
    """

    def __init__(self, network: str | NetworkProfile = "local", *, client: ChainClient | None = None,
                 timeout: float = 10.0) -> None:
        self.profile = resolve_network(network) if isinstance(network, str) else network
        self._client = client or ChainClient(self.profile.urls, timeout=timeout)

    @property
    def client(self) -> ChainClient:
        """The underlying chain client (connects on first request)."""
        return self._client

    def close(self) -> None:
        """Close the connection."""
        self._client.close()

    def runtime(self) -> Runtime:
        """The connected chain's runtime."""
        with chain_errors():
            return self._client.runtime()

    def head(self) -> tuple[BlockRef, BlockRef, float | None]:
        """(best, finalized, latency ms) for the header line."""
        with chain_errors():
            best = self._client.best_block()
            finalized = self._client.finalized_block()
            return best, finalized, self._client.ping()

    def account(self, public_key: bytes) -> AccountBalance:
        """Raw balance (rao) of an account."""
        with chain_errors():
            return self._client.account(public_key)

    def balance(self, address: str) -> AccountBalanceView:
        """Free/reserved/frozen TAO of an address at the best block."""
        key = decode_address(address)
        with chain_errors():
            best = self._client.best_block()
            acc = self._client.account(key, at=best.hash)
        return AccountBalanceView(
            address=encode_address(key), free=rao_to_tao(acc.free), reserved=rao_to_tao(acc.reserved),
            frozen=rao_to_tao(acc.frozen), free_rao=acc.free, reserved_rao=acc.reserved,
            block_number=best.number, network=self.profile.name,
        )

    def existential_deposit(self) -> int:
        """Balances.ExistentialDeposit in rao."""
        with chain_errors():
            return self._client.existential_deposit()

    def follow_heads(self, on_update: Callable[[ChainHeadView], None], stop: threading.Event, *,
                     interval: float = 1.0, backoff_max: float = 8.0) -> None:
        """Report best/finalized/latency changes until `stop` is set, reconnecting with backoff (blocks:
        run it in a thread worker). Uses its own connection so it never waits behind other requests."""
        from node.client.heads import ChainHead, follow_heads

        main = self._client
        client = ChainClient(main.urls, timeout=main.timeout, max_rounds=1)

        def report(head: ChainHead) -> None:
            on_update(ChainHeadView(
                network=self.profile.name, connected=head.connected, url=head.url,
                best_number=None if head.best is None else head.best.number,
                finalized_number=None if head.finalized is None else head.finalized.number,
                latency_ms=head.latency_ms, error=head.error,
            ))

        try:
            follow_heads(client, report, stop, interval=interval, backoff_max=backoff_max)
        finally:
            client.close()
