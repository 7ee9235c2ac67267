"""Plain SubtensorModule storage reads shared by the services that browse chain state.

The runtime APIs do not carry every item the browsers show (Burn, SubnetworkN, ValidatorTrust, ...);
these two helpers read such items through the same `RuntimeApi` and map chain failures to WalletError.
Fixed-width values (u16/u64 scalars and vectors, the common case) are decoded directly: a bt-decode call
copies the whole type registry (~2 ms), which adds up over the dozens of reads a validator listing makes.
"""

from __future__ import annotations

from typing import Any

from tao_wallet.services.chain import chain_errors
from tao_wallet.services.runtime_api import RuntimeApi, fixed_vector, num, unwrap

SUBTENSOR_PALLET = "SubtensorModule"


class SubtensorStorageReads:
    """Mixin for services holding a `RuntimeApi` as `self.api`: one-item SubtensorModule reads."""

    api: RuntimeApi

    def _storage(self, item: str, *keys: bytes, default: Any = None) -> Any:
        with chain_errors():
            entry, raw = self.api.storage_raw(SUBTENSOR_PALLET, item, *keys)
            if raw is None:
                return unwrap(default)
            return self.api.scalar(entry.value_type, raw)

    def _vec(self, item: str, *keys: bytes) -> list[int]:
        with chain_errors():
            entry, raw = self.api.storage_raw(SUBTENSOR_PALLET, item, *keys)
            if raw is None:
                return []
            code = self.api.vector_dtype(entry.value_type)
            if code is not None:
                try:
                    return fixed_vector(raw, code)
                except ValueError:
                    pass  # not the shape the metadata promised: let bt-decode report it
            return [num(v) for v in self.api.decode(entry.value_type, raw)]
