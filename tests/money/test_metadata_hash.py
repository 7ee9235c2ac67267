"""CheckMetadataHash mode 1 (RFC-0078): the digest, the V14 derived from V15, the localnet's check, and the
offline build -> sign -> submit flow over a real WebSocket (signer refuses altered metadata, chain refuses a
signature over another digest)."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from node.client.extrinsic import signing_payload
from node.client.metadata_hash import hashed_runtime, metadata_digest, online_metadata
from node.client.metadata_v15 import MetadataFormatError, unwrap_metadata, v14_from_v15
from node.client.runtime import Runtime
from tao_wallet.services.chain import ChainService, decode_address
from tao_wallet.services.errors import WalletError
from tao_wallet.services.tx import PendingStore, TxRunner, check_unsigned, finalize_signed
from tests.money.cli_helpers import make_wallet, run
from tests.money.conftest import Funder, fresh_keypair, signer_of
from tests.money.test_offline_tx import network_disabled

REPO = Path(__file__).resolve().parents[2]
V15_ASSET = REPO / "assets" / "localnet" / "subtensor-localnet-spec461.v15.hex"

#: Computed independently with polkadot-api's `merkleizeMetadata` (npm @polkadot-api/merkleize-metadata 1.3.0,
#: the JS implementation wallets use; it also checks spec name/version against the metadata's System.Version)
#: for the V15 asset above with specName "node-subtensor", specVersion 461, base58Prefix 42, decimals 9, "TAO".
PAPI_DIGEST_SPEC461 = "affbcc25b1cb6847bc94dcf3a7f35fb8d6a5c59d9d47da92063a9399a5fc11c0"


@pytest.fixture(scope="module")
def v15() -> bytes:
    return unwrap_metadata(bytes.fromhex(V15_ASSET.read_text().strip().removeprefix("0x")))


@pytest.fixture
def wallets_dir() -> Path:
    return Path(os.environ["TAO_WALLET_PATH"])


def _renamed(metadata: bytes, old: bytes, new: bytes) -> bytes:
    """Metadata with one identifier renamed (same length, so still well-formed)."""
    assert len(old) == len(new) and metadata.count(old) >= 1
    return metadata.replace(old, new, 1)


def test_digest_matches_an_independent_implementation(v15: bytes) -> None:
    assert metadata_digest(v15, 461, "node-subtensor").hex() == PAPI_DIGEST_SPEC461
    # the Option<OpaqueMetadata> form of Metadata_metadata_at_version gives the same digest
    assert metadata_digest(bytes.fromhex(V15_ASSET.read_text().strip()[2:]), 461, "node-subtensor").hex() \
        == PAPI_DIGEST_SPEC461


def test_digest_changes_with_metadata_and_chain_info(v15: bytes) -> None:
    base = metadata_digest(v15, 461, "node-subtensor")
    assert metadata_digest(v15, 461, "node-subtensor") == base  # deterministic
    assert metadata_digest(v15, 462, "node-subtensor") != base
    assert metadata_digest(v15, 461, "node-subtensoR") != base
    assert metadata_digest(_renamed(v15, b"transfer_keep_alive", b"harmless_noop_call_"), 461,
                           "node-subtensor") != base
    with pytest.raises(ValueError, match="V15"):
        metadata_digest(bytes.fromhex((REPO / "assets/metadata/subtensor-localnet-spec461.v14.hex").read_text()[2:]),
                        461, "node-subtensor")


def test_v14_derived_from_v15_decodes_like_the_shipped_v14(v15: bytes, runtime461: Runtime) -> None:
    hashed = hashed_runtime(v15)
    derived = hashed.runtime
    assert (derived.spec_name, derived.spec_version, derived.transaction_version) == ("node-subtensor", 461, 1)
    assert [e.identifier for e in derived.signed_extensions] == [e.identifier for e in runtime461.signed_extensions]
    assert hashed.digest.hex() == PAPI_DIGEST_SPEC461
    for pallet, function, args in [
        ("Balances", "transfer_keep_alive", {"dest": "0x" + "11" * 32, "value": 10**9}),
        ("SubtensorModule", "add_stake", {"hotkey": "0x" + "22" * 32, "netuid": 3, "amount_staked": 5}),
        ("System", "remark_with_event", {"remark": "0x6869"}),
    ]:
        call = runtime461.compose_call(pallet, function, args)
        assert derived.compose_call(pallet, function, args) == call
        assert derived.decode_call(call).summary() == runtime461.decode_call(call).summary()
    with pytest.raises(MetadataFormatError):
        v14_from_v15(v15[:1000])


def _build(localnet_url: str, sender: str, dest: str, path: Path, *extra: str) -> dict[str, Any]:
    result = run("tx", "build", "transfer", "--from", sender, "--dest", dest, "--amount", "1",
                 "--network", localnet_url, *extra)
    assert result.code == 0, result.stderr
    path.write_text(result.stdout)
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_offline_mode1_build_sign_submit(
    localnet_url: str, funder: Funder, chain: ChainService, tmp_path: Path, wallets_dir: Path
) -> None:
    sender, dest = fresh_keypair(), fresh_keypair()
    make_wallet("mh1", sender, wallets_dir)
    funder.fund(sender.ss58_address, 3)  # type: ignore[attr-defined]
    unsigned, signed = tmp_path / "u.json", tmp_path / "s.json"
    doc = _build(localnet_url, sender.ss58_address, dest.ss58_address, unsigned)  # type: ignore[attr-defined]
    runtime = chain.client.runtime()
    found = online_metadata(chain.client, runtime)
    assert found is not None
    assert doc["metadata_hash"] == {"mode": 1, "hash": "0x" + found.digest.hex()}
    assert bytes.fromhex(doc["metadata_v15"][2:]) == found.metadata
    assert found.digest == metadata_digest(found.metadata, runtime.spec_version, runtime.spec_name)

    with network_disabled() as attempts:
        result = run("tx", "sign", str(unsigned), "-w", "mh1", "--no-prompt", "-o", str(signed))
    assert not attempts and result.code == 0, result.stderr
    assert f"Metadata hash:  0x{found.digest.hex()} recomputed from the metadata in the file" in result.stderr
    assert "Decoded call:   Balances.transfer_keep_alive(dest=" + dest.ss58_address in result.stderr  # type: ignore[attr-defined]

    result = run("tx", "submit", str(signed), "--network", localnet_url, "--wait-for", "in_block", "--json")
    assert result.code == 0, result.stderr
    assert result.json()["success"] is True
    assert chain.balance(dest.ss58_address).free_rao == 10**9  # type: ignore[attr-defined]
    # what went on chain is a mode-1 extrinsic
    block = chain.client.block_hash(int(result.json()["block_number"]))
    assert block is not None
    ours = [x for x in chain.client.block_extrinsics(block) if bytes.fromhex(doc["call"]["hex"][2:]) in x]
    assert len(ours) == 1 and ours[0].endswith(b"\x01" + bytes.fromhex(doc["call"]["hex"][2:]))


def test_altered_metadata_is_refused_by_signer_and_chain(
    localnet_url: str, funder: Funder, chain: ChainService, tmp_path: Path, wallets_dir: Path
) -> None:
    sender, dest = fresh_keypair(), fresh_keypair()
    make_wallet("mh2", sender, wallets_dir)
    funder.fund(sender.ss58_address, 3)  # type: ignore[attr-defined]
    doc = _build(localnet_url, sender.ss58_address, dest.ss58_address, tmp_path / "u.json")  # type: ignore[attr-defined]
    honest = bytes.fromhex(doc["metadata_v15"][2:])
    forged = _renamed(honest, b"transfer_keep_alive", b"harmless_noop_call_")

    # 1. the metadata in the file was altered, its digest left as built: the signer refuses
    altered = dict(doc, metadata_v15="0x" + forged.hex())
    (tmp_path / "altered.json").write_text(json.dumps(altered))
    with network_disabled():
        result = run("tx", "sign", str(tmp_path / "altered.json"), "-w", "mh2", "--no-prompt", "--json",
                     "-o", str(tmp_path / "altered.signed"))
    assert result.code == 1 and result.error()["code"] == "metadata_hash_mismatch"
    assert "refusing to sign" in result.error()["message"] and not (tmp_path / "altered.signed").exists()

    # 2. a consistent forgery (digest and payload recomputed for the altered metadata): the signer shows the
    # forged decoding and signs, but the signature is over a digest the chain does not have
    digest = metadata_digest(forged, int(doc["spec_version"]), doc["spec_name"])
    forged_runtime = hashed_runtime(forged).runtime
    forged_doc = dict(altered, metadata_hash={"mode": 1, "hash": "0x" + digest.hex()})
    ctx = replace(check_unsigned(doc).context, metadata_hash=digest)
    forged_doc["payload"] = "0x" + signing_payload(forged_runtime, bytes.fromhex(doc["call"]["hex"][2:]), ctx).hex()
    (tmp_path / "forged.json").write_text(json.dumps(forged_doc))
    with network_disabled():
        result = run("tx", "sign", str(tmp_path / "forged.json"), "-w", "mh2", "--no-prompt",
                     "-o", str(tmp_path / "forged.signed"))
    assert result.code == 0, result.stderr
    assert "Balances.harmless_noop_call_(" in result.stderr  # what a fooled signer would have seen
    signed = json.loads((tmp_path / "forged.signed").read_text())

    # our submit refuses it before sending ...
    result = run("tx", "submit", str(tmp_path / "forged.signed"), "--network", localnet_url, "--json")
    assert result.code == 1 and result.error()["code"] == "metadata_hash_mismatch"
    # ... and sent anyway, the localnet rejects it as Substrate does: a bad signature
    runner = TxRunner(chain, PendingStore(tmp_path / "pending"))
    try:
        extrinsic = finalize_signed(signed, chain.client.runtime())
        with pytest.raises(WalletError) as rejected:
            runner.submit(extrinsic, None, wait_for="in_block")
    finally:
        runner.close()
    assert rejected.value.code == "transaction_rejected"
    assert "bad signature" in str(rejected.value)
    assert chain.client.next_nonce(decode_address(sender.ss58_address)) == 0  # type: ignore[attr-defined]
    assert chain.balance(dest.ss58_address).free_rao == 0  # type: ignore[attr-defined]


def test_mode0_still_accepted_and_mode1_without_metadata_is_refused(
    localnet_url: str, funder: Funder, chain: ChainService, tmp_path: Path, wallets_dir: Path
) -> None:
    sender, dest = fresh_keypair(), fresh_keypair()
    make_wallet("mh3", sender, wallets_dir)
    funder.fund(sender.ss58_address, 3)  # type: ignore[attr-defined]
    unsigned, signed = tmp_path / "u.json", tmp_path / "s.json"
    doc = _build(localnet_url, sender.ss58_address, dest.ss58_address, unsigned, "--no-metadata-hash")  # type: ignore[attr-defined]
    assert doc["metadata_hash"] == {"mode": 0, "hash": None} and "metadata_v15" not in doc

    # a mode-1 file stripped of its metadata cannot be checked: refused (not silently decoded otherwise)
    stripped = _build(localnet_url, sender.ss58_address, dest.ss58_address, tmp_path / "m1.json")  # type: ignore[attr-defined]
    del stripped["metadata_v15"]
    (tmp_path / "m1.json").write_text(json.dumps(stripped))
    result = run("tx", "sign", str(tmp_path / "m1.json"), "-w", "mh3", "--no-prompt", "--json")
    assert result.code == 1 and result.error()["code"] == "metadata_missing"
    # ... unless the V15 metadata comes with --metadata (raw hex; the digest is still recomputed and checked)
    found = online_metadata(chain.client, chain.client.runtime())
    assert found is not None
    v15_file = tmp_path / "chain.v15.hex"
    v15_file.write_text("0x" + found.metadata.hex())
    with network_disabled():
        result = run("tx", "sign", str(tmp_path / "m1.json"), "-w", "mh3", "--no-prompt", "--metadata", str(v15_file),
                     "-o", str(tmp_path / "m1.signed"))
    assert result.code == 0 and f"recomputed from the metadata in {v15_file}" in result.stderr, result.stderr

    # mode 0: decoded with V14 metadata the user vouches for (here: the chain's own, saved beforehand)
    v14 = tmp_path / "chain.v14.hex"
    v14.write_text(chain.client.read("state_getMetadata", []))
    result = run("tx", "sign", str(unsigned), "-w", "mh3", "--no-prompt", "-o", str(signed), "--metadata", str(v14))
    assert result.code == 0, result.stderr
    assert "Metadata hash:  not signed (mode 0)" in result.stderr
    result = run("tx", "submit", str(signed), "--network", localnet_url, "--wait-for", "in_block", "--json")
    assert result.code == 0 and result.json()["success"] is True, result.stderr


def test_online_signing_uses_mode1(funder: Funder, chain: ChainService, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """TxRunner signs with the chain's digest by default; the localnet accepts it, and mode 0 when asked."""
    from keystore.keypair import Keypair

    alice = signer_of(Keypair.from_uri("//Alice"))
    runtime = chain.client.runtime()
    for n, (metadata_hash, env, mode_byte) in enumerate([
        (None, None, b"\x01"), (False, None, b"\x00"), (None, "0", b"\x00"), (True, "0", b"\x01"),
    ]):
        if env is None:
            monkeypatch.delenv("TAO_WALLET_METADATA_HASH", raising=False)
        else:
            monkeypatch.setenv("TAO_WALLET_METADATA_HASH", env)
        runner = TxRunner(chain, PendingStore(tmp_path / f"p{n}"), metadata_hash=metadata_hash)
        remark = f"case {n}".encode()
        call = runtime.compose_call("System", "remark", {"remark": "0x" + remark.hex()})
        try:
            view = runner.sign_and_submit(call, alice, wait_for="in_block")
        finally:
            runner.close()
        assert view.success, view
        assert view.block_number is not None
        block = chain.client.block_hash(view.block_number)
        assert block is not None
        ours = [x for x in chain.client.block_extrinsics(block) if x.endswith(call)]
        assert len(ours) == 1 and ours[0].endswith(mode_byte + call)


