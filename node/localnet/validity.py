"""Transaction-validity errors, shaped like Substrate's author RPC errors."""

from __future__ import annotations

from collections.abc import Callable

# Substrate's sp_runtime InvalidTransaction / UnknownTransaction Display strings.
INVALID_MESSAGES = {
    "Call": "Transaction call is not expected",
    "Payment": "Inability to pay some fees (e.g. account balance too low)",
    "Future": "Transaction will be valid in the future",
    "Stale": "Transaction is outdated",
    "BadProof": "Transaction has a bad signature",
    "AncientBirthBlock": "Transaction has an ancient birth block",
    "ExhaustsResources": "Transaction would exhaust the block limits",
    "BadMandatory": "A call was labelled as mandatory, but resulted in an Error.",
    "MandatoryValidation": "Transaction dispatch is mandatory; transactions must not be validated.",
    "BadSigner": "Invalid signing address",
}
UNKNOWN_MESSAGES = {
    "CannotLookup": "Could not lookup information required to validate the transaction",
    "NoUnsignedValidator": "Could not find an unsigned validator for the unsigned transaction",
}

BAD_FORMAT = 1001
POOL_INVALID_TX = 1010
POOL_UNKNOWN_VALIDITY = 1011
POOL_TEMPORARILY_BANNED = 1012
POOL_TOO_LOW_PRIORITY = 1014


class InvalidTransaction(Exception):
    """A transaction rejected at submission, with the JSON-RPC error `code`, `message` and `data`."""

    def __init__(self, code: int, message: str, data: str, *, reason: str = "") -> None:
        super().__init__(f"{code} {message}: {data}")
        self.code = code
        self.message = message
        self.data = data
        self.reason = reason or data
        """Short machine name, e.g. 'Stale', 'BadProof', 'Future'."""

    @staticmethod
    def invalid(kind: str) -> InvalidTransaction:
        """1010 Invalid Transaction with Substrate's text for an InvalidTransaction variant."""
        return InvalidTransaction(POOL_INVALID_TX, "Invalid Transaction", INVALID_MESSAGES[kind], reason=kind)

    @staticmethod
    def custom(code: int) -> InvalidTransaction:
        """1010 with InvalidTransaction::Custom(code), e.g. subtensor's rate-limit rejections."""
        return InvalidTransaction(POOL_INVALID_TX, "Invalid Transaction", f"Custom error: {code}",
                                  reason=f"Custom({code})")

    @staticmethod
    def unknown(kind: str) -> InvalidTransaction:
        """1011 Unknown Transaction Validity."""
        return InvalidTransaction(
            POOL_UNKNOWN_VALIDITY, "Unknown Transaction Validity", UNKNOWN_MESSAGES[kind], reason=kind
        )

    @staticmethod
    def bad_format(detail: str) -> InvalidTransaction:
        """1001 Extrinsic has invalid format (undecodable bytes)."""
        return InvalidTransaction(BAD_FORMAT, "Extrinsic has invalid format", detail, reason="BadFormat")

    @staticmethod
    def already_imported(tx_hash: bytes) -> InvalidTransaction:
        """1012 Transaction Already Imported (same hash already in the pool)."""
        return InvalidTransaction(
            POOL_TEMPORARILY_BANNED, "Transaction Already Imported", "0x" + tx_hash.hex(), reason="AlreadyImported"
        )

    @staticmethod
    def too_low_priority(old: int, new: int) -> InvalidTransaction:
        """1014 Priority is too low (same sender+nonce already pooled with a higher or equal tip)."""
        return InvalidTransaction(
            POOL_TOO_LOW_PRIORITY,
            f"Priority is too low: ({old} vs {new})",
            "The transaction has too low priority to replace another transaction already in the pool.",
            reason="TooLowPriority",
        )


class MetadataDigest:
    """The RFC-0078 digest of the V15 metadata this localnet serves, as a runtime built with subtensor's
    `metadata-hash` feature bakes in (`RUNTIME_METADATA_HASH`): computed once, on first use.

    `CheckMetadataHash` signs `Option<[u8; 32]>`: None in mode 0; in mode 1 Some(digest) -- or None when
    the runtime has no digest (no V15 metadata to serve), as substrate's extension does, so a signature
    made over another digest fails as BadProof.
    """

    def __init__(self, metadata_v15: Callable[[], bytes | None], spec_version: int, spec_name: str) -> None:
        self._metadata_v15 = metadata_v15
        self._spec = (spec_version, spec_name)
        self._digest: bytes | None = None
        self._computed = False

    @property
    def digest(self) -> bytes | None:
        """The digest, or None when the runtime serves no V15 metadata."""
        if not self._computed:
            from node.client.metadata_hash import metadata_digest

            metadata = self._metadata_v15()
            self._digest = None if metadata is None else metadata_digest(metadata, *self._spec)
            self._computed = True
        return self._digest

    def additional_signed(self, mode: int) -> bytes:
        """CheckMetadataHash's additional-signed bytes for an extrinsic in `mode` (0 or 1)."""
        digest = self.digest if mode == 1 else None
        return b"\x00" if digest is None else b"\x01" + digest
