"""The MevShield pallet on the localnet: author key rotation, shielded submissions, stored encrypted calls.

What the localnet does, following subtensor's `pallets/shield` (spec 461 storage, calls and events):

* Key rotation every block (on chain the author's ``announce_next_key`` inherent; here in on_initialize):
  CurrentKey <- PendingKey <- NextKey <- AuthorKeys[author of slot+2], then AuthorKeys[author] <- the
  author's fresh ML-KEM-768 key, and Pending/NextKeyExpiresAt = n+2 / n+3. Clients encrypt for NextKey.
* ``submit_encrypted(ciphertext)``: the wrapper is validated like CheckShieldedTxValidity (a malformed blob
  is rejected with Custom(23)); when the block author builds a block it includes a wrapper only if its
  key hash names the PendingKey (after rotation), decrypts it and puts the inner signed extrinsic right
  after the wrapper (:meth:`MevShield.unshield`, called by the block builder). The wrapper's dispatch
  deposits ``EncryptedSubmitted { id: blake2_256(who ++ ciphertext), who }``.
* ``store_encrypted(encrypted_call)``: queued in PendingExtrinsics; the next block's on_initialize expires,
  decrypts (the plaintext is a SCALE RuntimeCall dispatched as the submitter), weighs and dispatches it with
  the chain's events. Subtensor's runtime has no decryptor (every stored call ends ExtrinsicDecodeFailed);
  the localnet decrypts blobs made for any of its recent author keys.
"""

from __future__ import annotations

import logging
from typing import Any

from node.localnet.extrinsic import Extrinsic, normalise_call
from node.localnet.hashing import blake2_256, compact, decode_compact
from node.localnet.runtime import (
    BlockContext,
    CallContext,
    DispatchError,
    Origin,
    Pallet,
    Runtime,
    State,
    Weight,
)
from node.localnet.subtensor.shield_crypto import ENC_KEY_LEN, AuthorKey, AuthorKeyring, parse_blob
from node.localnet.validity import InvalidTransaction

log = logging.getLogger(__name__)

FAILED_SHIELDED_TX_PARSING = 23
"""subtensor's CustomTransactionError::FailedShieldedTxParsing."""
MAX_CIPHERTEXT = 8192
"""BoundedVec<u8, ConstU32<8192>> of both calls."""
MAX_ON_INITIALIZE_WEIGHT = 2_000_000_000_000
DB_READ, DB_WRITE = 25_000_000, 100_000_000
"""RocksDbWeight's read/write ref_time, used by the on_initialize weight budget."""


