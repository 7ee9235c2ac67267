"""What btcli / async-substrate-interface need from the node, checked fast without btcli itself.

Each case is an incompatibility found by running btcli 9.23.2 against the localnet (see
test_btcli_localnet.py for the end-to-end runs).
"""

from __future__ import annotations

import struct

import bt_decode
from scalecodec.utils.ss58 import ss58_decode
from substrateinterface import Keypair, SubstrateInterface

from node.localnet.metadata_extension import extend_metadata_option
from node.localnet.subtensor.api_codec import V15_PATH


def test_metadata_v15_is_served(localnet_url: str) -> None:
    si = SubstrateInterface(url=localnet_url)
    try:
        raw = si.rpc_request("state_call", ["Metadata_metadata_at_version", "0x0f000000"])["result"]
        versions = si.rpc_request("state_call", ["Metadata_metadata_versions", "0x"])["result"]
    finally:
        si.close()
    blob = bytes.fromhex(raw[2:])
    assert blob == extend_metadata_option(bytes.fromhex(V15_PATH.read_text().strip()[2:]))  # spec 461 + RootClaimType
    md15 = bt_decode.MetadataV15.decode_from_metadata_option(blob)
    apis = {a["name"] for a in md15.value()["apis"]}
    assert {"StakeInfoRuntimeApi", "SubnetInfoRuntimeApi", "SwapRuntimeApi"} <= apis
    assert bytes.fromhex(versions[2:]) == b"\x08" + struct.pack("<II", 14, 15)


def test_state_call_data_without_0x_prefix(localnet_url: str) -> None:
    """async-substrate-interface sends call data as bare hex ('' for no arguments), as Substrate accepts."""
    si = SubstrateInterface(url=localnet_url)
    try:
        bare = si.rpc_request("state_call", ["SwapRuntimeApi_current_alpha_price_all", ""])["result"]
        prefixed = si.rpc_request("state_call", ["SwapRuntimeApi_current_alpha_price_all", "0x"])["result"]
        assert bare == prefixed
        bob = ss58_decode(Keypair.create_from_uri("//Bob").ss58_address)
        a = si.rpc_request("state_call", ["AccountNonceApi_account_nonce", bob])["result"]
        b = si.rpc_request("state_call", ["AccountNonceApi_account_nonce", "0x" + bob])["result"]
        assert a == b
    finally:
        si.close()


def test_account_next_index_alias(localnet_url: str) -> None:
    si = SubstrateInterface(url=localnet_url)
    try:
        alice = Keypair.create_from_uri("//Alice").ss58_address
        assert (si.rpc_request("account_nextIndex", [alice])["result"]
                == si.rpc_request("system_accountNextIndex", [alice])["result"])
        assert "account_nextIndex" in si.rpc_request("rpc_methods", [])["result"]["methods"]
    finally:
        si.close()


def test_coldkey_lock_is_none(localnet_url: str) -> None:
    """btcli asks for the coldkey's stake lock before unstaking; locks cannot exist on the localnet."""
    si = SubstrateInterface(url=localnet_url)
    try:
        alice = ss58_decode(Keypair.create_from_uri("//Alice").ss58_address)
        answer = si.rpc_request("state_call", ["StakeInfoRuntimeApi_get_coldkey_lock",
                                               "0x" + alice + struct.pack("<H", 1).hex()])["result"]
    finally:
        si.close()
    assert answer == "0x00"  # Option::None
