"""RegisterScreen: burned_register a hotkey (cost, immunity, pruning risk: the uid that would be replaced now and
where the wallet's own uids stand), create a subnet (lock cost, optional identity), set validator take."""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Button, Footer, Header, Input, Label, Select, Static

from screens.widgets.tx_flow import TxFlow
from tao_wallet.models import TxStatusView
from tao_wallet.paths import ASSETS
from tao_wallet.services.errors import WalletError
from tao_wallet.services.money_session import MoneySession

ACTIONS = [("Register a hotkey (burn)", "register"), ("Create a subnet", "create"), ("Set validator take", "take")]
IDENTITY_INPUTS = [("subnet_name", "subnet name"), ("github_repo", "GitHub repository"), ("subnet_url", "website"),
                   ("subnet_contact", "contact"), ("discord", "Discord"), ("description", "description")]


class RegisterScreen(TxFlow):
    """Registration and take; the info line shows cost and risk for the chosen subnet before previewing."""

    CSS_PATH = str(ASSETS / "stake.tcss")
    BINDINGS = [("escape", "app.pop_screen", "Back")]

    def __init__(self, session: MoneySession, wallet: str, netuid: int | None = None) -> None:
        super().__init__()
        self.session = session
        self.wallet = wallet
        self._netuid = netuid

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="stake-form"):
            yield Label(f"Wallet {self.wallet}")
            yield Select(ACTIONS, value="register", allow_blank=False, id="action")
            yield Input("" if self._netuid is None else str(self._netuid), placeholder="netuid", id="netuid",
                        type="integer")
            yield Input(placeholder="hotkey (SS58 or this wallet's hotkey name)", id="hotkey")
            yield Input(placeholder="take in percent (set take)", id="take")
            with Vertical(id="identity"):
                yield Label("Subnet identity (optional; set in the same call)")
                for field, hint in IDENTITY_INPUTS:
                    yield Input(placeholder=hint, id=f"id-{field}")
            yield Input(placeholder="wallet password (empty if unencrypted)", password=True, id="password")
            yield Static("", id="quote", markup=False)
            yield Static("", id="error", markup=False)
            yield Button("Preview", id="preview", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        self._fields("register")
        if self._netuid is not None:
            self._info(self._netuid)

    @on(Select.Changed, "#action")
    def _changed(self, event: Select.Changed) -> None:
        self._fields(str(event.value))

    def _fields(self, action: str) -> None:
        self.query_one("#netuid").display = action == "register"
        self.query_one("#take").display = action == "take"
        self.query_one("#identity").display = action == "create"

    @on(Input.Changed, "#netuid")
    def _netuid_changed(self, event: Input.Changed) -> None:
        if event.value.strip().isdigit():
            self._info(int(event.value))

    @work(thread=True, exclusive=True, group="reg-info", exit_on_error=False)
    def _info(self, netuid: int) -> None:
        from tao_wallet.services.registration import own_text, replaced_text

        try:
            reg = self.session.registration
            info = reg.info(netuid)
            own = [str(h.address) for h in self.session.wallets.get(self.wallet).hotkeys if h.address]
            pruning = reg.pruning(netuid, own)
            lines = [f"Subnet {netuid}: burn {info.cost} TAO, uids {info.uids}/{info.max_uids}, immunity "
                     f"{info.immunity_period} blocks. {info.pruning_risk}"]
            if pruning.full:
                lines.append("Registering now replaces " + (replaced_text(pruning.next_pruned) if pruning.next_pruned
                             else "nobody: every uid is protected, the chain would refuse (NoNeuronIdAvailable)"))
            lines += [f"Your hotkey {u.hotkey[:10]}…: {own_text(u, pruning.candidates)}" for u in pruning.own]
            text = "\n".join(lines)
        except WalletError as exc:
            text = exc.message
        self.app.call_from_thread(self.query_one("#quote", Static).update, text)

    def _value(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value.strip()

    def _hotkey(self) -> str:
        summary = self.session.wallets.get(self.wallet)
        own = summary.hotkey(self._value("hotkey"))
        return str(own.address) if own is not None and own.address else self._value("hotkey")

    @on(Button.Pressed, "#preview")
    def _preview(self) -> None:
        action = str(self.query_one("#action", Select).value)
        self.start_tx(dict((v, k) for k, v in ACTIONS)[action], lambda: self._prepare(action), self._send)

    def _prepare(self, action: str) -> Any:
        reg = self.session.registration
        coldkey = self.session.coldkey_address(self.wallet)
        if action == "register":
            if not self._value("netuid").isdigit():
                raise WalletError("invalid_netuid", "give the netuid as a whole number")
            return reg.prepare_register(coldkey, self._hotkey(), int(self._value("netuid")))
        if action == "create":
            identity = {field: self._value(f"id-{field}") for field, _ in IDENTITY_INPUTS}
            return reg.prepare_create_subnet(coldkey, self._hotkey(), identity)
        return reg.prepare_set_take(coldkey, self._hotkey(), self._value("take"))

    def _send(self, prepared: Any, on_status: Any) -> TxStatusView:
        return self.session.send(self.session.registration, prepared, self.wallet, self._value("password"), on_status)
