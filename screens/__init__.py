"""Textual screens and widgets; they talk to tao_wallet services only."""
