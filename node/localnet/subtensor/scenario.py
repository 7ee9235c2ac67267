"""Genesis scenarios: subnets, neurons and stake written straight into genesis storage."""

from __future__ import annotations

from typing import Any

from node.localnet.subtensor.context import Ctx


def build_scenario(c: Ctx, scenario: Any) -> None:
    """Placeholder until the demo network lands: an explicit error rather than a silent no-op."""
    raise NotImplementedError("subtensor genesis scenarios are not implemented yet")
