"""Crash-safe file writes: temp file in the same directory, fsync, rename, fsync the directory.

A reader sees either the old file or the complete new one, never a partial key.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from keystore.errors import KeyfileExistsError

log = logging.getLogger(__name__)
FILE_MODE = 0o600
DIR_MODE = 0o700
BACKUP_MARK = ".bak-"


def ensure_private_dir(path: Path) -> None:
    """Create ``path`` (and missing parents) as 0700; existing directories are left as they are."""
    missing = []
    current = path
    while not current.exists():
        missing.append(current)
        current = current.parent
    for directory in reversed(missing):
        with contextlib.suppress(FileExistsError):
            directory.mkdir(mode=DIR_MODE)
        os.chmod(directory, DIR_MODE)  # mkdir's mode is filtered by the umask


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def backup_path(path: Path) -> Path:
    """``<name>.bak-<UTC timestamp>``, with a counter if that name is taken."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    candidate = path.with_name(f"{path.name}{BACKUP_MARK}{stamp}")
    n = 1
    while candidate.exists():
        candidate = path.with_name(f"{path.name}{BACKUP_MARK}{stamp}-{n}")
        n += 1
    return candidate


def _write_temp(directory: Path, name: str, data: bytes) -> Path:
    fd, tmp_name = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def make_backup(path: Path) -> Path:
    """Copy ``path`` to a fresh backup name (atomically, 0600) and return the backup path."""
    target = backup_path(path)
    tmp = _write_temp(path.parent, target.name, path.read_bytes())
    try:
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    shutil.copystat(path, target)
    os.chmod(target, FILE_MODE)
    log.info("backed up %s to %s", path, target)
    return target


def atomic_write(path: Path, data: bytes, *, overwrite: bool = False) -> Path | None:
    """Write ``data`` to ``path`` (mode 0600) atomically.

    Args:
        path: destination; its directory is created 0700 if missing.
        data: full new contents.
        overwrite: replace an existing file, after copying it to a backup.

    Returns:
        The backup path when an existing file was replaced, else None.

    Raises:
        KeyfileExistsError: ``path`` exists and ``overwrite`` is False.
        OSError: the write failed; the original file (if any) is untouched, no temp file remains.
    """
    if path.exists() and not overwrite:
        raise KeyfileExistsError(f"{path} already exists; pass overwrite to replace it (a backup is kept)")
    ensure_private_dir(path.parent)
    backup = make_backup(path) if path.exists() else None
    try:
        tmp = _write_temp(path.parent, path.name, data)
        try:
            if overwrite:
                os.replace(tmp, path)
            else:
                _link_new(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    except BaseException:
        if backup is not None:
            backup.unlink(missing_ok=True)  # the original is untouched, so the copy is not needed
        raise
    _fsync_dir(path.parent)
    return backup


def _link_new(tmp: Path, path: Path) -> None:
    """Publish ``tmp`` at ``path`` only if ``path`` does not exist (no clobbering race)."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise KeyfileExistsError(f"{path} already exists; pass overwrite to replace it") from None
    except OSError:  # filesystem without hard links
        if path.exists():
            raise KeyfileExistsError(f"{path} already exists; pass overwrite to replace it") from None
        os.replace(tmp, path)
