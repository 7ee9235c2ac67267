"""Errors of the light node: what went wrong, and which endpoint is to blame."""

from __future__ import annotations


class LightNodeError(Exception):
    """Base class for light-node failures."""


class EndpointError(LightNodeError):
    """An endpoint could not be reached or answered with a JSON-RPC error (not proven dishonest)."""

    def __init__(self, endpoint: str, message: str) -> None:
        super().__init__(f"{endpoint}: {message}")
        self.endpoint = endpoint


class LyingEndpointError(LightNodeError):
    """An endpoint served data that fails verification: a wrong header, value or proof.

    Attributes:
        endpoint: the URL of the endpoint that lied.
        reason: what failed, e.g. ``header hash mismatch at #12``.
    """

    def __init__(self, endpoint: str, reason: str) -> None:
        super().__init__(f"endpoint {endpoint} served unverifiable data: {reason}")
        self.endpoint = endpoint
        self.reason = reason


class NoHonestEndpointError(LightNodeError):
    """Every configured endpoint has been dropped or is unreachable."""
