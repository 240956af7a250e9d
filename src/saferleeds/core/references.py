"""References people can read out over the phone."""

from __future__ import annotations

import secrets

# No 0/O, 1/I/L or U/V look-alikes.
READABLE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"


def readable_reference(prefix: str) -> str:
    """A random reference like ``HR-7K3F-9Q2M`` (29**8, about 5 * 10**11 values)."""
    chars = "".join(secrets.choice(READABLE_ALPHABET) for _ in range(8))
    return f"{prefix}-{chars[:4]}-{chars[4:]}"


def new_hate_reference() -> str:
    """A new hate report's reference, ``HR-XXXX-XXXX``.

    Here rather than in the hate app because the incidents app's migrations, written
    before hate reports moved to their own app, name it as the field's default.
    """
    return readable_reference("HR")
