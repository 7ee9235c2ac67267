"""Stake, unstake (amount or whole position), unstake-all (to TAO or to root), move, swap and transfer stake:
validated, quoted, previewed, then sent.

Safe by default: stake and unstake use add_stake_limit/remove_stake_limit with a limit price from the
user's tolerance and allow_partial=False, so the chain refuses rather than filling at a worse price.
Every check that can be made before signing is made here and raises a WalletError with a specific
code; nothing is signed until `send`.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from node.client.extrinsic import ExternalSigner
from tao_wallet.models import StakeQuoteView, TxStatusView
from tao_wallet.services.chain import (
    ChainService,
    chain_errors,
    decode_address,
    encode_address,
    format_tao,
    rao_to_tao,
)
from tao_wallet.services.errors import WalletError
from tao_wallet.services.prepared_tx import (
    PreparedTx,
    account_arg,
    compose,
    decimal_text,
    preview_call,
    send_prepared,
    with_mev_protection,
)
from tao_wallet.services.quotes import DEFAULT_TOLERANCE, QuoteService
from tao_wallet.services.runtime_api import acct, num, u16
from tao_wallet.services.transfers import parse_amount
from tao_wallet.services.tx import TxRunner

S = "SubtensorModule"


def _alpha(value: Decimal) -> str:
    return decimal_text(value, "alpha")


class StakingService:
    """Staking operations on one network.

    Args:
        chain: the connection.
        runner: signs and follows transactions (shares its nonce tracker across several in a row).
    """

    def __init__(self, chain: ChainService, runner: TxRunner | None = None, quotes: QuoteService | None = None) -> None:
        self.chain = chain
        self.runner = runner or TxRunner(chain)
        self.quotes = quotes or QuoteService(chain)

    # --- chain facts --------------------------------------------------------------------------------

    def hotkey_owner(self, hotkey: bytes) -> bytes | None:
        """The coldkey owning `hotkey`, or None when the chain does not know the hotkey."""
        with chain_errors():
            client = self.chain.client
            key = client.runtime().storage_key(S, "Owner", hotkey)
            raw = client.read("state_getStorage", ["0x" + key.hex()])
        return None if raw is None else bytes.fromhex(raw[2:])[:32]

    def require_hotkey(self, hotkey: str) -> bytes:
        """Public key of a hotkey the chain knows.

        Raises:
            WalletError: invalid_address, unknown_hotkey.
        """
        key = decode_address(hotkey)
        if self.hotkey_owner(key) is None:
            raise WalletError("unknown_hotkey", f"hotkey {encode_address(key)} is not registered on this network "
                              "(no subnet uid, never staked to); check the address or pick one from `validators list`")
        return key

    def stake_alpha(self, coldkey: bytes, hotkey: bytes, netuid: int) -> int:
        """Alpha (rao units) `coldkey` holds on (hotkey, netuid)."""
        with chain_errors():
            info = self.quotes.api.call("StakeInfoRuntimeApi_get_stake_info_for_hotkey_coldkey_netuid",
                                        hotkey + coldkey + u16(netuid))
        return 0 if info is None else num(info["stake"])

    def _held(self, coldkey: bytes, hotkey: bytes, netuid: int, amount: str | None) -> tuple[int, int]:
        held = self.stake_alpha(coldkey, hotkey, netuid)
        if held == 0:
            raise WalletError("no_stake", f"you have no stake on hotkey {encode_address(hotkey)} on subnet {netuid}")
        alpha = held if amount is None else int(parse_amount(amount).scaleb(9))
        if alpha > held:
            raise WalletError("insufficient_stake", f"{_alpha(rao_to_tao(alpha))} is more than the "
                              f"{_alpha(rao_to_tao(held))} you hold on subnet {netuid} with this hotkey")
        return alpha, held

    # --- stake / unstake ----------------------------------------------------------------------------

    def prepare_stake(self, coldkey: str, hotkey: str, netuid: int, amount: str, *,
                      tolerance_pct: Decimal | None = DEFAULT_TOLERANCE, allow_partial: bool = False) -> PreparedTx:
        """Stake `amount` TAO on (hotkey, netuid); limit order unless `tolerance_pct` is None."""
        ck = decode_address(coldkey)
        value = parse_amount(amount)
        self.quotes.require_subnet(netuid)
        hk = self.require_hotkey(hotkey)
        tao = int(value.scaleb(9))
        with chain_errors():
            free = self.chain.client.account(ck).free
        if tao > free:
            raise WalletError("insufficient_balance", f"{format_tao(value)} is more than the free balance "
                              f"{format_tao(rao_to_tao(free))}")
        quote, limit = self.quotes.quote(netuid, "stake", tao, tolerance_pct, allow_partial)
        if limit is None:
            call = compose(self.chain, S, "add_stake", {"hotkey": account_arg(hk), "netuid": netuid,
                                                         "amount_staked": tao})
        else:
            call = compose(self.chain, S, "add_stake_limit", {
                "hotkey": account_arg(hk), "netuid": netuid, "amount_staked": tao, "limit_price": limit,
                "allow_partial": allow_partial})
        return preview_call(
            self.chain, ck, call, action=f"Stake {format_tao(value)} on subnet {netuid}",
            destination=f"hotkey {encode_address(hk)} on subnet {netuid}", quote=quote, spend_rao=tao,
            details=self._quote_rows(quote, "alpha"),
            warnings=self._quote_warnings(quote),
        )

    def prepare_unstake(self, coldkey: str, hotkey: str, netuid: int, amount: str | None, *,
                        tolerance_pct: Decimal | None = DEFAULT_TOLERANCE, allow_partial: bool = False) -> PreparedTx:
        """Unstake `amount` alpha (None = the whole position) from (hotkey, netuid)."""
        ck = decode_address(coldkey)
        if amount is not None:
            parse_amount(amount)
        self.quotes.require_subnet(netuid)
        hk = self.require_hotkey(hotkey)
        alpha, held = self._held(ck, hk, netuid, amount)
        quote, limit = self.quotes.quote(netuid, "unstake", alpha, tolerance_pct, allow_partial)
        if limit is None:
            call = compose(self.chain, S, "remove_stake", {"hotkey": account_arg(hk), "netuid": netuid,
                                                            "amount_unstaked": alpha})
        else:
            call = compose(self.chain, S, "remove_stake_limit", {
                "hotkey": account_arg(hk), "netuid": netuid, "amount_unstaked": alpha, "limit_price": limit,
                "allow_partial": allow_partial})
        return preview_call(
            self.chain, ck, call, action=f"Unstake {_alpha(rao_to_tao(alpha))} from subnet {netuid}",
            destination=f"hotkey {encode_address(hk)} on subnet {netuid}", quote=quote,
            details=(("Position", _alpha(rao_to_tao(held))), *self._quote_rows(quote, "TAO")),
            warnings=self._quote_warnings(quote),
        )

    def prepare_unstake_all(self, coldkey: str, hotkey: str) -> PreparedTx:
        """Unstake everything from `hotkey` on every subnet (unstake_all: no limit price on chain)."""
        ck = decode_address(coldkey)
        hk = self.require_hotkey(hotkey)
        rows, total, _ = self._positions_of(ck, hk, include_root=True)
        if not rows:
            raise WalletError("no_stake", f"you have no stake on hotkey {encode_address(hk)} (at most dust that "
                              "would sell for nothing)")
        call = compose(self.chain, S, "unstake_all", {"hotkey": account_arg(hk)})
        return preview_call(
            self.chain, ck, call, action=f"Unstake everything from hotkey {encode_address(hk)}",
            destination=f"hotkey {encode_address(hk)} on {len(rows)} subnet(s)",
            details=(*rows, ("Expected TAO", format_tao(rao_to_tao(total)))),
            warnings=("unstake_all has no limit price: it sells at whatever the pools pay when it executes",),
        )

    def prepare_unstake_full(self, coldkey: str, hotkey: str, netuid: int, *,
                             tolerance_pct: Decimal | None = DEFAULT_TOLERANCE) -> PreparedTx:
        """Unstake the whole position on (hotkey, netuid) with remove_stake_full_limit.

        Unlike unstaking the amount held now, the chain sells whatever the position holds when the call
        executes (emissions arriving meanwhile leave no dust). With a tolerance the limit price makes the
        chain refuse rather than sell below it (all or nothing: the call has no partial fill).
        """
        ck = decode_address(coldkey)
        self.quotes.require_subnet(netuid)
        hk = self.require_hotkey(hotkey)
        alpha, _ = self._held(ck, hk, netuid, None)
        quote, limit = self.quotes.quote(netuid, "unstake", alpha, tolerance_pct, False)
        call = compose(self.chain, S, "remove_stake_full_limit", {"hotkey": account_arg(hk), "netuid": netuid,
                                                                   "limit_price": limit})
        return preview_call(
            self.chain, ck, call, action=f"Unstake the whole position on subnet {netuid}",
            destination=f"hotkey {encode_address(hk)} on subnet {netuid}", quote=quote,
            details=(("Position now", _alpha(rao_to_tao(alpha))), *self._quote_rows(quote, "TAO"),
                     ("Amount", "everything held when it executes")),
            warnings=self._quote_warnings(quote),
        )

    def prepare_unstake_all_alpha(self, coldkey: str, hotkey: str) -> PreparedTx:
        """Sell the alpha of `hotkey` on every subnet and restake the TAO on root (subnet 0), same hotkey
        (unstake_all_alpha: no limit price on chain). Root stake is left as it is."""
        ck = decode_address(coldkey)
        hk = self.require_hotkey(hotkey)
        rows, total, netuids = self._positions_of(ck, hk, include_root=False)
        if not rows:
            raise WalletError("no_stake", f"you have no alpha stake (outside root) on hotkey {encode_address(hk)} "
                              "(at most dust that would sell for nothing)")
        root_now = self.stake_alpha(ck, hk, 0)
        call = compose(self.chain, S, "unstake_all_alpha", {"hotkey": account_arg(hk)})
        return preview_call(
            self.chain, ck, call, action=f"Move all alpha of hotkey {encode_address(hk)} to root",
            destination=f"root (subnet 0) stake on hotkey {encode_address(hk)}",
            details=(*rows, ("Expected TAO", format_tao(rao_to_tao(total))),
                     ("Root stake after", f"~{format_tao(rao_to_tao(root_now + total))} "
                      f"(now {format_tao(rao_to_tao(root_now))})")),
            warnings=(f"sells on subnet(s) {', '.join(map(str, netuids))} with no limit price: at whatever the "
                      "pools pay when it executes",),
        )

    def _positions_of(self, ck: bytes, hk: bytes, *, include_root: bool) -> tuple[
            tuple[tuple[str, str], ...], int, list[int]]:
        """Preview rows (alpha -> ~TAO at the pool now), the expected TAO and the netuids of `hk`'s stakes."""
        rows, total, netuids = [], 0, []
        with chain_errors():
            infos = self.quotes.api.call("StakeInfoRuntimeApi_get_stake_info_for_coldkey", ck)
        for info in infos:
            netuid, alpha = num(info["netuid"]), num(info["stake"])
            if acct(info["hotkey"]) != hk or not alpha or (netuid == 0 and not include_root):
                continue
            tao_out, _ = self.quotes.sim_unstake(netuid, alpha)
            if tao_out == 0:
                continue  # share-rounding dust: selling it pays nothing, only the fee would be spent
            total += tao_out
            netuids.append(netuid)
            rows.append((f"Subnet {netuid}", f"{_alpha(rao_to_tao(alpha))} -> ~{format_tao(rao_to_tao(tao_out))}"))
        return tuple(rows), total, netuids

    # --- move / swap / transfer ---------------------------------------------------------------------

    def prepare_move(self, coldkey: str, origin_hotkey: str, dest_hotkey: str, origin_netuid: int,
                     dest_netuid: int, amount: str | None) -> PreparedTx:
        """Move alpha to another hotkey (and optionally subnet), keeping the coldkey."""
        ck = decode_address(coldkey)
        self.quotes.require_subnet(origin_netuid)
        self.quotes.require_subnet(dest_netuid)
        ohk, dhk = self.require_hotkey(origin_hotkey), self.require_hotkey(dest_hotkey)
        alpha, held = self._held(ck, ohk, origin_netuid, amount)
        call = compose(self.chain, S, "move_stake", {
            "origin_hotkey": account_arg(ohk), "destination_hotkey": account_arg(dhk),
            "origin_netuid": origin_netuid, "destination_netuid": dest_netuid, "alpha_amount": alpha})
        quote, rows = self._cross_quote(origin_netuid, dest_netuid, alpha)
        return preview_call(
            self.chain, ck, call, action=f"Move {_alpha(rao_to_tao(alpha))} to another hotkey",
            destination=f"hotkey {encode_address(dhk)} on subnet {dest_netuid}", quote=quote,
            details=(("From", f"hotkey {encode_address(ohk)} on subnet {origin_netuid}"), ("Position", _alpha(rao_to_tao(held))), *rows))

    def prepare_swap(self, coldkey: str, hotkey: str, origin_netuid: int, dest_netuid: int, amount: str | None, *,
                     tolerance_pct: Decimal | None = DEFAULT_TOLERANCE, allow_partial: bool = False) -> PreparedTx:
        """Swap alpha of one subnet into another on the same hotkey (swap_stake_limit when a tolerance is set)."""
        ck = decode_address(coldkey)
        if origin_netuid == dest_netuid:
            raise WalletError("same_subnet", "swap needs two different subnets")
        self.quotes.require_subnet(origin_netuid)
        self.quotes.require_subnet(dest_netuid)
        hk = self.require_hotkey(hotkey)
        alpha, held = self._held(ck, hk, origin_netuid, amount)
        quote, rows = self._cross_quote(origin_netuid, dest_netuid, alpha)
        args = {"hotkey": account_arg(hk), "origin_netuid": origin_netuid, "destination_netuid": dest_netuid,
                "alpha_amount": alpha}
        if tolerance_pct is None:
            call = compose(self.chain, S, "swap_stake", args)
        else:
            # limit = origin price / destination price (as the chain defines it), lowered by the tolerance
            p_o, p_d = self.quotes.price_rao(origin_netuid), self.quotes.price_rao(dest_netuid)
            limit = int(Decimal(p_o) * 10**9 / Decimal(p_d) * (1 - tolerance_pct / 100)) if p_d else 0
            call = compose(self.chain, S, "swap_stake_limit", dict(args, limit_price=limit, allow_partial=allow_partial))
            rows += (("Limit price", f"{rao_to_tao(limit)} (origin/destination), tolerance {tolerance_pct}%"),)
        return preview_call(
            self.chain, ck, call, action=f"Swap {_alpha(rao_to_tao(alpha))} from subnet {origin_netuid} to {dest_netuid}",
            destination=f"hotkey {encode_address(hk)} on subnet {dest_netuid}", quote=quote,
            details=(("Position", _alpha(rao_to_tao(held))), *rows))

    def prepare_transfer(self, coldkey: str, dest_coldkey: str, hotkey: str, origin_netuid: int, dest_netuid: int,
                         amount: str | None) -> PreparedTx:
        """Give alpha to another coldkey (same hotkey)."""
        ck = decode_address(coldkey)
        dck = decode_address(dest_coldkey)
        self.quotes.require_subnet(origin_netuid)
        self.quotes.require_subnet(dest_netuid)
        hk = self.require_hotkey(hotkey)
        alpha, held = self._held(ck, hk, origin_netuid, amount)
        call = compose(self.chain, S, "transfer_stake", {
            "destination_coldkey": account_arg(dck), "hotkey": account_arg(hk), "origin_netuid": origin_netuid,
            "destination_netuid": dest_netuid, "alpha_amount": alpha})
        quote, rows = self._cross_quote(origin_netuid, dest_netuid, alpha)
        warnings = ("the destination coldkey is your own" ,) if dck == ck else ()
        return preview_call(
            self.chain, ck, call, action=f"Transfer {_alpha(rao_to_tao(alpha))} of stake to another coldkey",
            destination=f"coldkey {encode_address(dck)} (hotkey {encode_address(hk)}, subnet {dest_netuid})",
            quote=quote, details=(("Position", _alpha(rao_to_tao(held))), *rows), warnings=warnings)

    def send(self, prepared: PreparedTx, signer: ExternalSigner, *,
             on_status: Callable[[TxStatusView], None] | None = None, wait_for: str = "finalized",
             mev_shield: bool = False) -> TxStatusView:
        """Sign and submit a prepared staking transaction (`mev_shield`: encrypted through MevShield)."""
        return send_prepared(self.runner, prepared, signer, on_status=on_status, wait_for=wait_for,
                             mev_shield=mev_shield)

    def mev_shield_available(self) -> bool:
        """Whether this chain offers MEV protection now (a MevShield.NextKey to encrypt for)."""
        from tao_wallet.services.mev_shield import mev_shield_available

        with chain_errors():
            client = self.chain.client
        return mev_shield_available(client)

    def mev_protection(self, requested: bool | None) -> bool:
        """Whether to send protected: as btcli, on by default when the chain offers MevShield.

        Args:
            requested: True/False when the user chose, None for the default.

        Raises:
            WalletError: ``mev_shield_unavailable`` when protection is requested but the chain offers none.
        """
        if requested is False:
            return False
        available = self.mev_shield_available()
        if requested and not available:
            raise WalletError("mev_shield_unavailable", "MEV protection was requested but this chain offers no "
                              "MevShield key to encrypt for; nothing was signed. Send without MEV protection "
                              "(--no-mev-protection) or use a chain with MevShield")
        return available

    @staticmethod
    def with_mev_protection(prepared: PreparedTx, on: bool) -> PreparedTx:
        """`prepared` marked to be sent with (or without) MEV protection; its preview says which."""
        return with_mev_protection(prepared, on)

    # --- helpers ------------------------------------------------------------------------------------

    def _cross_quote(self, origin: int, dest: int, alpha: int) -> tuple[StakeQuoteView | None,
                                                                        tuple[tuple[str, str], ...]]:
        if origin == dest:
            return None, (("Amount", _alpha(rao_to_tao(alpha))),)
        tao_mid, _ = self.quotes.sim_unstake(origin, alpha)
        quote, _ = self.quotes.quote(origin, "unstake", alpha, None)
        alpha_out, _ = self.quotes.sim_stake(dest, tao_mid) if tao_mid else (0, 0)
        return quote, (("Amount", _alpha(rao_to_tao(alpha))),
                       ("Via TAO", f"~{format_tao(rao_to_tao(tao_mid))}"),
                       ("Expected", f"~{_alpha(rao_to_tao(alpha_out))} on subnet {dest}"))

    @staticmethod
    def _quote_rows(quote: StakeQuoteView, out_unit: str) -> tuple[tuple[str, str], ...]:
        rows = [
            ("Spot price", f"{quote.spot_price} TAO/alpha"),
            ("Expected", decimal_text(quote.expected_out, out_unit)),
            ("Pool fee", decimal_text(quote.swap_fee, "TAO" if quote.direction == "stake" else "alpha")),
            ("Price impact", f"{quote.price_impact_pct}%"),
        ]
        if quote.limit_price is not None:
            rows.append(("Limit price", f"{quote.limit_price} TAO/alpha (tolerance {quote.tolerance_pct}%"
                         + (", partial fill allowed)" if quote.allow_partial else ", all or nothing)")))
        else:
            rows.append(("Limit price", "none (market order)"))
        return tuple(rows)

    @staticmethod
    def _quote_warnings(quote: StakeQuoteView) -> tuple[str, ...]:
        out = []
        if quote.price_impact_pct > 5:
            out.append(f"high price impact: {quote.price_impact_pct}% worse than spot")
        if quote.limit_price is None:
            out.append("no limit price: the trade fills at whatever price the pool has when it executes")
        return tuple(out)
