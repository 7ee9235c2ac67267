"""The Chain facade: blocks, state, pool and runtime behind one lock (the RPC server's only dependency).

Queries (headers, blocks, storage at any kept block, keys paging, read proofs, runtime APIs), the
transaction pool and listeners live here; block production is in :mod:`node.localnet.production`.
Finality trails the best block by `finality_lag`; `reorg` (node.localnet.fork) abandons unfinalized
blocks for a longer competing branch, and the abandoned ("side") blocks stay queryable by hash.
"""

from __future__ import annotations

import logging
import struct
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from node.localnet.events import ChainEvent, ExtrinsicReady
from node.localnet.fork import Reorganisation, ReorgError, ReorgResult, SideBackend
from node.localnet.genesis import GenesisConfig
from node.localnet.grandpa import GRANDPA_ENGINE, DevGrandpaVoter
from node.localnet.hashing import compact, decode_compact
from node.localnet.header import Header
from node.localnet.metadata import load_metadata
from node.localnet.pool import TxPool
from node.localnet.runtime import (
    ApiContext,
    DictBackend,
    InvalidTransaction,
    Runtime,
    State,
    build_base_runtime,
)
from node.localnet.store import ChainStore, StatePrunedError
from node.trie import SqliteNodePruner, Trie, ordered_trie_root

log = logging.getLogger(__name__)

Installer = Callable[[Runtime], None]

__all__ = ["Chain", "InvalidTransaction", "ReorgError", "ReorgResult", "StatePrunedError", "SubmitResult",
           "UnknownBlockError", "UnknownRuntimeApiError"]


class UnknownBlockError(LookupError):
    """A block hash that this chain does not know."""


class UnknownRuntimeApiError(LookupError):
    """state_call of a runtime API method this runtime does not provide (Substrate's wording)."""


@dataclass(frozen=True)
class SubmitResult:
    """Outcome of pooling a transaction.

    Attributes:
        tx_hash: blake2-256 of the extrinsic.
        ready: True if it can go into the next block; False if it waits for an earlier nonce
            ("future"); an ExtrinsicReady event follows when the gap is filled.
    """

    tx_hash: bytes
    ready: bool


class _HistoricalBackend:
    """State at a past block, read from the versioned kv table."""

    def __init__(self, store: ChainStore, number: int) -> None:
        self.store = store
        self.number = number

    def get(self, key: bytes) -> bytes | None:
        return self.store.get_at(key, self.number)

    def keys_from(self, prefix: bytes, start: bytes | None = None) -> Iterator[bytes]:
        return self.store.iter_keys_at(prefix, self.number, start)


