"""Where keyfile passwords come from: argument, password file, bittensor's BT_PW_ env var, OS keyring.

The keyring is opt-in ("remember"); with no usable backend we raise, never fall back to plaintext.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import logging
import os
import stat
from pathlib import Path
from typing import Any

from keystore.errors import KeyringUnavailableError, PasswordFileError

log = logging.getLogger(__name__)
_NO_BACKEND = (
    "no usable OS keyring backend ({backend}); set up a system keyring (e.g. Secret Service, "
    "macOS Keychain, Windows Credential Locker) or type the password each time. "
    "Passwords are never stored in plaintext."
)


def bt_pw_env_name(keyfile_path: Path) -> str:
    """bittensor-wallet's name: ``BT_PW_`` + path with ``/`` and ``.`` -> ``_``, upper-cased."""
    return "BT_PW_" + str(keyfile_path).replace("/", "_").replace(".", "_").upper()


def _xor(data: bytes, key: bytes) -> bytes:
    return bytes(b ^ key[i % len(key)] for i, b in enumerate(data))


def encode_password_for_env(keyfile_path: Path, password: str) -> str:
    """The BT_PW_ value: base64(password XOR env-var name). Obfuscation, not encryption."""
    name = bt_pw_env_name(keyfile_path).encode("utf-8")
    return base64.b64encode(_xor(password.encode("utf-8"), name)).decode("ascii")


def decode_password_from_env(keyfile_path: Path, value: str) -> str | None:
    """Inverse of encode_password_for_env; None (and a warning) if the value is malformed."""
    name = bt_pw_env_name(keyfile_path).encode("utf-8")
    try:
        return _xor(base64.b64decode(value, validate=True), name).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        log.warning("ignoring malformed %s environment variable", bt_pw_env_name(keyfile_path))
        return None


def password_from_env(keyfile_path: Path) -> str | None:
    """The password bittensor-wallet's ``save_password_to_env`` put in the environment, if any."""
    value = os.environ.get(bt_pw_env_name(keyfile_path))
    if value is None:
        return None
    return decode_password_from_env(keyfile_path, value)


def read_password_file(path: Path) -> str:
    """First line of ``path`` with its line ending stripped (other whitespace is kept).

    Raises:
        PasswordFileError: missing, unreadable, not UTF-8, or empty first line.
    """
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise PasswordFileError(f"password file {path} does not exist") from None
    except OSError as exc:
        raise PasswordFileError(f"cannot read password file {path}: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise PasswordFileError(f"password file {path} is not UTF-8 text") from None
    lines = text.splitlines()
    password = lines[0] if lines else ""
    if not password:
        raise PasswordFileError(f"password file {path} is empty")
    if stat.S_IMODE(Path(path).stat().st_mode) & 0o077:
        log.warning("password file %s is readable by other users; chmod 600 it", path)
    return password


def _plaintext(backend: Any) -> bool:
    """True for keyring backends that write passwords in clear text (keyrings.alt PlaintextKeyring)."""
    return "plaintext" in type(backend).__name__.lower()


def _file_based(backend: Any) -> bool:
    """keyrings.alt file backends: plaintext, or encrypted behind an interactive getpass prompt."""
    return _plaintext(backend) or type(backend).__module__.startswith("keyrings.alt")


class PasswordStore:
    """Opt-in OS-keyring storage of keyfile passwords, keyed by the keyfile's absolute path.

    Args:
        service: keyring service name.
        backend: a specific keyring backend (tests); default is keyring's configured one.
    """

    def __init__(self, service: str = "tao-wallet", backend: Any | None = None) -> None:
        self.service = service
        self._backend = backend

    def _keyring(self) -> Any:
        if self._backend is not None:
            return self._backend
        import keyring

        return keyring.get_keyring()

    def _usable(self) -> tuple[Any, str | None]:
        """(backend to use, reason none is usable or None).

        keyring's default ChainerBackend silently falls through to whatever backend accepts the
        password, including plaintext files (keyrings.alt, whose encrypted variant also prompts
        on the terminal); we pick its best OS backend instead. A keyrings.alt backend is used only
        when it is configured or passed explicitly.
        """
        from keyring.backends import chainer, fail, null

        backend = self._keyring()
        label = f"{type(backend).__module__}.{type(backend).__name__}"
        if isinstance(backend, chainer.ChainerBackend):
            real = [
                b
                for b in backend.backends
                if not isinstance(b, fail.Keyring | null.Keyring) and not _file_based(b)
            ]
            if not real:
                names = ", ".join(type(b).__name__ for b in backend.backends) or "no backends"
                return backend, f"{label} with {names}"
            return real[0], None
        if isinstance(backend, fail.Keyring | null.Keyring):
            return backend, label
        if _plaintext(backend):
            log.warning("keyring backend %s stores passwords unencrypted (explicitly configured)", label)
        return backend, None

    def available(self) -> bool:
        """True if a real keyring backend is configured."""
        return self._usable()[1] is None

    def _require(self) -> Any:
        backend, problem = self._usable()
        if problem is not None:
            raise KeyringUnavailableError(_NO_BACKEND.format(backend=problem))
        return backend

    @staticmethod
    def _user(keyfile_path: Path) -> str:
        return os.path.abspath(Path(keyfile_path).expanduser())

    def remember(self, keyfile_path: Path, password: str) -> None:
        """Store the password in the OS keyring.

        Raises:
            KeyringUnavailableError: no usable backend, or the backend refused.
        """
        from keyring.errors import KeyringError

        backend = self._require()
        try:
            backend.set_password(self.service, self._user(keyfile_path), password)
        except KeyringError as exc:
            raise KeyringUnavailableError(
                f"the keyring refused to store the password: {type(exc).__name__}"
            ) from None

    def recall(self, keyfile_path: Path) -> str | None:
        """The stored password, or None (also None when no backend is usable)."""
        from keyring.errors import KeyringError

        backend, problem = self._usable()
        if problem is not None:
            return None
        try:
            value = backend.get_password(self.service, self._user(keyfile_path))
        except KeyringError as exc:
            log.warning("keyring lookup failed: %s", type(exc).__name__)
            return None
        return value if isinstance(value, str) else None

    def forget(self, keyfile_path: Path) -> None:
        """Delete a stored password (no error if there was none).

        Raises:
            KeyringUnavailableError: no usable backend.
        """
        from keyring.errors import PasswordDeleteError

        backend = self._require()
        with contextlib.suppress(PasswordDeleteError):
            backend.delete_password(self.service, self._user(keyfile_path))


def resolve_password(
    keyfile_path: Path,
    *,
    password: str | None = None,
    password_file: Path | None = None,
    store: PasswordStore | None = None,
) -> str | None:
    """First available of: ``password``, ``password_file``, the BT_PW_ env var, the keyring.

    Returns:
        The password, or None when no source has one (the caller may prompt).

    Raises:
        PasswordFileError: ``password_file`` was given but is unusable.
    """
    if password is not None:
        return password
    if password_file is not None:
        return read_password_file(password_file)
    from_env = password_from_env(keyfile_path)
    if from_env is not None:
        return from_env
    if store is not None:
        return store.recall(keyfile_path)
    return None
