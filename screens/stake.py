"""StakeScreen: stake, unstake (amount, whole position, everything, all alpha to root), move, swap or transfer
stake with a live quote, then preview -> confirm -> status."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Checkbox, Footer, Header, Input, Label, Select, Static

from screens.widgets.tx_flow import TxFlow
from tao_wallet.models import TxStatusView
from tao_wallet.paths import ASSETS
from tao_wallet.services.errors import WalletError
from tao_wallet.services.money_session import MoneySession

ACTIONS = [("Stake TAO", "stake"), ("Unstake", "unstake"),
           ("Unstake the whole position (limit price)", "unstake_full"),
           ("Unstake everything from the hotkey (all subnets, to TAO)", "unstake_all"),
           ("Move all alpha of the hotkey to root", "unstake_all_alpha"), ("Move to another hotkey", "move"),
           ("Swap to another subnet", "swap"), ("Transfer to another coldkey", "transfer")]
HOTKEY_ONLY = ("unstake_all", "unstake_all_alpha")
"""Actions on every subnet of the hotkey: no netuid or amount."""
MEV_CHECKING = "MEV protection (asking the chain...)"
MEV_AVAILABLE = "MEV protection (encrypted for the next block author)"
MEV_UNAVAILABLE = "MEV protection (this chain offers none)"


class StakeScreen(TxFlow):
    """One form for every stake operation; fields that an action does not use are hidden."""

    CSS_PATH = str(ASSETS / "stake.tcss")
    BINDINGS = [("escape", "app.pop_screen", "Back")]

    def __init__(self, session: MoneySession, wallet: str, hotkey: str = "", netuid: int | None = None,
                 action: str = "stake") -> None:
        super().__init__()
        self.session = session
        self.wallet = wallet
        self._hotkey = hotkey
        self._netuid = netuid
        self._action = action

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="stake-form"):
            yield Label(f"Wallet {self.wallet}", id="wallet-label")
            yield Select(ACTIONS, value=self._action, allow_blank=False, id="action")
            yield Input(self._hotkey, placeholder="validator hotkey (SS58)", id="hotkey")
            yield Input("" if self._netuid is None else str(self._netuid), placeholder="netuid", id="netuid",
                        type="integer")
            yield Input(placeholder="amount (TAO to stake / alpha to unstake; empty = whole position)", id="amount")
            yield Input(placeholder="destination hotkey (move)", id="dest-hotkey")
            yield Input(placeholder="destination netuid (move/swap/transfer)", id="dest-netuid", type="integer")
            yield Input(placeholder="destination coldkey (transfer)", id="dest-coldkey")
            with Horizontal(id="limit-row"):
                yield Input("0.5", placeholder="tolerance %", id="tolerance")
                yield Checkbox("allow partial fill", id="partial")
                yield Checkbox("no limit (market order)", id="no-limit")
            yield Checkbox(MEV_CHECKING, value=False, id="mev", disabled=True)
            yield Input(placeholder="wallet password (empty if unencrypted)", password=True, id="password")
            yield Static("", id="quote", markup=False)
            yield Static("", id="error", markup=False)
            yield Button("Preview", id="preview", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        self._show_fields(self._action)
        self.show_error("")
        self._mev_worker()
        if self._hotkey and self._netuid is not None:
            self.query_one("#amount", Input).focus()  # opened from a validator/position: type the amount

    @on(Input.Submitted, "#amount")
    def _amount_entered(self) -> None:
        action = str(self.query_one("#action", Select).value)
        self.query_one("#tolerance" if action in ("stake", "unstake", "swap") else "#password", Input).focus()

    @on(Input.Submitted, "#tolerance")
    def _tolerance_entered(self) -> None:
        self.query_one("#password", Input).focus()

    @on(Input.Submitted, "#password")
    def _password_entered(self) -> None:
        self._preview()

    @on(Select.Changed, "#action")
    def _action_changed(self, event: Select.Changed) -> None:
        self._show_fields(str(event.value))
        self._refresh_quote()

    def _show_fields(self, action: str) -> None:
        self.query_one("#netuid").display = action not in HOTKEY_ONLY
        self.query_one("#amount").display = action not in (*HOTKEY_ONLY, "unstake_full")
        self.query_one("#dest-hotkey").display = action == "move"
        self.query_one("#dest-netuid").display = action in ("move", "swap", "transfer")
        self.query_one("#dest-coldkey").display = action == "transfer"
        self.query_one("#limit-row").display = action in ("stake", "unstake", "swap", "unstake_full")
        self.query_one("#partial").display = action != "unstake_full"  # the full-position call has no partial fill

    def _value(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value.strip()

    def _int(self, widget_id: str, what: str) -> int:
        text = self._value(widget_id)
        if not text.lstrip("-").isdigit():
            raise WalletError("invalid_netuid", f"give the {what} as a whole number")
        return int(text)

    def _tolerance(self) -> Decimal | None:
        from tao_wallet.services.quotes import parse_tolerance

        if self.query_one("#no-limit", Checkbox).value:
            return None
        return parse_tolerance(self._value("tolerance") or "0.5")

    @on(Input.Changed, "#amount, #netuid, #tolerance")
    def _inputs_changed(self) -> None:
        self._refresh_quote()

    def _refresh_quote(self) -> None:
        action = str(self.query_one("#action", Select).value)
        amount, netuid = self._value("amount"), self._value("netuid")
        if action not in ("stake", "unstake") or not amount or not netuid.isdigit():
            self.query_one("#quote", Static).update("")
            return
        self._quote_worker(action, int(netuid), amount)

    @work(thread=True, exclusive=True, group="quote", exit_on_error=False)
    def _quote_worker(self, action: str, netuid: int, amount: str) -> None:
        from tao_wallet.services.transfers import parse_amount

        try:
            value = parse_amount(amount)
            self.session.staking.quotes.require_subnet(netuid)
            quote, _ = self.session.staking.quotes.quote(netuid, action, int(value.scaleb(9)), None)
        except WalletError as exc:
            text = f"Quote: {exc.message}"
        else:
            unit = "alpha" if action == "stake" else "TAO"
            text = (f"Quote: ~{quote.expected_out} {unit} at spot {quote.spot_price} TAO/alpha, "
                    f"price impact {quote.price_impact_pct}%, pool fee {quote.swap_fee}")
        self.app.call_from_thread(self.query_one("#quote", Static).update, text)

    @work(thread=True, exclusive=True, group="mev", exit_on_error=False)
    def _mev_worker(self) -> None:
        """MEV protection defaults to on when the chain offers MevShield, as in btcli and the CLI."""
        try:
            available = self.session.staking.mev_shield_available()
        except WalletError:
            available = False
        self.app.call_from_thread(self._mev_known, available)

    def _mev_known(self, available: bool) -> None:
        box = self.query_one("#mev", Checkbox)
        box.label = MEV_AVAILABLE if available else MEV_UNAVAILABLE
        box.value = available
        box.disabled = False

    def _mev_requested(self) -> bool | None:
        """The user's choice, or None (the chain's default) while the check has not answered yet."""
        box = self.query_one("#mev", Checkbox)
        return None if box.disabled else bool(box.value)

    @on(Button.Pressed, "#preview")
    def _preview(self) -> None:
        action = str(self.query_one("#action", Select).value)
        self.start_tx(dict(ACTIONS_TITLES)[action], lambda: self._prepare(action), self._send)

    def _prepare(self, action: str) -> Any:
        on = self.session.staking.mev_protection(self._mev_requested())
        return self.session.staking.with_mev_protection(self._prepare_call(action), on)

    def _prepare_call(self, action: str) -> Any:
        s = self.session.staking
        coldkey = self.session.coldkey_address(self.wallet)
        hotkey, amount = self._value("hotkey"), self._value("amount") or None
        if action == "unstake_all":
            return s.prepare_unstake_all(coldkey, hotkey)
        if action == "unstake_all_alpha":
            return s.prepare_unstake_all_alpha(coldkey, hotkey)
        netuid = self._int("netuid", "netuid")
        if action == "unstake_full":
            return s.prepare_unstake_full(coldkey, hotkey, netuid, tolerance_pct=self._tolerance())
        partial = self.query_one("#partial", Checkbox).value
        if action == "stake":
            if amount is None:
                raise WalletError("invalid_amount", "give the TAO amount to stake")
            return s.prepare_stake(coldkey, hotkey, netuid, amount, tolerance_pct=self._tolerance(),
                                   allow_partial=partial)
        if action == "unstake":
            return s.prepare_unstake(coldkey, hotkey, netuid, amount, tolerance_pct=self._tolerance(),
                                     allow_partial=partial)
        dest_netuid = self._int("dest-netuid", "destination netuid") if self._value("dest-netuid") else netuid
        if action == "move":
            return s.prepare_move(coldkey, hotkey, self._value("dest-hotkey"), netuid, dest_netuid, amount)
        if action == "swap":
            return s.prepare_swap(coldkey, hotkey, netuid, dest_netuid, amount, tolerance_pct=self._tolerance(),
                                  allow_partial=partial)
        return s.prepare_transfer(coldkey, self._value("dest-coldkey"), hotkey, netuid, dest_netuid, amount)

    def _send(self, prepared: Any, on_status: Any) -> TxStatusView:
        return self.session.send(self.session.staking, prepared, self.wallet, self._value("password"), on_status)


ACTIONS_TITLES = [("stake", "Staking"), ("unstake", "Unstaking"), ("unstake_full", "Unstaking the whole position"),
                  ("unstake_all", "Unstaking everything"), ("unstake_all_alpha", "Moving all alpha to root"),
                  ("move", "Moving stake"),
                  ("swap", "Swapping stake"), ("transfer", "Transferring stake")]
