"""AppConfig: defaults, config.toml, TAO_WALLET_* environment, and specific errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from tao_wallet.config import AppConfig, ConfigError, config_file, load_config


def test_defaults(isolated_dirs: Path) -> None:
    config = load_config(environ={})
    assert config.network == "local"
    assert config.unlock_cache_seconds == 0 and config.remember_passwords is False
    assert config.wallet_path == Path.home() / ".bittensor" / "wallets"
    assert config.crypto_type == "sr25519" and config.mnemonic_words == 12


def test_file_then_env_then_flags(isolated_dirs: Path) -> None:
    path = config_file()
    path.parent.mkdir(parents=True)
    path.write_text('network = "finney"\nunlock_cache_seconds = 120\nwallet_path = "~/w-from-file"\n')
    config = load_config(environ={})
    assert (config.network, config.unlock_cache_seconds) == ("finney", 120)
    assert config.wallet_path == Path.home() / "w-from-file"
    env = {"TAO_WALLET_NETWORK": "test", "TAO_WALLET_REMEMBER_PASSWORDS": "yes", "BT_WALLET_PATH": "/bt"}
    config = load_config(environ=env)
    assert (config.network, config.remember_passwords, config.wallet_path) == ("test", True, Path("/bt"))
    config = load_config({"wallet_path": "/flag", "network": None}, environ=env)
    assert config.wallet_path == Path("/flag") and config.network == "test"


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("unlock_cache_seconds = -1", "unlock_cache_seconds must be >= 0"),
        ('unlock_cache_seconds = "soon"', "must be an integer"),
        ('crypto_type = "rsa"', "crypto_type must be one of"),
        ("mnemonic_words = 13", "mnemonic_words"),
        ("colour = 1", "unknown setting 'colour'"),
        ("network = ", "not valid TOML"),
    ],
)
def test_bad_file_values_are_named(isolated_dirs: Path, text: str, needle: str) -> None:
    path = config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n")
    with pytest.raises(ConfigError, match=needle):
        load_config(environ={})


def test_bad_env_value_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="TAO_WALLET_REMEMBER_PASSWORDS"):
        load_config(environ={"TAO_WALLET_REMEMBER_PASSWORDS": "maybe"})


def test_config_is_frozen() -> None:
    config = AppConfig()
    with pytest.raises(AttributeError):
        config.network = "x"  # type: ignore[misc]
