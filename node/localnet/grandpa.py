"""GRANDPA justifications of finalized localnet blocks, signed by the dev GRANDPA authority //Alice.

A justification proves a block final: a commit for the block (hash, number) carrying precommits from
more than 2/3 of the authority set's weight, each an ed25519 signature over the SCALE encoding of
``(Message::Precommit(target_hash, target_number), round, set_id)``. The localnet has one authority
(//Alice's ed25519 key, weight 1, set id 0, from genesis ``Grandpa.Authorities``), so one precommit is
a supermajority. Real nodes keep justifications only for some blocks (authority-set changes, every
512th); the localnet serves one for every finalized block. Encoding (SCALE):

    GrandpaJustification = round u64 ++ Commit ++ votes_ancestries Vec<Header>
    Commit = target_hash [32] ++ target_number u32 ++ precommits Vec<SignedPrecommit>
    SignedPrecommit = Precommit(target_hash [32], target_number u32) ++ signature [64] ++ id [32]
"""

from __future__ import annotations

import struct

import ed25519_zebra

from node.localnet.hashing import compact

GRANDPA_ENGINE = b"FRNK"
"""ConsensusEngineId of GRANDPA justifications."""

PRECOMMIT = 1
"""finality_grandpa::Message variant index of Precommit (Prevote 0, Precommit 1, PrimaryPropose 2)."""

ALICE_ED25519_SEED = bytes.fromhex("abf8e5bdbe30c65656c0a3cbd181ff8a56294a69dfedd27982aace4a76909115")
"""The secret seed of //Alice's ed25519 key on the public dev phrase (published with Substrate: it
signs only for dev chains; never hold value with it)."""


def precommit_payload(target_hash: bytes, target_number: int, round_number: int, set_id: int) -> bytes:
    """The bytes a GRANDPA voter signs for a precommit: SCALE (Message::Precommit, round, set_id)."""
    return (bytes([PRECOMMIT]) + target_hash + struct.pack("<I", target_number)
            + struct.pack("<Q", round_number) + struct.pack("<Q", set_id))


def encode_justification(target_hash: bytes, target_number: int, round_number: int,
                         precommits: list[tuple[bytes, bytes]]) -> bytes:
    """A GrandpaJustification with precommits (signature, authority id) all for the target itself."""
    target = target_hash + struct.pack("<I", target_number)
    body = b"".join(target + sig + authority for sig, authority in precommits)
    return (struct.pack("<Q", round_number) + target + compact(len(precommits)) + body
            + compact(0))  # no votes_ancestries: every precommit names the target itself


class DevGrandpaVoter:
    """Signs justifications as the dev GRANDPA authority (//Alice ed25519)."""

    def __init__(self, seed: bytes = ALICE_ED25519_SEED) -> None:
        self._secret, self.public = (bytes(x) for x in ed25519_zebra.ed_from_seed(seed))

    def justify(self, block_hash: bytes, number: int, set_id: int = 0) -> bytes:
        """The encoded justification of block (hash, number); the round is the block number."""
        signature = bytes(ed25519_zebra.ed_sign(self._secret, precommit_payload(block_hash, number, number, set_id)))
        return encode_justification(block_hash, number, number, [(signature, self.public)])
