"""Keccak-256 (the pre-NIST padding 0x01 that Substrate's `keccak_256` uses; not hashlib's sha3_256).

`keccak256()` is the plain one-shot function. `FastKeccak256` calls pycryptodome's compiled Keccak
sponge through cffi with one reusable state and output buffer, skipping the per-call object creation
of `Crypto.Hash.keccak.new` (about 3x cheaper per 32-byte hash); it is what the solver's inner loop
uses. If that library cannot be loaded, `FastKeccak256` falls back to the ordinary API.
"""

from __future__ import annotations

import importlib.util
import logging
from typing import Any

from Crypto.Hash import keccak as _pycryptodome_keccak

logger = logging.getLogger(__name__)

_CDEF = """
int keccak_init(void **state, size_t capacity_bytes, uint8_t rounds);
int keccak_destroy(void *state);
int keccak_absorb(void *state, const uint8_t *in, size_t len);
int keccak_digest(void *state, uint8_t *digest, size_t len, uint8_t padding);
int keccak_reset(void *state);
"""
_KECCAK_PADDING = 0x01
_DIGEST_BYTES = 32


def keccak256(data: bytes) -> bytes:
    """Keccak-256 of `data` (32 bytes)."""
    return bytes(_pycryptodome_keccak.new(digest_bits=256, data=data).digest())


def _load_raw() -> tuple[Any, Any] | None:
    """(ffi, lib) for pycryptodome's compiled sponge, or None when it is not loadable."""
    try:
        from cffi import FFI  # type: ignore[import-untyped]

        spec = importlib.util.find_spec("Crypto.Hash._keccak")
        if spec is None or spec.origin is None:
            return None
        ffi = FFI()
        ffi.cdef(_CDEF)
        return ffi, ffi.dlopen(spec.origin)
    except Exception as exc:  # any loader problem means: use the portable path
        logger.debug("fast keccak unavailable (%s): using Crypto.Hash.keccak", exc)
        return None


class FastKeccak256:
    """A reusable Keccak-256 hasher for one thread (not thread-safe: it owns one sponge state).

    `digest(data)` returns the 32-byte hash; `top_byte()` / `last()` read the most recent digest
    without building a bytes object, so a solver can reject most candidates cheaply.
    """

    def __init__(self) -> None:
        raw = _load_raw()
        self.accelerated = raw is not None
        if raw is None:
            self._ffi = self._lib = None
            self._last = b"\x00" * _DIGEST_BYTES
            return
        ffi, lib = raw
        holder = ffi.new("void **")
        if lib.keccak_init(holder, 2 * _DIGEST_BYTES, 24) != 0:
            raise RuntimeError("keccak_init failed")
        self._ffi, self._lib = ffi, lib
        self._state = ffi.gc(holder[0], lib.keccak_destroy)
        self._out = ffi.new("uint8_t[32]")
        self._buf = ffi.buffer(self._out)

    def digest(self, data: bytes) -> bytes:
        """Keccak-256 of `data`."""
        if self._lib is None:
            self._last = keccak256(data)
            return self._last
        self.hash_into(data)
        return bytes(self._buf)

    def hash_into(self, data: bytes) -> None:
        """Hash `data`, keeping the digest in the internal buffer (read with `last()`)."""
        if self._lib is None:
            self._last = keccak256(data)
            return
        lib, state = self._lib, self._state
        lib.keccak_reset(state)
        lib.keccak_absorb(state, data, len(data))
        lib.keccak_digest(state, self._out, _DIGEST_BYTES, _KECCAK_PADDING)

    def last(self) -> bytes:
        """The digest of the most recent `hash_into`/`digest` call."""
        if self._lib is None:
            return self._last
        return bytes(self._buf)

    def raw_handles(self) -> tuple[Any, Any, Any, Any] | None:
        """(lib, state, out, buf) for a tight loop (see `seal.search_nonces`), or None without acceleration."""
        if self._lib is None:
            return None
        return self._lib, self._state, self._out, self._buf
