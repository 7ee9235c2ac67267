"""Application services: combine keystore (signing) and node (chain access). No Textual.

Import the concrete services from their modules (``tao_wallet.services.wallets``); this package root
stays import-free so the CLI's fast path loads nothing it does not use.
"""