def _bytes(value: Any) -> bytes:
    """A decoded Vec<u8>/BoundedVec value (hex string, bytes or list of ints) as bytes."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, str):  # scalecodec gives Bytes as text when they are valid UTF-8, else as 0x-hex
        if value.startswith("0x"):
            try:
                return bytes.fromhex(value[2:])
            except ValueError:
                pass
        return value.encode()
    if isinstance(value, dict) and len(value) == 1:
        return _bytes(next(iter(value.values())))
    return bytes(value)


class MevShield(Pallet):
    """MevShield calls, hooks and the author-side unshielding (see the module docstring)."""

    name = "MevShield"
    weights = {"submit_encrypted": Weight(207_500_000), "store_encrypted": Weight(20_000_000_000)}

    def __init__(self, runtime: Runtime) -> None:
        super().__init__(runtime)
        self.keyring = AuthorKeyring()

    # ---- raw key storage (ShieldEncKey = BoundedVec<u8>) ----------------------------------------

    def _get_key(self, state: State, item: str, *keys: Any) -> bytes | None:
        raw = state.get_raw(state.key("MevShield", item, *keys))
        if raw is None:
            return None
        length, off = decode_compact(raw)
        return bytes(raw[off:off + length])

    def _put_key(self, state: State, item: str, value: bytes | None, *keys: Any) -> None:
        key = state.key("MevShield", item, *keys)
        if value is None:
            state.remove_raw(key)
        else:
            state.set_raw(key, compact(len(value)) + value)

    def _authors(self, state: State) -> list[bytes]:
        raw = state.get_raw(state.key("Aura", "Authorities")) or b"\x00"
        count, off = decode_compact(raw)
        return [bytes(raw[off + 32 * i: off + 32 * (i + 1)]) for i in range(count)]

    # ---- hooks ------------------------------------------------------------------------------------

    def on_initialize(self, block: BlockContext) -> None:
        """Process the stored encrypted calls (as the chain's hook), then rotate the author keys."""
        self._process_pending(block)
        self._rotate(block)

    def _rotate(self, block: BlockContext) -> None:
        """announce_next_key of the block's author (the chain runs it as an inherent)."""
        state, n = block.state, block.number
        authors = self._authors(state)
        if not authors:
            return
        slot = block.timestamp_ms // self.runtime.slot_duration_ms
        author, next_next = authors[slot % len(authors)], authors[(slot + 2) % len(authors)]
        pending = self._get_key(state, "PendingKey")
        self._put_key(state, "CurrentKey", pending)
        nxt = self._get_key(state, "NextKey")
        self._put_key(state, "PendingKey", nxt)
        self._put_key(state, "NextKey", self._get_key(state, "AuthorKeys", "0x" + next_next.hex()))
        key = self.keyring.key(self.runtime.genesis_hash, n)
        assert len(key.enc_key) == ENC_KEY_LEN
        self._put_key(state, "AuthorKeys", key.enc_key, "0x" + author.hex())
        for item, value, ahead in (("PendingKeyExpiresAt", nxt, 2),
                                   ("NextKeyExpiresAt", self._get_key(state, "NextKey"), 3)):
            if value is None:
                state.remove("MevShield", item)
            else:
                state.set("MevShield", item, value=n + ahead)

    def _author_key(self, state: State, enc_key: bytes | None, near: int) -> AuthorKey | None:
        if enc_key is None:
            return None
        return self.keyring.find(self.runtime.genesis_hash, enc_key, near)

    # ---- submit_encrypted -------------------------------------------------------------------------

    def validate_call(self, state: State, who: bytes, call: Any) -> None:
        """CheckShieldedTxValidity: a signed submit_encrypted must carry a well-formed blob."""
        if (call.pallet, call.name) == ("MevShield", "submit_encrypted") and \
                parse_blob(_bytes(call.args["ciphertext"])) is None:
            raise InvalidTransaction.custom(FAILED_SHIELDED_TX_PARSING)

    def call_submit_encrypted(self, ctx: CallContext, ciphertext: Any) -> None:
        """submit_encrypted(ciphertext): only the EncryptedSubmitted event; the author unshields it."""
        who = ctx.ensure_signed()
        blob = _bytes(ciphertext)
        ctx.deposit_event("MevShield", "EncryptedSubmitted", blake2_256(who + compact(len(blob)) + blob), who)

    def unshield(self, state: State, xt: Extrinsic, number: int) -> Extrinsic | None:
        """Block-author step for a pool transaction about to be included in block `number`.

        Returns the decrypted inner extrinsic to include right after `xt` (None if `xt` is no shielded
        submission, or its plaintext does not decrypt or decode: the wrapper is still included).

        Raises:
            InvalidTransaction: the blob names a key other than the PendingKey (or, on the localnet, the
                CurrentKey): the author does not include the wrapper (subtensor's proposer skips it).
        """
        if xt.call.pallet != "MevShield" or xt.call.name != "submit_encrypted" or not xt.signed:
            return None
        length, off = decode_compact(xt.call_bytes, 2)  # exact bytes: [pallet][call][compact len][blob]
        blob = parse_blob(xt.call_bytes[off:off + length])
        if blob is None:
            raise InvalidTransaction.custom(FAILED_SHIELDED_TX_PARSING)
        # The chain's author takes only the PendingKey. The localnet also takes the CurrentKey (one block
        # older): it seals blocks on demand and on an idle heartbeat, so a block can land between a client
        # reading NextKey and submitting, which on a 12 s chain practically never happens.
        key = next((k for k in (self._author_key(state, self._get_key(state, item), number)
                                for item in ("PendingKey", "CurrentKey"))
                    if k is not None and k.key_hash == blob.key_hash), None)
        if key is None:
            raise InvalidTransaction.invalid("Stale")
        plaintext = key.decrypt(blob)
        if not plaintext:
            log.info("shielded transaction %s did not decrypt", xt.hash.hex())
            return None
        try:
            inner = self.runtime.codec.decode(plaintext)
        except InvalidTransaction as exc:
            log.info("shielded transaction %s: inner extrinsic undecodable (%s)", xt.hash.hex(), exc.data)
            return None
        if inner.call.pallet == "MevShield" and inner.call.name == "submit_encrypted":
            return None  # no nesting
        return inner

    # ---- store_encrypted ----------------------------------------------------------------------------

    def call_store_encrypted(self, ctx: CallContext, encrypted_call: Any) -> None:
        """store_encrypted(encrypted_call): queue it for the next blocks' on_initialize."""
        who = ctx.ensure_signed()
        state = ctx.state
        if int(state.get("MevShield", "CounterForPendingExtrinsics")) >= int(
                state.get("MevShield", "MaxPendingExtrinsicsLimit")):
            raise DispatchError.module("MevShield", "TooManyPendingExtrinsics")
        index = int(state.get("MevShield", "NextPendingExtrinsicIndex"))
        state.set("MevShield", "PendingExtrinsics", index,
                  value={"who": who, "encrypted_call": "0x" + _bytes(encrypted_call).hex(),
                         "submitted_at": ctx.block_number})
        state.mutate("MevShield", "CounterForPendingExtrinsics", fn=lambda c: int(c) + 1)
        state.set("MevShield", "NextPendingExtrinsicIndex", value=index + 1)
        ctx.deposit_event("MevShield", "ExtrinsicStored", index, who)

    def _decrypt_call(self, state: State, data: bytes, near: int) -> Any:
        """The stored blob as a RuntimeCall, or None (the chain's ExtrinsicDecryptor)."""
        blob = parse_blob(data)
        if blob is None:
            return None
        for item in ("CurrentKey", "PendingKey", "NextKey"):
            key = self._author_key(state, self._get_key(state, item), near)
            plaintext = key.decrypt(blob) if key is not None else None
            if plaintext:
                try:
                    call, end = self.md.decode_call(plaintext)
                except Exception:  # undecodable call bytes: a decode failure, as on chain
                    return None
                if end != len(plaintext):
                    return None
                return normalise_call(call)
        return None

    def _remove_pending(self, state: State, index: int) -> None:
        state.remove("MevShield", "PendingExtrinsics", index)
        state.mutate("MevShield", "CounterForPendingExtrinsics", fn=lambda c: max(0, int(c) - 1))

    def _process_pending(self, block: BlockContext) -> None:
        state, now = block.state, block.number
        count = int(state.get("MevShield", "CounterForPendingExtrinsics"))
        if count == 0:
            return
        next_index = int(state.get("MevShield", "NextPendingExtrinsicIndex"))
        lifetime = int(state.get("MevShield", "ExtrinsicLifetime"))
        max_xt = int(state.get("MevShield", "MaxExtrinsicWeight"))
        budget = int(state.get("MevShield", "OnInitializeWeight"))
        weight = 2 * DB_READ
        for index in range(max(0, next_index - count), next_index):
            raw = state.get_raw(state.key("MevShield", "PendingExtrinsics", index))
            if raw is None:
                weight += DB_READ
                continue
            who = bytes(raw[:32])  # PendingExtrinsic { who, encrypted_call: BoundedVec<u8>, submitted_at: u32 }
            length, off = decode_compact(raw, 32)
            data, submitted_at = bytes(raw[off:off + length]), int.from_bytes(raw[off + length:off + length + 4], "little")
            if now - submitted_at > lifetime:
                self._remove_pending(state, index)
                weight += DB_READ + 2 * DB_WRITE
                block.deposit_event("MevShield", "ExtrinsicExpired", index)
                continue
            call = self._decrypt_call(state, data, now)
            if call is None:
                self._remove_pending(state, index)
                weight += DB_READ + 2 * DB_WRITE
                block.deposit_event("MevShield", "ExtrinsicDecodeFailed", index)
                continue
            call_weight = self.runtime.call_weight(call).ref_time
            if call_weight > max_xt:
                self._remove_pending(state, index)
                weight += DB_READ + 2 * DB_WRITE
                block.deposit_event("MevShield", "ExtrinsicWeightExceeded", index)
                continue
            if weight + 2 * DB_WRITE + call_weight > budget:
                block.deposit_event("MevShield", "ExtrinsicPostponed", index)
                break
            self._remove_pending(state, index)
            weight += DB_READ + 2 * DB_WRITE + call_weight
            ctx = CallContext(self.runtime, state, Origin.signed(who), now)
            try:
                self.runtime.dispatch(ctx, call)
            except DispatchError as exc:
                block.deposit_event("MevShield", "ExtrinsicDispatchFailed", index, exc.to_value(self.runtime))
            else:
                block.deposit_event("MevShield", "ExtrinsicDispatched", index)

    # ---- root setters -------------------------------------------------------------------------------

    def _set(self, ctx: CallContext, item: str, event: str, value: int, cap: int | None = None) -> None:
        ctx.ensure_root()
        if cap is not None and int(value) > cap:
            raise DispatchError.module("MevShield", "WeightExceedsAbsoluteMax")
        ctx.state.set("MevShield", item, value=int(value))
        ctx.deposit_event("MevShield", event, int(value))

    def call_set_max_pending_extrinsics_number(self, ctx: CallContext, value: int) -> None:
        """Root: MaxPendingExtrinsicsLimit."""
        self._set(ctx, "MaxPendingExtrinsicsLimit", "MaxPendingExtrinsicsNumberSet", value)

    def call_set_on_initialize_weight(self, ctx: CallContext, value: int) -> None:
        """Root: OnInitializeWeight (<= 2e12)."""
        self._set(ctx, "OnInitializeWeight", "OnInitializeWeightSet", value, MAX_ON_INITIALIZE_WEIGHT)

    def call_set_stored_extrinsic_lifetime(self, ctx: CallContext, value: int) -> None:
        """Root: ExtrinsicLifetime."""
        self._set(ctx, "ExtrinsicLifetime", "ExtrinsicLifetimeSet", value)

    def call_set_max_extrinsic_weight(self, ctx: CallContext, value: int) -> None:
        """Root: MaxExtrinsicWeight (<= 2e12)."""
        self._set(ctx, "MaxExtrinsicWeight", "MaxExtrinsicWeightSet", value, MAX_ON_INITIALIZE_WEIGHT)
