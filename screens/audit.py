"""AuditScreen: every synced epoch recomputed locally vs what the chain stored, per uid and field."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from tao_wallet.services.node import AuditCell, AuditRow, NodeService


class AuditScreen(Screen[None]):
    """Audited epochs; select one to list its mismatching cells."""

    BINDINGS = [Binding("r", "refresh", "Refresh"), Binding("escape", "app.pop_screen", "Back")]
    DEFAULT_CSS = """
    AuditScreen #audit-summary { height: auto; padding: 0 1; }
    AuditScreen #audit-epochs { height: 1fr; }
    AuditScreen #audit-cells { height: auto; max-height: 12; }
    """

    class Loaded(Message):
        """Audit rows arrived."""

        def __init__(self, rows: tuple[AuditRow, ...]) -> None:
            super().__init__()
            self.rows = rows

    class CellsLoaded(Message):
        """Mismatching cells of one epoch arrived."""

        def __init__(self, cells: tuple[AuditCell, ...]) -> None:
            super().__init__()
            self.cells = cells

    def __init__(self, service: NodeService) -> None:
        super().__init__()
        self._service = service
        self._rows: tuple[AuditRow, ...] = ()

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Loading audits…", id="audit-summary")
        yield DataTable(id="audit-epochs", cursor_type="row")
        yield DataTable(id="audit-cells", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#audit-epochs", DataTable).add_columns("subnet", "epoch block", "uids", "fields", "result")
        self.query_one("#audit-cells", DataTable).add_columns("uid", "field", "chain", "local")
        self.action_refresh()

    @work(thread=True, exclusive=True, group="audit", exit_on_error=False)
    def action_refresh(self) -> None:
        self.post_message(self.Loaded(self._service.audits()))

    @work(thread=True, exclusive=True, group="audit-cells", exit_on_error=False)
    def _load_cells(self, netuid: int, block: int) -> None:
        self.post_message(self.CellsLoaded(self._service.audit_cells(netuid, block)))

    @on(Loaded)
    def _show(self, message: Loaded) -> None:
        self._rows = message.rows
        bad = sum(1 for r in message.rows if r.mismatches)
        cells = sum(r.uids * r.fields for r in message.rows)
        self.query_one("#audit-summary", Static).update(
            f"{len(message.rows)} epochs audited ({cells:,} uid×field cells), {bad} with mismatches"
            if message.rows else "No audited epochs yet: sync the light node first.")
        table = self.query_one("#audit-epochs", DataTable)
        table.clear()
        for r in message.rows:
            table.add_row(str(r.netuid), f"#{r.block}", str(r.uids), str(r.fields),
                          "match" if r.mismatches == 0 else f"{r.mismatches} mismatch(es)")

    @on(DataTable.RowSelected, "#audit-epochs")
    def _select(self, event: DataTable.RowSelected) -> None:
        if 0 <= event.cursor_row < len(self._rows):
            row = self._rows[event.cursor_row]
            self._load_cells(row.netuid, row.block)

    @on(CellsLoaded)
    def _cells(self, message: CellsLoaded) -> None:
        table = self.query_one("#audit-cells", DataTable)
        table.clear()
        for c in message.cells:
            table.add_row(str(c.uid), c.field, c.chain, c.local)
        if not message.cells:
            table.add_row("-", "every uid and field matched", "", "")
