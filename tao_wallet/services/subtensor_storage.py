"""Plain SubtensorModule storage reads shared by the services that browse chain state.

The runtime APIs do not carry every item the browsers show (Burn, SubnetworkN, ValidatorTrust, ...);
these two helpers read such items through the same `RuntimeApi` and map chain failures to WalletError.
"""

from __future__ import annotations

from typing import Any

from tao_wallet.services.chain import chain_errors
from tao_wallet.services.runtime_api import RuntimeApi, num, unwrap

SUBTENSOR_PALLET = "SubtensorModule"


class SubtensorStorageReads:
    """Mixin for services holding a `RuntimeApi` as `self.api`: one-item SubtensorModule reads."""

    api: RuntimeApi

    def _storage(self, item: str, *keys: bytes, default: Any = None) -> Any:
        with chain_errors():
            return unwrap(self.api.storage(SUBTENSOR_PALLET, item, *keys, default=default))

    def _vec(self, item: str, *keys: bytes) -> list[int]:
        with chain_errors():
            return [num(v) for v in self.api.storage(SUBTENSOR_PALLET, item, *keys, default=())]
