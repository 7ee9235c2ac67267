"""Frozen domain objects the services hand to the screens. Money is int rao or Decimal TAO, never float."""

from __future__ import annotations
