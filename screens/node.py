"""NodeScreen: the embedded light node -- sync progress, endpoint health, verified head, alerts."""

from __future__ import annotations

from collections.abc import Callable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, ProgressBar, Static
from textual.worker import Worker, WorkerState, get_current_worker

from tao_wallet.services.node import AlertRow, NodeService, NodeStatus


def status_text(s: NodeStatus) -> str:
    """The status lines under the progress bar (plain text, also used by tests)."""
    eta = "-" if s.eta_s is None else f"{s.eta_s:.0f} s"
    per_epoch = "-" if s.bytes_per_epoch is None else f"{s.bytes_per_epoch / 1e3:.1f} kB"
    head = f"verified at block #{s.synced}" if s.synced >= 0 else "nothing verified yet"
    proof = (f"finality proven (GRANDPA) to #{s.justified}" if s.justified >= 0
             else "finality as the endpoint reports it")
    heads = f" · heads {s.heads}" if s.heads else ""
    return "\n".join([
        f"{head} {s.verified_hash[:18]}{'…' if s.verified_hash else ''} · finalized #{s.finalized} · {s.state}{heads}",
        proof,
        f"{s.synced + 1:,} / {s.target + 1:,} blocks · {s.blocks_per_s:,.0f} blocks/s · ETA {eta}",
        f"epochs audited {s.epochs} · mismatches {s.mismatches} · reorged blocks rolled back {s.rolled_back}",
        f"database {s.db_bytes / 1e6:.1f} MB · {per_epoch} per synced epoch" + (f" · error: {s.error}" if s.error
                                                                                 else ""),
    ])


class NodeScreen(Screen[None]):
    """The light node's dashboard. ``s`` starts/stops syncing, ``e`` emissions, ``a`` audit.

    Args:
        service: builds the NodeService (called once, on first use, in a worker thread).
    """

    BINDINGS = [
        Binding("s", "toggle_sync", "Start/stop sync"),
        Binding("e", "emissions", "Emissions"),
        Binding("a", "audit", "Audit"),
        Binding("escape", "app.pop_screen", "Back"),
    ]
    DEFAULT_CSS = """
    NodeScreen #node-status { height: auto; padding: 0 1; }
    NodeScreen ProgressBar { padding: 0 1; }
    NodeScreen DataTable { height: auto; max-height: 12; }
    """

    status: reactive[NodeStatus | None] = reactive(None)
    """The latest status on display."""

    class Progress(Message):
        """A status report from the sync worker (a backlog collapses to the latest)."""

        def __init__(self, status: NodeStatus) -> None:
            super().__init__()
            self.status = status

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, NodeScreen.Progress)

    class AlertsLoaded(Message):
        """Watchtower alerts read from the database."""

        def __init__(self, alerts: tuple[AlertRow, ...]) -> None:
            super().__init__()
            self.alerts = alerts

    def __init__(self, service: Callable[[], NodeService]) -> None:
        super().__init__()
        self._make = service
        self._service: NodeService | None = None
        self._syncing = False

    @property
    def service(self) -> NodeService:
        """The node service (built on first use)."""
        if self._service is None:
            self._service = self._make()
        return self._service

    def compose(self) -> ComposeResult:
        yield Header()
        yield ProgressBar(total=1.0, show_eta=False, id="node-progress")
        yield Static("Light node idle. Press s to sync.", id="node-status")
        yield DataTable(id="node-endpoints", cursor_type="row")
        yield DataTable(id="node-alerts", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#node-endpoints", DataTable).add_columns("endpoint", "status", "requests", "errors",
                                                                  "latency", "lies")
        self.query_one("#node-alerts", DataTable).add_columns("block", "alert", "subject", "detail")
        self._load_status()

    @work(thread=True, exclusive=True, group="node-status", exit_on_error=False)
    def _load_status(self) -> None:
        self.post_message(self.Progress(self.service.status()))
        self.post_message(self.AlertsLoaded(self.service.alerts()))

    @work(thread=True, exclusive=True, group="node-sync", exit_on_error=False)
    def _sync(self) -> None:
        worker = get_current_worker()

        def report(status: NodeStatus) -> None:
            self.post_message(self.Progress(status))

        self.service.sync(worker.cancelled_event, report, follow=True)

    def action_toggle_sync(self) -> None:
        if self._syncing:
            self.workers.cancel_group(self, "node-sync")
            self._syncing = False
        else:
            self._syncing = True
            self._sync()

    def action_emissions(self) -> None:
        from screens.emissions import EmissionsScreen

        self.app.push_screen(EmissionsScreen(self.service))

    def action_audit(self) -> None:
        from screens.audit import AuditScreen

        self.app.push_screen(AuditScreen(self.service))

    @on(Progress)
    def _progress(self, message: Progress) -> None:
        self.status = message.status

    @on(AlertsLoaded)
    def _alerts(self, message: AlertsLoaded) -> None:
        table = self.query_one("#node-alerts", DataTable)
        table.clear()
        for a in message.alerts:
            table.add_row(str(a.block), a.kind, a.subject, a.detail)

    @on(Worker.StateChanged)
    def _worker_state(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.group == "node-sync":
            self._syncing = False
            self.query_one("#node-status", Static).update(f"Sync stopped: {event.worker.error}")
        elif event.state in (WorkerState.SUCCESS, WorkerState.CANCELLED) and event.worker.group == "node-sync":
            self._syncing = False
            self._load_status()

    def watch_status(self, status: NodeStatus | None) -> None:
        if status is None:
            return
        self.query_one("#node-progress", ProgressBar).update(progress=status.fraction)
        self.query_one("#node-status", Static).update(status_text(status))
        table = self.query_one("#node-endpoints", DataTable)
        table.clear()
        for e in status.endpoints:
            table.add_row(e.url, e.status, str(e.requests), str(e.errors), f"{e.latency_ms:.1f} ms",
                          "; ".join(e.lies) or "-")
