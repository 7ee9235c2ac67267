"""A runtime's metadata, decoded once and used to compose and decode calls, constants and errors.

Works offline from the bundled metadata blob (air-gapped signing) and online from the node's own
metadata, so call indices, argument types and signed extensions always come from the runtime itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import xxhash

if TYPE_CHECKING:
    from scalecodec.base import RuntimeConfigurationObject

# scalecodec is imported where it is used: it costs ~0.1 s to import and the read-only paths (storage
# keys, runtime-API reads) never need it.


class RuntimeMetadataError(Exception):
    """The metadata does not describe what was asked (unknown pallet, call, argument, type)."""


@dataclass(frozen=True)
class CallArg:
    """One decoded call argument."""

    name: str
    type_name: str
    value: Any


@dataclass(frozen=True)
class DecodedCall:
    """A call decoded against a runtime: what a signer is asked to approve."""

    pallet: str
    function: str
    args: tuple[CallArg, ...]
    call_hex: str

    def summary(self, account: Callable[[bytes], str] | None = None) -> str:
        """One line: `Balances.transfer_keep_alive(dest=0x.., value=1000000000)`.

        Args:
            account: renders account-id arguments (e.g. as SS58) instead of hex.
        """
        inner = ", ".join(f"{a.name}={self._render(a, account)}" for a in self.args)
        return f"{self.pallet}.{self.function}({inner})"

    @staticmethod
    def _render(arg: CallArg, account: Callable[[bytes], str] | None) -> Any:
        value = arg.value
        if (account is not None and "AccountId" in arg.type_name and isinstance(value, str)
                and value.startswith("0x") and len(value) == 66):
            return account(bytes.fromhex(value[2:]))
        return value


@dataclass(frozen=True)
class ModuleErrorInfo:
    """A pallet error as the metadata documents it."""

    pallet: str
    name: str
    docs: str


@dataclass(frozen=True)
class SignedExtensionInfo:
    """One signed extension: scale_info type ids of its extrinsic part and its additional-signed part."""

    identifier: str
    extra_type: int
    additional_type: int


def _fresh_config() -> RuntimeConfigurationObject:
    from scalecodec.base import RuntimeConfigurationObject
    from scalecodec.type_registry import load_type_registry_preset

    config = RuntimeConfigurationObject()
    config.update_type_registry(load_type_registry_preset("core"))
    config.update_type_registry(load_type_registry_preset("legacy"))
    return config


class Runtime:
    """Decoded V14 metadata plus the type registry built from it.

    Args:
        metadata: the decoded `MetadataVersioned` scale object.
        config: the `RuntimeConfigurationObject` holding its portable registry.
    """

    def __init__(self, metadata: Any, config: RuntimeConfigurationObject) -> None:
        self.metadata = metadata
        self.config = config
        self._types = metadata.portable_registry["types"]
        extrinsic = metadata[1][1]["extrinsic"].value
        self.extrinsic_version: int = int(extrinsic["version"])
        self.signed_extensions: tuple[SignedExtensionInfo, ...] = tuple(
            SignedExtensionInfo(se["identifier"], int(se["ty"]), int(se["additional_signed"]))
            for se in extrinsic["signed_extensions"]
        )
        params = {p["name"]: p["type"] for p in self._types[extrinsic["ty"]].value["type"]["params"]}
        self.address_type: int = int(params["Address"])
        self.signature_type: int = int(params["Signature"])
        version = self.constant("System", "Version")
        self.spec_name: str = str(version["spec_name"])
        self.spec_version: int = int(version["spec_version"])
        self.transaction_version: int = int(version["transaction_version"])

    # --- construction -------------------------------------------------------------------------------

    @classmethod
    def from_bytes(cls, blob: bytes) -> Runtime:
        """Decode `state_getMetadata` bytes (the "meta" magic + V14)."""
        from scalecodec.base import ScaleBytes

        config = _fresh_config()
        metadata = config.create_scale_object("MetadataVersioned", data=ScaleBytes(bytearray(blob)))
        try:
            metadata.decode()
        except Exception as exc:  # scalecodec raises bare Exceptions / ValueErrors
            raise RuntimeMetadataError(f"cannot decode runtime metadata: {exc}") from exc
        config.add_portable_registry(metadata)
        return cls(metadata, config)

    @classmethod
    def from_hex(cls, text: str) -> Runtime:
        """Decode metadata given as hex (with or without 0x)."""
        text = text.strip()
        try:
            blob = bytes.fromhex(text[2:] if text.startswith("0x") else text)
        except ValueError as exc:
            raise RuntimeMetadataError("metadata file is not valid hex") from exc
        return cls.from_bytes(blob)

    @classmethod
    def from_file(cls, path: Path) -> Runtime:
        """Load a `.hex` metadata file such as assets/metadata/subtensor-localnet-spec461.v14.hex."""
        return cls.from_hex(path.read_text())

    # --- types --------------------------------------------------------------------------------------

    def type_def(self, type_id: int) -> dict[str, Any]:
        """The portable registry entry (path, params, def) of a type id."""
        value: dict[str, Any] = self._types[type_id].value["type"]
        return value

    def encode(self, type_id: int | str, value: Any) -> bytes:
        """SCALE-encode `value` as the runtime's type `type_id` (an int id or a type string)."""

        name = f"scale_info::{type_id}" if isinstance(type_id, int) else type_id
        obj = self.config.create_scale_object(name)
        return bytes(obj.encode(value).data)

    def decode(self, type_id: int | str, data: bytes) -> Any:
        """Decode `data` as the runtime's type `type_id`."""
        from scalecodec.base import ScaleBytes

        name = f"scale_info::{type_id}" if isinstance(type_id, int) else type_id
        obj = self.config.create_scale_object(name, data=ScaleBytes(bytearray(data)))
        return obj.decode()

    def is_empty_type(self, type_id: int) -> bool:
        """True when the type encodes to zero bytes (unit tuple, field-less struct, or nested such)."""
        definition = self.type_def(type_id)["def"]
        if "tuple" in definition:
            return all(self.is_empty_type(int(t)) for t in definition["tuple"])
        if "composite" in definition:
            return all(self.is_empty_type(int(f["type"])) for f in definition["composite"]["fields"])
        return False

    def find_type(self, *path: str) -> int:
        """Type id by its Rust path, e.g. ('sp_weights', 'weight_v2', 'Weight')."""
        for entry in self.metadata.portable_registry["types"]:
            if tuple(entry.value["type"]["path"]) == path:
                return int(entry.value["id"])
        raise RuntimeMetadataError(f"type {'::'.join(path)} not in metadata")

    # --- pallets ------------------------------------------------------------------------------------

    def _pallet(self, name: str) -> Any:
        for pallet in self.metadata.pallets:
            if pallet["name"] == name:
                return pallet
        raise RuntimeMetadataError(f"pallet {name!r} does not exist in runtime {self.spec_version}")

    def constant(self, pallet: str, name: str) -> Any:
        """A pallet constant's decoded value (e.g. Balances.ExistentialDeposit -> 500)."""
        for const in self._pallet(pallet)["constants"]:
            if const["name"] == name:
                raw = bytes.fromhex(const.value["value"][2:])
                return self.decode(int(const.value["type"]), raw)
        raise RuntimeMetadataError(f"constant {pallet}.{name} does not exist in runtime {self.spec_version}")

    def call_arguments(self, pallet: str, function: str) -> list[tuple[str, str]]:
        """(name, type name) of each argument of a call, as the runtime declares them."""
        call = self._call_metadata(pallet, function)
        return [(str(a["name"]), str(a["typeName"])) for a in call.value["fields"]]

    def _call_metadata(self, pallet: str, function: str) -> Any:
        calls = self._pallet(pallet).calls
        for call in calls or []:
            if call["name"] == function:
                return call
        raise RuntimeMetadataError(f"call {pallet}.{function} does not exist in runtime {self.spec_version}")

    def compose_call(self, pallet: str, function: str, args: dict[str, Any]) -> bytes:
        """Encode a call by pallet/call names; the runtime decides indices and argument types.

        Raises:
            RuntimeMetadataError: unknown pallet/call, or missing/extra arguments (named in the message).
        """
        declared = [name for name, _ in self.call_arguments(pallet, function)]
        missing = [n for n in declared if n not in args]
        extra = [n for n in args if n not in declared]
        if missing or extra:
            raise RuntimeMetadataError(
                f"{pallet}.{function} takes ({', '.join(declared)}); "
                + (f"missing {', '.join(missing)}" if missing else f"unexpected {', '.join(extra)}")
            )
        obj = self.config.create_scale_object("Call", metadata=self.metadata)
        try:
            obj.encode({"call_module": pallet, "call_function": function, "call_args": args})
        except Exception as exc:
            raise RuntimeMetadataError(f"cannot encode {pallet}.{function}: {exc}") from exc
        return bytes(obj.data.data)

    def decode_call(self, call: bytes) -> DecodedCall:
        """Decode call bytes into pallet, function and named arguments."""
        from scalecodec.base import ScaleBytes

        obj = self.config.create_scale_object("Call", data=ScaleBytes(bytearray(call)), metadata=self.metadata)
        try:
            value = obj.decode()
        except Exception as exc:
            raise RuntimeMetadataError(f"call bytes do not decode against runtime {self.spec_version}: {exc}") from exc
        if obj.data.offset != len(call):
            raise RuntimeMetadataError("call bytes have trailing data after the call")
        args = tuple(CallArg(str(a["name"]), str(a["type"]), a["value"]) for a in value["call_args"])
        return DecodedCall(str(value["call_module"]), str(value["call_function"]), args, "0x" + call.hex())

    def module_error(self, pallet_index: int, error_index: int) -> ModuleErrorInfo:
        """Name and docs of `DispatchError::Module { index, error }`."""
        for pallet in self.metadata.pallets:
            if int(pallet["index"].value) == pallet_index:
                err = pallet["error"].value if pallet["error"] is not None else None
                if err is None:
                    break
                for variant in self.type_def(int(err["ty"]))["def"]["variant"]["variants"]:
                    if int(variant["index"]) == error_index:
                        return ModuleErrorInfo(
                            str(pallet.value["name"]), str(variant["name"]), " ".join(variant["docs"]).strip()
                        )
                return ModuleErrorInfo(str(pallet.value["name"]), f"error #{error_index}", "")
        return ModuleErrorInfo(f"pallet #{pallet_index}", f"error #{error_index}", "")

    # --- storage ------------------------------------------------------------------------------------

    def storage_entry(self, pallet: str, name: str) -> dict[str, Any]:
        """The metadata entry of a storage item (prefix, hashers, key/value type ids, modifier, default).

        ``default`` is the decoded form scalecodec gives (text when the bytes happen to be UTF-8, else
        hex); ``default_bytes`` holds the raw SCALE bytes to decode with (see `storage_default`).
        """
        storage = self._pallet(pallet)["storage"]
        if storage is None or storage.value is None:
            raise RuntimeMetadataError(f"pallet {pallet} has no storage")
        for entry in storage.value_object["entries"]:
            if entry["name"] == name:
                result: dict[str, Any] = dict(entry.value)
                result["prefix"] = storage.value["prefix"]
                result["default_bytes"] = _raw_bytes(entry["default"])
                return result
        raise RuntimeMetadataError(f"storage {pallet}.{name} does not exist in runtime {self.spec_version}")

    def storage_default(self, pallet: str, name: str) -> bytes:
        """The raw SCALE bytes a storage item reads as when absent (its metadata default)."""
        value: bytes = self.storage_entry(pallet, name)["default_bytes"]
        return value

    def storage_key(self, pallet: str, name: str, *keys: bytes) -> bytes:
        """Full storage key: twox128(prefix) ++ twox128(name) ++ hashed SCALE-encoded keys."""
        entry = self.storage_entry(pallet, name)
        key = twox_128(entry["prefix"].encode()) + twox_128(name.encode())
        kind = entry["type"]
        hashers: list[str] = kind["Map"]["hashers"] if "Map" in kind else []
        if len(keys) != len(hashers):
            raise RuntimeMetadataError(f"{pallet}.{name} takes {len(hashers)} key(s), got {len(keys)}")
        for hasher, raw in zip(hashers, keys, strict=True):
            key += hash_storage_key(hasher, raw)
        return key

    def decode_storage(self, pallet: str, name: str, raw: bytes | None) -> Any:
        """Decode a storage value; absent (`raw` None): None for an OptionQuery item, else its default.

        The node stores nothing for a value equal to the default, so absent is common (a subnet's
        unset hyperparameter, an unregistered hotkey's owner) and must read as the chain reads it.
        """
        entry = self.storage_entry(pallet, name)
        kind = entry["type"]
        value_type = int(kind["Map"]["value"] if "Map" in kind else kind["Plain"])
        if raw is None:
            if entry["modifier"] == "Optional":
                return None
            raw = entry["default_bytes"]
        return self.decode(value_type, raw)


