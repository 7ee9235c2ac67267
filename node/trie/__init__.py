"""Substrate base-16 Patricia-Merkle trie: state roots, read proofs and their verification."""
