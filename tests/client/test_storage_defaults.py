"""ChainClient.storage on absent values: ValueQuery items give the metadata's default, OptionQuery items None.

scalecodec hands a storage entry's default bytes back as text when they happen to be valid UTF-8 (most
small defaults: b"\\n\\x00", b"\\x01", 32 zero bytes), so the decoder must use the raw bytes.
"""

from __future__ import annotations

import struct

from node.client.client import ChainClient

ABSENT_NETUID = struct.pack("<H", 999)  # no such subnet on the bare localnet
NOBODY = bytes(range(32))  # an account with no state


def test_absent_value_query_items_decode_their_defaults(client: ChainClient) -> None:
    # Defaults of the bundled runtime (subtensor spec 461, fast-blocks build), as its metadata declares them.
    assert client.storage("SubtensorModule", "Tempo", ABSENT_NETUID) == 10  # b"\n\x00" (valid UTF-8)
    assert client.storage("SubtensorModule", "NetworkPowRegistrationAllowed", ABSENT_NETUID) is True  # b"\x01"
    assert client.storage("SubtensorModule", "Difficulty", ABSENT_NETUID) == 10_000_000  # not UTF-8: hex
    owner = client.storage("SubtensorModule", "Owner", NOBODY)  # 32 zero bytes: the zero account
    assert client.runtime().encode(0, owner) == bytes(32)
    assert client.storage("SubtensorModule", "NetworksAdded", ABSENT_NETUID) is False


def test_absent_option_query_items_are_none(client: ChainClient) -> None:
    assert client.storage("SubtensorModule", "Uids", ABSENT_NETUID, NOBODY) is None
    assert client.storage("SubtensorModule", "SubnetIdentitiesV3", ABSENT_NETUID) is None


def test_present_values_still_decode(client: ChainClient) -> None:
    root = struct.pack("<H", 0)
    assert client.storage("SubtensorModule", "NetworksAdded", root) is True
    assert isinstance(client.storage("SubtensorModule", "Tempo", root), int)
    assert client.account(NOBODY).free == 0  # System.Account default: a zeroed AccountInfo
    best = client.best_block()
    assert client.storage("System", "Number", at=best.hash) == best.number