class Chain(Reorganisation):
    """A local Substrate-compatible chain. Thread-safe: every public method takes the chain lock.

    Args:
        db_path: SQLite file (created if missing; a restarted Chain continues from it) or None (throwaway).
        genesis: genesis configuration (dev accounts funded, //Alice sudo by default).
        finality_lag: how many blocks finality trails the best block.
        keep_blocks: keep historical state of this many recent blocks (None = archive: keep all). Older
            states (flat history and trie nodes) are pruned every 64 blocks in the block's transaction;
            reading or proving them raises StatePrunedError. Trie nodes written while the database ran
            in archive mode are never pruned (their references were not counted).
        installers: functions adding pallets / runtime APIs to the runtime (e.g. subtensor's).
    """

    def __init__(self, db_path: Path | None, *, genesis: GenesisConfig | None = None, finality_lag: int = 0,
                 keep_blocks: int | None = None, installers: Iterable[Installer] = ()) -> None:
        self._lock = threading.RLock()
        self.md = load_metadata()
        self.metadata: bytes = self.md.raw
        self.runtime = build_base_runtime(self.md)
        for install in installers:
            install(self.runtime)
        self.genesis_config = genesis or GenesisConfig()
        self.finality_lag = max(0, finality_lag)
        self.keep_blocks = keep_blocks
        self.store = ChainStore(db_path)
        self.pruner = None if keep_blocks is None else SqliteNodePruner(self.store.conn, self.store.nodes)
        self.pool = TxPool()
        self._listeners: list[Callable[[ChainEvent], None]] = []
        self._hash_to_number: dict[bytes, int] = {}
        self._number_to_hash: list[bytes] = []
        self._pending_mints: list[tuple[bytes, int]] = []
        self._unfinalized_txs: dict[int, list[bytes]] = {}
        self._unfinalized_mints: dict[int, list[tuple[bytes, int]]] = {}
        self._side: dict[bytes, int] = {}
        """Blocks abandoned by reorgs: hash -> number (details in the store's side tables)."""
        self.runtime.block_hash_of = self._block_hash_for_runtime
        if self.store.best_number() is None:
            self._build_genesis()
        self._load()

    # ---- setup ---------------------------------------------------------------------------------

    def _build_genesis(self) -> None:
        state = State(self.md, DictBackend())
        for pallet in self.runtime.hooks_order():
            pallet.build_genesis(state, self.genesis_config)
        changes = {k: v for k, v in state.changes().items() if v is not None}
        trie = Trie(self.store.nodes)
        self.store.begin()
        try:
            for k, v in changes.items():
                trie.set(k, v)
            root = trie.commit()
            if self.pruner is not None:
                self.pruner.record(0, trie.last_delta)
            header = Header(b"\x00" * 32, 0, root, ordered_trie_root([]), ())
            ts = self.genesis_config.timestamp_ms or int(time.time() * 1000)
            self.store.put_block(0, header.hash(), header.encode(), compact(0), dict(changes))
            self.store.set_meta("genesis_time_ms", str(ts).encode())
            self.store.set_meta("finalized", b"0")
            self.store.set_meta("chain_name", self.genesis_config.chain_name.encode())
            self.store.commit()
        except BaseException:
            self.store.rollback()
            raise

    def _load(self) -> None:
        for number, block_hash in self.store.block_hashes():
            self._hash_to_number[block_hash] = number
            self._number_to_hash.append(block_hash)
        self._side = dict(self.store.side_hashes())
        self.genesis_hash: bytes = self._number_to_hash[0]
        self.runtime.genesis_hash = self.genesis_hash
        self.chain_name: str = (self.store.meta("chain_name") or b"Bittensor Localnet").decode()
        self.properties: dict[str, Any] = {"ss58Format": int(self.md.constant("System", "SS58Prefix")),
                                           "tokenDecimals": 9, "tokenSymbol": "TAO"}
        self.latest = DictBackend(self.store.load_latest())
        best = self._number_to_hash[-1]
        self._best_header = self._header_at(len(self._number_to_hash) - 1)
        self.best_hash: bytes = best
        self.trie = Trie(self.store.nodes, self._best_header.state_root)
        self.finalized_number = int(self.store.meta("finalized") or b"0")
        self._last_ts = int((self.latest.get(self._state_key("Timestamp", "Now")) and struct.unpack(
            "<Q", self.latest.get(self._state_key("Timestamp", "Now")) or bytes(8))[0]) or 0)
        if self._last_ts == 0:
            self._last_ts = int(self.store.meta("genesis_time_ms") or b"0")

    def _state_key(self, pallet: str, item: str, *keys: Any) -> bytes:
        return State(self.md, self.latest).key(pallet, item, *keys)

    # ---- identity ------------------------------------------------------------------------------

    def runtime_version(self) -> dict[str, Any]:
        """state_getRuntimeVersion JSON (from the metadata's System.Version constant)."""
        v = self.md.version
        return {
            "specName": v["spec_name"], "implName": v["impl_name"], "authoringVersion": v["authoring_version"],
            "specVersion": v["spec_version"], "implVersion": v["impl_version"],
            "apis": [[api_id, ver] for api_id, ver in v["apis"]],
            "transactionVersion": v["transaction_version"],
            # sp_version serialises `systemVersion` (older nodes: `stateVersion`); serve both spellings
            "systemVersion": v.get("system_version", 1), "stateVersion": v.get("system_version", 1),
        }

    def justifications(self, block_hash: bytes) -> list[tuple[bytes, bytes]] | None:
        """[(b"FRNK", GRANDPA justification)] of a finalized canonical block after genesis, signed by the
        dev authority; None for other blocks, or if the chain's GRANDPA authorities are not just it."""
        with self._lock:
            number = self._hash_to_number.get(bytes(block_hash))
            if number is None or not 0 < number <= self.finalized_number:
                return None
            voter = DevGrandpaVoter()
            authorities = self.latest.get(self._state_key("Grandpa", "Authorities"))
            if authorities != compact(1) + voter.public + struct.pack("<Q", 1):
                return None
            raw_set_id = self.latest.get(self._state_key("Grandpa", "CurrentSetId"))
            set_id = struct.unpack("<Q", raw_set_id)[0] if raw_set_id else 0
            return [(GRANDPA_ENGINE, voter.justify(bytes(block_hash), number, set_id))]

    @property
    def finalized_hash(self) -> bytes:
        """Hash of the last finalized block."""
        return self._number_to_hash[self.finalized_number]

    # ---- block queries -------------------------------------------------------------------------

    def block_hash(self, number: int) -> bytes | None:
        """Hash of block `number` or None."""
        with self._lock:
            return self._number_to_hash[number] if 0 <= number < len(self._number_to_hash) else None

    def block_number(self, block_hash: bytes) -> int | None:
        """Number of a known block hash, else None."""
        with self._lock:
            return self._hash_to_number.get(bytes(block_hash))

    def _block_hash_for_runtime(self, number: int) -> bytes | None:
        return self._number_to_hash[number] if 0 <= number < len(self._number_to_hash) else None

    def _header_at(self, number: int) -> Header:
        row = self.store.block_by_number(number)
        assert row is not None
        return Header.decode(row[1])

    def header(self, block_hash: bytes) -> Header | None:
        """Header of a known block (canonical, or abandoned by a reorg) or None."""
        with self._lock:
            number = self._hash_to_number.get(bytes(block_hash))
            return self._side_header(bytes(block_hash)) if number is None else self._header_at(number)

    def block(self, block_hash: bytes) -> tuple[Header, list[bytes]] | None:
        """(header, extrinsics as SCALE bytes) of a known block or None (also for a side block whose
        body was discarded)."""
        with self._lock:
            number = self._hash_to_number.get(bytes(block_hash))
            if number is None:
                side = self._side_body(bytes(block_hash))
                if side is None or side[1] is None:
                    return None
                return side[0], split_body(side[1])
            row = self.store.block_by_number(number)
            assert row is not None
            return Header.decode(row[1]), split_body(row[2])

    # ---- state queries -------------------------------------------------------------------------

    def _view(self, at: bytes | None) -> tuple[int, bytes, DictBackend | _HistoricalBackend | SideBackend]:
        """(number, hash, state backend) of block `at` (best if None), canonical or side.

        Raises:
            UnknownBlockError: unknown `at`. StatePrunedError: its state is pruned or discarded.
        """
        if at is None:
            return self.best_number, self.best_hash, self.latest
        at = bytes(at)
        number = self._hash_to_number.get(at)
        if number is None:
            side = self._side_backend(at) if at in self._side else None
            if side is None:
                raise UnknownBlockError(f"unknown block 0x{at.hex()}")
            return side.number, at, side
        return number, at, self._backend_at(number)

    def _backend_at(self, number: int) -> DictBackend | _HistoricalBackend:
        if number == self.best_number:
            return self.latest
        self.store.check_kept(number)
        return _HistoricalBackend(self.store, number)

    def storage(self, key: bytes, at: bytes | None = None) -> bytes | None:
        """Raw storage value at block `at` (best if None).

        Raises:
            UnknownBlockError: unknown `at`. StatePrunedError: `at` is older than the pruning window.
        """
        with self._lock:
            return self._view(at)[2].get(bytes(key))

    def keys_paged(self, prefix: bytes, count: int, start_key: bytes | None, at: bytes | None) -> list[bytes]:
        """Up to `count` keys with `prefix` in order, strictly after `start_key`."""
        with self._lock:
            _, _, backend = self._view(at)
            if isinstance(backend, _HistoricalBackend):
                return self.store.keys_at(bytes(prefix), backend.number, start_key, count)
            out: list[bytes] = []
            for k in backend.keys_from(bytes(prefix), start_key):
                if len(out) >= count:
                    break
                out.append(k)
            return out

    def state_at(self, at: bytes | None = None) -> State:
        """A read-only-by-convention State at a block (for runtime APIs and tools)."""
        with self._lock:
            return State(self.md, self._view(at)[2])

    def read(self, pallet: str, item: str, *keys: Any, at: bytes | None = None) -> Any:
        """Decoded storage value by metadata names (convenience for tools and tests)."""
        with self._lock:
            return self.state_at(at).get(pallet, item, *keys)

    def read_proof(self, keys: list[bytes], at: bytes | None) -> list[bytes]:
        """Trie nodes proving `keys` (present or absent) against the state root of block `at`."""
        with self._lock:
            number, block_hash, _ = self._view(at)
            self.store.check_kept(number)
            header = self.header(block_hash)
            assert header is not None
            return self.trie.prove([bytes(k) for k in keys], root=header.state_root)

    def state_call(self, method: str, data: bytes, at: bytes | None) -> bytes:
        """Run a runtime API (e.g. 'Core_version') at a block.

        Raises:
            UnknownRuntimeApiError: the method is not provided by this runtime.
            UnknownBlockError / StatePrunedError: bad `at`.
        """
        with self._lock:
            number, block_hash, backend = self._view(at)
            ctx = ApiContext(self.runtime, State(self.md, backend), number, block_hash)
            if method not in self.runtime.apis:
                raise UnknownRuntimeApiError(f"Exported method {method} is not found")
            return self.runtime.state_call(ctx, method, bytes(data))

    def account_next_index(self, account_id: bytes) -> int:
        """Next nonce for an account, counting its ready transactions in the pool."""
        with self._lock:
            nonce = self._nonce(bytes(account_id))
            return self.pool.next_nonce(bytes(account_id), nonce)

    def _nonce(self, who: bytes) -> int:
        raw = self.latest.get(self._state_key("System", "Account", who))
        return struct.unpack_from("<I", raw)[0] if raw else 0

    def query_info(self, extrinsic: bytes, at: bytes | None) -> dict[str, Any]:
        """payment_queryInfo JSON for an encoded extrinsic."""
        with self._lock:
            xt = self.runtime.codec.decode(bytes(extrinsic))
            return self.runtime.query_info(self.state_at(at), xt)

    # ---- pool ----------------------------------------------------------------------------------

    def submit(self, extrinsic: bytes) -> bytes:
        """Validate and pool a signed extrinsic; return its hash (see :meth:`submit_tracked`).

        Raises:
            InvalidTransaction: with the author RPC code/message/data Substrate would return.
        """
        return self.submit_tracked(extrinsic).tx_hash

    def submit_tracked(self, extrinsic: bytes) -> SubmitResult:
        """Validate and pool a signed extrinsic; say whether it is ready or waits for an earlier nonce.

        Pooled transactions of the same sender that this one un-blocks (future -> ready) are announced
        with ExtrinsicReady events.

        Raises:
            InvalidTransaction: with the author RPC code/message/data Substrate would return.
        """
        events: list[ChainEvent] = []
        with self._lock:
            xt = self.runtime.codec.decode(bytes(extrinsic))
            if xt.hash in self.pool.by_hash:
                raise InvalidTransaction.already_imported(xt.hash)
            state = State(self.md, self.latest)
            valid = self.runtime.validate(state, xt, self.best_number + 1)
            signer = xt.signer
            assert signer is not None
            nonce = self._nonce(signer)
            was_ready = set(self.pool.ready_run(signer, nonce))
            self.pool.add(xt, valid, death=self.best_number + 1 + valid.longevity)
            run = self.pool.ready_run(signer, nonce)
            ready = xt.hash in run
            events.extend(ExtrinsicReady(h) for h in run if h != xt.hash and h not in was_ready)
        self._notify(events)
        return SubmitResult(xt.hash, ready)

    def is_ready(self, tx_hash: bytes) -> bool | None:
        """True if a pooled transaction can go into the next block, False if future, None if not pooled."""
        with self._lock:
            tx = self.pool.by_hash.get(bytes(tx_hash))
            if tx is None:
                return None
            return tx.xt.signer is None or tx.xt.hash in self.pool.ready_run(tx.xt.signer, self._nonce(tx.xt.signer))

    def has_ready(self) -> bool:
        """Whether the next block would include something beyond the inherents (ready txs or dev mints)."""
        with self._lock:
            if self._pending_mints:
                return True
            return any(self.pool.ready_run(signer, self._nonce(signer)) for signer in self.pool.by_sender)

    def pending_extrinsics(self) -> list[bytes]:
        """Encoded extrinsics in the pool (arrival order)."""
        with self._lock:
            return [t.xt.raw for t in self.pool.all()]

    def remove_extrinsic(self, tx_hash: bytes) -> bool:
        """Drop a pooled transaction (author_removeExtrinsic)."""
        with self._lock:
            return self.pool.remove(bytes(tx_hash)) is not None

    # ---- listeners -----------------------------------------------------------------------------

    def add_listener(self, fn: Callable[[ChainEvent], None]) -> Callable[[], None]:
        """Subscribe to chain events (called synchronously, outside the chain lock); returns unsubscribe."""
        with self._lock:
            self._listeners.append(fn)

        def unsubscribe() -> None:
            with self._lock:
                if fn in self._listeners:
                    self._listeners.remove(fn)

        return unsubscribe

    def _notify(self, events: list[ChainEvent]) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for event in events:
            for fn in listeners:
                try:
                    fn(event)
                except Exception:  # a broken listener must not stop the chain
                    log.exception("chain listener failed")

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self.store.close()


def split_body(body: bytes) -> list[bytes]:
    """Split a stored block body (Vec of length-prefixed extrinsics) into extrinsics."""
    count, off = decode_compact(body, 0)
    out = []
    for _ in range(count):
        length, start = decode_compact(body, off)
        out.append(body[off : start + length])
        off = start + length
    return out
