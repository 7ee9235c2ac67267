"""User configuration: one frozen object built from config.toml plus TAO_WALLET_* environment variables.

Precedence (highest first): explicit overrides passed by the CLI, environment, config file, defaults.
Kept free of heavy imports because the CLI's fast path loads it.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tao_wallet.paths import config_dir, wallet_root

CRYPTO_TYPES = ("sr25519", "ed25519")
MNEMONIC_WORDS = (12, 15, 18, 21, 24)


class ConfigError(ValueError):
    """The config file or an environment variable holds a value we cannot use (message says which)."""


@dataclass(frozen=True)
class AppConfig:
    """Settings shared by the CLI and the TUI."""

    network: str = "local"
    """Network profile: "local" (ws://127.0.0.1:9944), "test", "finney" or a ws:// / wss:// URL."""

    embedded_node: bool = True
    """With "local": start the embedded localnet when nothing listens on 9944 (TAO_WALLET_NO_EMBEDDED=1 or
    --no-embedded turn it off), and stop it on exit."""

    wallet_path: Path = field(default_factory=wallet_root)
    """Directory holding wallets, shared with bittensor-wallet/btcli (~/.bittensor/wallets)."""

    unlock_cache_seconds: int = 0
    """How long an unlocked coldkey stays in memory. 0 (default) = never kept: every use asks again."""

    remember_passwords: bool = False
    """Offer "remember in OS keyring" when unlocking. Opt-in; never a plaintext fallback."""

    crypto_type: str = "sr25519"
    """Signature scheme for new keys: "sr25519" (Bittensor default) or "ed25519"."""

    mnemonic_words: int = 12
    """Number of words in newly generated mnemonics (12, 15, 18, 21 or 24)."""

    theme: str = "textual-dark"
    """Textual theme name for the TUI."""

    def __post_init__(self) -> None:
        if self.unlock_cache_seconds < 0:
            raise ConfigError(f"unlock_cache_seconds must be >= 0, got {self.unlock_cache_seconds}")
        if self.crypto_type not in CRYPTO_TYPES:
            raise ConfigError(f"crypto_type must be one of {', '.join(CRYPTO_TYPES)}, got {self.crypto_type!r}")
        if self.mnemonic_words not in MNEMONIC_WORDS:
            raise ConfigError(f"mnemonic_words must be one of 12/15/18/21/24, got {self.mnemonic_words}")
        if not self.network:
            raise ConfigError("network must not be empty")


_FIELD_TYPES: dict[str, type] = {
    "network": str,
    "embedded_node": bool,
    "wallet_path": Path,
    "unlock_cache_seconds": int,
    "remember_passwords": bool,
    "crypto_type": str,
    "mnemonic_words": int,
    "theme": str,
}

# Environment names: TAO_WALLET_<FIELD>; the wallet path also honours TAO_WALLET_PATH / BT_WALLET_PATH
# through paths.wallet_root(), which is the field's default.
_ENV_PREFIX = "TAO_WALLET_"


def config_file() -> Path:
    """Where the user's config.toml lives."""
    return config_dir() / "config.toml"


def _coerce(name: str, raw: Any, source: str) -> Any:
    kind = _FIELD_TYPES[name]
    if kind is bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off", ""):
            return False
        raise ConfigError(f"{source}: {name} must be true or false, got {raw!r}")
    if kind is int:
        if isinstance(raw, bool):
            raise ConfigError(f"{source}: {name} must be an integer, got {raw!r}")
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise ConfigError(f"{source}: {name} must be an integer, got {raw!r}") from None
    if kind is Path:
        if not isinstance(raw, str | Path) or not str(raw):
            raise ConfigError(f"{source}: {name} must be a path string, got {raw!r}")
        return Path(raw).expanduser()
    if not isinstance(raw, str):
        raise ConfigError(f"{source}: {name} must be a string, got {raw!r}")
    return raw


def _from_file(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    values: dict[str, Any] = {}
    for key, raw in data.items():
        if key not in _FIELD_TYPES:
            raise ConfigError(f"{path}: unknown setting {key!r} (known: {', '.join(_FIELD_TYPES)})")
        values[key] = _coerce(key, raw, str(path))
    return values


def _from_env(environ: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in _FIELD_TYPES:
        env_name = _ENV_PREFIX + name.upper()
        if env_name in environ:
            values[name] = _coerce(name, environ[env_name], env_name)
    # The short, documented names for the wallet directory win over the file (but not over flags).
    if _coerce("embedded_node", environ.get("TAO_WALLET_NO_EMBEDDED", "0"), "TAO_WALLET_NO_EMBEDDED"):
        values["embedded_node"] = False  # the chain commands' older switch, honoured here too
    explicit_path = environ.get("TAO_WALLET_PATH") or environ.get("BT_WALLET_PATH")
    if explicit_path:
        values["wallet_path"] = Path(explicit_path).expanduser()
    return values


def load_config(
    overrides: Mapping[str, Any] | None = None,
    *,
    path: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> AppConfig:
    """Build the config from defaults, config.toml, the environment and explicit overrides.

    Args:
        overrides: Values from command-line flags; ``None`` entries are ignored.
        path: Config file to read (default: ``config_dir()/config.toml``).
        environ: Environment mapping (default: ``os.environ``).

    Raises:
        ConfigError: A value is of the wrong type or out of range; the message names it and its source.
    """
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {"wallet_path": Path("~/.bittensor/wallets").expanduser()}  # bittensor's default
    values.update(_from_file(path or config_file()))
    values.update(_from_env(env))
    for key, raw in (overrides or {}).items():
        if raw is not None:
            values[key] = _coerce(key, raw, "command line")
    return dataclasses.replace(AppConfig(), **values)
