"""Keyed, rotatable pseudonyms for resolved people, for the analytical extract.

An analyst counts people (known to two or more agencies, repeat victims across
agencies) without seeing who they are: each resolved person is shown as
``<key id>-<HMAC-SHA256 of the person's id>``. The key is the partnership's secret;
without it a pseudonym cannot be recomputed from a guessed name or date of birth
(which a plain hash would allow), and rotating the key gives every person a new
pseudonym that cannot be joined to the old ones except through :func:`rotation_map`,
which needs both keys.

Notes:
    HMAC: Krawczyk, Bellare and Canetti (1997), RFC 2104; keys shorter than the hash
    output (32 bytes for SHA-256) are "strongly discouraged" (RFC 2104 s3). The
    input is the resolved person's identifier, never identifying data: pseudonymised
    data in the sense of UK GDPR Art. 4(5), the key "kept separately"
    (ICO, *Anonymisation, pseudonymisation and privacy enhancing technologies
    guidance*, ch. 3, 2022).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

MIN_KEY_BYTES: Final = 32
"""The shortest secret accepted: SHA-256's output length (RFC 2104 s3)."""

_KEY_ID = re.compile(r"^[A-Za-z0-9_]{1,16}$")
_DOMAIN: Final = b"saferleeds.person.v1\x00"
"""Prefixed to every message, so these HMACs never equal one made for another use
of the same key."""
_DIGEST_CHARS: Final = 32
"""Hex characters kept (128 bits): collisions among 10^9 people have probability
about 10^-21."""


class PseudonymKeyError(ValueError):
    """A key that must not be used: empty, short, repetitive or badly named."""


@dataclass(frozen=True)
class PseudonymKey:
    """A partnership's secret key for pseudonyms, with the id that names it.

    Attributes:
        key_id: A short name for the key (letters, digits, ``_``; at most 16), shown
            as the pseudonym's prefix so that pseudonyms made with different keys
            are never mistaken for one another. A new id for each rotation.
        secret: The secret, at least :data:`MIN_KEY_BYTES` bytes, e.g. from
            :func:`new_key`. Not shown by ``repr``.

    Raises:
        PseudonymKeyError: An empty or malformed ``key_id``; a secret that is not
            bytes, shorter than 32 bytes, or made of fewer than 8 distinct byte values
            (a placeholder such as ``b"x" * 32`` or ``b"0123" * 8``).
    """

    key_id: str
    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.key_id, str) or not _KEY_ID.match(self.key_id):
            raise PseudonymKeyError(
                f"the key id must be 1 to 16 letters, digits or _, not {self.key_id!r}"
            )
        if not isinstance(self.secret, bytes):
            raise PseudonymKeyError(
                "the secret must be bytes (e.g. PseudonymKey.from_hex), not "
                f"{type(self.secret).__name__}"
            )
        if not self.secret:
            raise PseudonymKeyError(f"key {self.key_id}: the secret is empty")
        if len(self.secret) < MIN_KEY_BYTES:
            raise PseudonymKeyError(
                f"key {self.key_id}: the secret is {len(self.secret)} bytes; at least "
                f"{MIN_KEY_BYTES} are needed (64 hex characters)"
            )
        if len(set(self.secret)) < 8:
            raise PseudonymKeyError(
                f"key {self.key_id}: the secret repeats a few byte values; "
                "use random bytes (new_key)"
            )

    @classmethod
    def from_hex(cls, key_id: str, text: str) -> PseudonymKey:
        """A key from its secret written in hexadecimal (how a setting holds it).

        Args:
            key_id: The key's name.
            text: At least 64 hexadecimal characters.

        Returns:
            The key.

        Raises:
            PseudonymKeyError: ``text`` is empty, not hexadecimal or too short.
        """
        cleaned = (text or "").strip()
        try:
            secret = bytes.fromhex(cleaned)
        except ValueError:
            raise PseudonymKeyError(
                f"key {key_id}: the secret is not hexadecimal"
            ) from None
        return cls(key_id, secret)


def new_key(key_id: str) -> PseudonymKey:
    """A new random key (32 bytes from the operating system's CSPRNG).

    Args:
        key_id: Its name, different from every earlier key's.

    Returns:
        The key; keep ``key.secret.hex()`` as the partnership's secret setting.
    """
    return PseudonymKey(key_id, secrets.token_bytes(MIN_KEY_BYTES))


def pseudonym(person_id: str, key: PseudonymKey) -> str:
    """The pseudonym of one resolved person under ``key``.

    The same id and key always give the same pseudonym; another key gives another.

    Args:
        person_id: The resolved person's identifier (never a name or date of birth).
        key: The partnership's current key.

    Returns:
        ``<key id>-<32 hex characters>``, e.g. ``k2024-9f86d081884c7d659a2feaa0c55ad015``.

    Raises:
        ValueError: An empty ``person_id``.

    Notes:
        HMAC-SHA256 (RFC 2104; FIPS 180-4) of a domain tag and the id, truncated to
        128 bits (NIST SP 800-107r1 s5.3.3 allows truncated HMAC tags).
    """
    if not person_id:
        raise ValueError("a pseudonym needs a person id, not an empty one")
    digest = hmac.new(
        key.secret, _DOMAIN + person_id.encode("utf-8"), hashlib.sha256
    ).hexdigest()
    return f"{key.key_id}-{digest[:_DIGEST_CHARS]}"


def pseudonyms(person_ids: Iterable[str], key: PseudonymKey) -> dict[str, str]:
    """The pseudonym of each person id (see :func:`pseudonym`)."""
    return {p: pseudonym(p, key) for p in person_ids}


def rotation_map(
    person_ids: Iterable[str], old: PseudonymKey, new: PseudonymKey
) -> dict[str, str]:
    """Old pseudonym to new, for carrying an extract over a key rotation.

    Only whoever holds both keys and the person ids can make it; the map itself is as
    sensitive as the old key and is discarded after use.

    Args:
        person_ids: The resolved people.
        old: The key being retired.
        new: The key replacing it (another ``key_id``).

    Returns:
        Each person's old pseudonym mapped to the new one.

    Raises:
        PseudonymKeyError: ``new`` has the same key id or secret as ``old``.
    """
    if new.key_id == old.key_id:
        raise PseudonymKeyError(f"the new key reuses the key id {old.key_id!r}")
    if hmac.compare_digest(new.secret, old.secret):
        raise PseudonymKeyError("the new key has the same secret as the old one")
    return {pseudonym(p, old): pseudonym(p, new) for p in person_ids}
