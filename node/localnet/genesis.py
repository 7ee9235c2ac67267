"""Genesis configuration: dev accounts //Alice..//Ferdie (sr25519), their balances and the sudo key."""

from __future__ import annotations

from dataclasses import dataclass, field

DEV_ACCOUNTS: dict[str, bytes] = {
    "Alice": bytes.fromhex("d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"),
    "Bob": bytes.fromhex("8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48"),
    "Charlie": bytes.fromhex("90b5ab205c6974c9ea841be688864633dc9ca8a357843eeacf2314649965fe22"),
    "Dave": bytes.fromhex("306721211d5404bd9da88e0204360a1a9ab8b87c66c1bc2fcdd37f3c2222cc20"),
    "Eve": bytes.fromhex("e659a7a1628cdd93febc04a4e0646ea20e9f5f0ce097d9a05290d4a9e054df4e"),
    "Ferdie": bytes.fromhex("1cbd2d43530a44705ad088af313e18f80b53ef16b36177cd4b77b846f2a5f07c"),
}
"""sr25519 public keys of the well-known dev URIs (//Alice etc. on the standard dev phrase); a test
derives them with substrate-interface to check these constants."""

ALICE_ED25519 = bytes.fromhex("88dc3417d5058ec4b4503e0c12ea1a0a89be200fe98922423d4334014fa6b0ee")
"""ed25519 public key of //Alice (the GRANDPA authority of dev chains)."""

DEV_BALANCE = 1_000_000 * 10**9
"""Each dev account starts with 1,000,000 TAO (in rao)."""


@dataclass
class GenesisConfig:
    """What the genesis block holds. Extra pallets (subtensor) read their own fields from `extra`."""

    balances: dict[bytes, int] = field(
        default_factory=lambda: {pk: DEV_BALANCE for pk in DEV_ACCOUNTS.values()}
    )
    sudo: bytes | None = DEV_ACCOUNTS["Alice"]
    authority: bytes = DEV_ACCOUNTS["Alice"]
    grandpa_authority: bytes = ALICE_ED25519
    timestamp_ms: int = 0
    """Genesis timestamp (0 = time of first start); block timestamps advance from it."""
    chain_name: str = "Bittensor Localnet"
    extra: dict[str, object] = field(default_factory=dict)
