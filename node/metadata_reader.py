"""A cursor over SCALE-encoded runtime metadata (V14/V15 `RuntimeMetadataPrefixed`) that skips or reads its
building blocks: the portable type registry, fields, strings and options.

Two places walk raw metadata bytes instead of decoding them (so everything they do not touch stays
byte-identical): the client deriving V14 from the V15 it signs over (node.client.metadata_v15) and the
localnet adding storage items to the metadata it serves (node.localnet.metadata_extension).
"""

from __future__ import annotations

from node.scale_compact import decode_compact


class MetadataFormatError(ValueError):
    """The bytes are not metadata this reader can walk."""


class MetadataReader:
    """Reads from `data` at `pos`; every malformed or truncated input raises `error`."""

    def __init__(self, data: bytes, pos: int, error: type[ValueError] = MetadataFormatError) -> None:
        self.data = data
        self.pos = pos
        self.error = error

    def compact(self) -> int:
        try:
            value, self.pos = decode_compact(self.data, self.pos, canonical=False)
        except (ValueError, IndexError) as exc:
            raise self.error(f"bad compact at byte {self.pos}: {exc}") from None
        return value

    def counted(self) -> tuple[int, int, int]:
        """A compact length prefix as (start, end, value): where it sits, for rewriting it."""
        start = self.pos
        value = self.compact()
        return start, self.pos, value

    def byte(self) -> int:
        return self.take(1)[0]

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise self.error("metadata ends early")
        self.pos += n
        return self.data[self.pos - n : self.pos]

    def string(self) -> str:
        try:
            return self.take(self.compact()).decode()
        except UnicodeDecodeError:
            raise self.error(f"bad string before byte {self.pos}") from None

    def strings(self) -> tuple[str, ...]:
        return tuple(self.string() for _ in range(self.compact()))

    def optional(self) -> bool:
        """An Option's tag: True when a value follows."""
        flag = self.byte()
        if flag > 1:
            raise self.error(f"bad Option tag {flag} at byte {self.pos - 1}")
        return flag == 1

    def field(self) -> None:
        if self.optional():
            self.string()
        self.compact()
        if self.optional():
            self.string()
        self.strings()

    def type_def(self) -> None:
        tag = self.byte()
        if tag == 0:  # composite
            for _ in range(self.compact()):
                self.field()
        elif tag == 1:  # variant
            for _ in range(self.compact()):
                self.string()
                for _ in range(self.compact()):
                    self.field()
                self.byte()
                self.strings()
        elif tag in (2, 6):  # sequence, compact
            self.compact()
        elif tag == 3:  # array
            self.take(4)
            self.compact()
        elif tag == 4:  # tuple
            for _ in range(self.compact()):
                self.compact()
        elif tag == 5:  # primitive
            self.byte()
        elif tag == 7:  # bit sequence
            self.compact()
            self.compact()
        else:
            raise self.error(f"unknown TypeDef tag {tag}")

    def type_head(self) -> tuple[int, tuple[str, ...], tuple[int | None, ...]]:
        """One registry entry: (type id, path, type parameter ids); the definition and docs are skipped."""
        type_id = self.compact()
        path = self.strings()
        params: list[int | None] = []
        for _ in range(self.compact()):
            self.string()
            params.append(self.compact() if self.optional() else None)
        self.type_def()
        self.strings()
        return type_id, path, tuple(params)
