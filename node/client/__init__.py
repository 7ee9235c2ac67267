"""Chain client: metadata-driven call composition, extrinsic building with an external signer, submission.

Nothing in here knows about keys or UIs: signatures come in through a callback (see `extrinsic.Signer`).
"""

from __future__ import annotations
