"""Ordered key iteration over a trie, for ``state_getKeysPaged`` at any root."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from node.trie.codec import HEX_NIBBLES, Node

__all__ = ["iter_keys"]

Loader = Callable[[bytes], Node]


def iter_keys(root: Node | None, load: Loader, prefix: bytes, start: bytes | None) -> Iterator[bytes]:
    """Yield the keys under ``prefix`` in byte order, strictly after ``start`` when given.

    Hex nibble paths sort exactly like the byte keys they spell, so the walk compares hex strings
    and prunes every subtree that lies wholly outside the prefix or at or before ``start``.

    Args:
        root: the loaded root node (None for the empty trie).
        load: turns an unloaded child hash into a node (the trie caches it in place).
        prefix: only keys starting with these bytes.
        start: resume point (exclusive), e.g. the last key of the previous page.
    """
    if root is None:
        return
    bound = None if start is None else start.hex()
    yield from _walk(root, "", prefix.hex(), bound, load)


def _outside(path: str, prefix: str, bound: str | None) -> tuple[bool, str | None]:
    """Decide whether the subtree at ``path`` can hold wanted keys; returns (skip, bound to keep)."""
    n = min(len(path), len(prefix))
    if path[:n] != prefix[:n]:
        return True, None
    if bound is None or bound.startswith(path):
        return False, bound
    if path < bound:  # diverges below the bound: every key in this subtree is smaller
        return True, None
    return False, None  # every key in this subtree is greater than the bound


def _walk(node: Node, parent_path: str, prefix: str, bound: str | None, load: Loader) -> Iterator[bytes]:
    path = parent_path + node.partial
    skip, bound = _outside(path, prefix, bound)
    if skip:
        return
    if node.value is not None and bound is None and path.startswith(prefix):
        yield bytes.fromhex(path)
    children = node.children
    if children is None:
        return
    for i, child in enumerate(children):
        if child is None:
            continue
        child_path = path + HEX_NIBBLES[i]
        if _outside(child_path, prefix, bound)[0]:
            continue
        if isinstance(child, bytes):
            child = children[i] = load(child)
        yield from _walk(child, child_path, prefix, bound, load)
