"""Utility (subtensor's fork of pallet_utility): batch, batch_all, force_batch."""

from __future__ import annotations

from node.localnet.extrinsic import RuntimeCall
from node.localnet.runtime.pallet import CallContext, DispatchError, Pallet

MAX_BATCHED_CALLS = 10_922
"""pallet_utility's batched_calls_limit for a 64 KiB call-size bound (approximation)."""


class Utility(Pallet):
    """Batches dispatch their calls with the batch's own origin."""

    name = "Utility"

    def _check(self, calls: list[RuntimeCall]) -> None:
        if len(calls) > MAX_BATCHED_CALLS:
            raise DispatchError.module("Utility", "TooManyCalls")

    def call_batch(self, ctx: CallContext, calls: list[RuntimeCall]) -> None:
        """Dispatch in order; stop at the first failure (BatchInterrupted), keeping earlier effects."""
        self._check(calls)
        for i, call in enumerate(calls):
            try:
                self.runtime.dispatch(ctx, call)
            except DispatchError as exc:
                ctx.deposit_event("Utility", "BatchInterrupted", i, exc.to_value(self.runtime))
                return
            ctx.deposit_event("Utility", "ItemCompleted")
        ctx.deposit_event("Utility", "BatchCompleted")

    def call_batch_all(self, ctx: CallContext, calls: list[RuntimeCall]) -> None:
        """All or nothing: the first failure fails the whole extrinsic and undoes every call."""
        self._check(calls)
        for call in calls:
            self.runtime.dispatch(ctx, call)
            ctx.deposit_event("Utility", "ItemCompleted")
        ctx.deposit_event("Utility", "BatchCompleted")

    def call_force_batch(self, ctx: CallContext, calls: list[RuntimeCall]) -> None:
        """Dispatch all; failures are reported (ItemFailed) and skipped."""
        self._check(calls)
        failed = False
        for call in calls:
            try:
                self.runtime.dispatch(ctx, call)
            except DispatchError as exc:
                failed = True
                ctx.deposit_event("Utility", "ItemFailed", exc.to_value(self.runtime))
                continue
            ctx.deposit_event("Utility", "ItemCompleted")
        ctx.deposit_event("Utility", "BatchCompletedWithErrors" if failed else "BatchCompleted")