def test_online_check_catches_a_v14_that_disagrees_with_v15(v15: bytes, runtime461: Runtime) -> None:
    """Online, calls are composed with the node's V14; the V15 the digest covers must read them the same."""
    from node.client.metadata_hash import MetadataHashError, OnlineMetadata

    honest = OnlineMetadata(v15, metadata_digest(v15, 461, "node-subtensor"), 461, 1)
    calls = [
        runtime461.compose_call("Balances", "transfer_keep_alive", {"dest": "0x" + "11" * 32, "value": 10**9}),
        runtime461.compose_call("SubtensorModule", "add_stake_limit", {
            "hotkey": "0x" + "22" * 32, "netuid": 3, "amount_staked": 5, "limit_price": 7, "allow_partial": False}),
        runtime461.compose_call("SubtensorModule", "burned_register", {"netuid": 1, "hotkey": "0x" + "33" * 32}),
        runtime461.compose_call("System", "remark_with_event", {"remark": "0x6869"}),
    ]
    for call in calls:
        honest.check_call(call, runtime461.decode_call(call))
    forged = OnlineMetadata(_renamed(v15, b"transfer_keep_alive", b"harmless_noop_call_"), honest.digest, 461, 1)
    with pytest.raises(MetadataHashError, match="disagree"):
        forged.check_call(calls[0], runtime461.decode_call(calls[0]))
    # the V14 says the value is 10^9, the V15 would read the bytes of another call as something else
    other = runtime461.decode_call(calls[3])
    with pytest.raises(MetadataHashError):
        honest.check_call(calls[0], other)


def test_online_bad_proof_says_what_to_do(funder: Funder, chain: ChainService, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A node whose runtime hashes other metadata (or none) rejects every mode-1 signature: the error says so."""
    import tao_wallet.services.tx as tx
    from keystore.keypair import Keypair

    monkeypatch.setattr(tx, "_online_digest", lambda client, runtime, call: b"\x42" * 32)  # not the chain's
    runner = TxRunner(chain, PendingStore(tmp_path / "p"))
    call = chain.client.runtime().compose_call("System", "remark", {"remark": "0x00"})
    try:
        with pytest.raises(WalletError) as rejected:
            runner.sign_and_submit(call, signer_of(Keypair.from_uri("//Alice")), wait_for="in_block")
    finally:
        runner.close()
    assert rejected.value.code == "transaction_rejected"
    assert "bad signature" in rejected.value.message and "TAO_WALLET_METADATA_HASH=0" in rejected.value.message