def _raw_bytes(default: Any) -> bytes:
    """The bytes of a metadata `Bytes` field: scalecodec keeps them in `value_object`; its `value` is
    UTF-8 text when the bytes decode as such (b"\\x01" -> "\\x01") and "0x" hex otherwise."""
    raw = getattr(default, "value_object", None)
    if isinstance(raw, bytes | bytearray):
        return bytes(raw)
    value = getattr(default, "value", default)
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    if isinstance(value, str) and value.startswith("0x"):
        return bytes.fromhex(value[2:])
    if isinstance(value, str):
        return value.encode("utf-8")
    raise RuntimeMetadataError(f"storage default of unexpected form: {type(value).__name__}")


def twox_128(data: bytes) -> bytes:
    """Substrate's twox128: two xxh64 hashes (seeds 0 and 1), little-endian."""
    return b"".join(xxhash.xxh64_intdigest(data, seed=s).to_bytes(8, "little") for s in (0, 1))


def hash_storage_key(hasher: str, raw: bytes) -> bytes:
    """Apply one of the storage hashers the metadata names."""
    if hasher == "Blake2_128Concat":
        return hashlib.blake2b(raw, digest_size=16).digest() + raw
    if hasher == "Twox64Concat":
        return xxhash.xxh64_intdigest(raw, seed=0).to_bytes(8, "little") + raw
    if hasher == "Identity":
        return raw
    if hasher == "Blake2_128":
        return hashlib.blake2b(raw, digest_size=16).digest()
    if hasher == "Blake2_256":
        return hashlib.blake2b(raw, digest_size=32).digest()
    if hasher == "Twox128":
        return twox_128(raw)
    if hasher == "Twox256":
        return b"".join(xxhash.xxh64_intdigest(raw, seed=s).to_bytes(8, "little") for s in range(4))
    raise RuntimeMetadataError(f"unknown storage hasher {hasher}")
