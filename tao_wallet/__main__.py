"""``python -m tao_wallet``: same as the ``tao-wallet`` console script."""

from __future__ import annotations

from tao_wallet.cli import main

main()
