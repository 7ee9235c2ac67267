"""The one error type services raise, so screens and the CLI never need to import keystore."""

from __future__ import annotations

import re


class WalletError(Exception):
    """A wallet operation failed; ``message`` is specific and safe to show (never holds secrets).

    Attributes:
        code: Stable snake_case identifier, e.g. "wrong_password", "invalid_mnemonic" (documented in
            docs/cli.md; the CLI prints it in its JSON errors).
        message: Human-readable explanation.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return self.message


def code_for_exception(exc: BaseException) -> str:
    """Stable code from an exception class name: ``WrongPasswordError`` -> ``wrong_password``."""
    name = type(exc).__name__.removesuffix("Error") or "error"
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
