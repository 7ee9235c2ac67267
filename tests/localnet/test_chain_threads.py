"""The Chain under concurrent use: submitters, readers and a block producer on separate threads."""

from __future__ import annotations

import threading

from substrateinterface import Keypair

from node.localnet.chain import Chain
from tests.localnet.test_chain_rpcshim import shim_interface


def test_concurrent_submit_read_and_produce() -> None:
    chain = Chain(None)
    si = shim_interface(chain)
    names = ["Alice", "Bob", "Charlie", "Dave"]
    dest = Keypair.create_from_uri("//ThreadSink").ss58_address
    call = si.compose_call("Balances", "transfer_keep_alive", {"dest": dest, "value": 10**9})
    signed = {n: [bytes(si.create_signed_extrinsic(call, keypair=Keypair.create_from_uri(f"//{n}"),
                                                     nonce=i).data.data) for i in range(15)] for n in names}
    errors: list[BaseException] = []
    stop = threading.Event()

    def submitter(name: str) -> None:
        try:
            for raw in signed[name]:
                chain.submit(raw)
        except BaseException as exc:
            errors.append(exc)

    def reader() -> None:
        try:
            while not stop.wait(0.001):
                chain.read("System", "Number")
                chain.keys_paged(chain.state_at().key("System", "Account"), 10, None, None)
                chain.header(chain.best_hash)
        except BaseException as exc:
            errors.append(exc)

    def producer() -> None:
        try:
            while not stop.wait(0.005):
                chain.produce_block()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=submitter, args=(n,)) for n in names]
    background = [threading.Thread(target=reader), threading.Thread(target=producer)]
    for t in background + threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    while chain.pending_extrinsics() and not errors:
        chain.produce_block()
    stop.set()
    for t in background:
        t.join(timeout=60)
    assert errors == []
    for n in names:
        assert chain.read("System", "Account", Keypair.create_from_uri(f"//{n}").public_key)["nonce"] == 15
    assert chain.read("System", "Account", Keypair.create_from_uri("//ThreadSink").public_key)["data"][
        "free"] == 60 * 10**9
    chain.close()
