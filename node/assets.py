"""Locate the files the node ships with (runtime metadata, V15 types, the demo scenario).

In a repo checkout they live in `<repo>/assets/`; an installed wheel force-includes the same tree as
`tao_wallet/assets/` next to the `node` package (see pyproject.toml). `node` must not import
`tao_wallet`, so this module only looks at the file system relative to itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

_PACKAGE_PARENT = Path(__file__).resolve().parent.parent


def asset_roots(base: Path = _PACKAGE_PARENT) -> tuple[Path, ...]:
    """The candidate asset directories for a `node` package installed under `base`, in search order."""
    return (base / "assets", base / "tao_wallet" / "assets")


def find_asset(*parts: str, roots: Sequence[Path] | None = None) -> Path:
    """The path of `assets/<parts...>` in the first root that has it.

    Args:
        parts: path components below the assets directory, e.g. ("localnet", "demo.toml").
        roots: directories to search; default `asset_roots()` (checkout, then installed wheel).

    Raises:
        FileNotFoundError: no root holds the file; the message lists every place searched.
    """
    if not parts:
        raise ValueError("find_asset needs at least one path component")
    searched = tuple(roots) if roots is not None else asset_roots()
    for root in searched:
        candidate = root.joinpath(*parts)
        if candidate.is_file():
            return candidate
    tried = ", ".join(str(root.joinpath(*parts)) for root in searched)
    raise FileNotFoundError(f"asset {'/'.join(parts)} not found (looked in: {tried})")


def asset_path(*parts: str) -> Path:
    """Like `find_asset`, but never raises: a missing file maps to its checkout location.

    For module-level constants: reading the returned path then fails with the usual FileNotFoundError.
    """
    try:
        return find_asset(*parts)
    except FileNotFoundError:
        return asset_roots()[0].joinpath(*parts)
