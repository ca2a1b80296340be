"""Signed entries of the shared cache (Ed25519).

A checksum shows that an entry is whole, not who wrote it: anyone who may write the shared
store could otherwise put any output, and so any page content, into every reader's site.
So the build that publishes (CI) signs each entry with a private key it reads from
``WMBOOK_CACHE_SIGNING_KEY``, and readers verify it with the public key in ``mkdocs.yml``
(``cache_public_key``).  What is signed is the entry's address (``sessions/ab/abcd…``)
with its payload's SHA-256, so a signed entry cannot be moved to another address either.

The private key lives only in the process that publishes (``shared_process``): the build
takes it out of its environment before any session starts, so no session inherits it.
Keys are written as the base64 of their 32 raw bytes (``python -m wmbook.keys`` makes a
pair), or as PEM.  ``cryptography`` is imported only where a key is used.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import ctypes
import hashlib
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

SIGNING_KEY_ENV = "WMBOOK_CACHE_SIGNING_KEY"
_CONTEXT = b"wmbook shared cache entry\x00"


class CacheKeyError(ValueError):
    """A key that is not an Ed25519 key in either accepted form."""


def _raw(text: str, what: str) -> bytes | None:
    """The 32 bytes of a base64 key, or None when ``text`` is PEM."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        return None
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CacheKeyError(f"{what} is neither base64 nor PEM ({exc})") from exc
    if len(raw) != 32:
        raise CacheKeyError(f"{what} must be 32 bytes in base64 (an Ed25519 key), not {len(raw)}")
    return raw


def private_key(text: str) -> Ed25519PrivateKey:
    """The signing key written in ``text``."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    raw = _raw(text, "the signing key")
    if raw is not None:
        return Ed25519PrivateKey.from_private_bytes(raw)
    try:
        key = load_pem_private_key(text.strip().encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise CacheKeyError(f"the signing key is not a PEM private key ({exc})") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise CacheKeyError("the signing key is not an Ed25519 key")
    return key


def public_key(text: str) -> Ed25519PublicKey:
    """The verifying key written in ``text``."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    raw = _raw(text, "cache_public_key")
    if raw is not None:
        return Ed25519PublicKey.from_public_bytes(raw)
    try:
        key = load_pem_public_key(text.strip().encode())
    except (ValueError, TypeError) as exc:
        raise CacheKeyError(f"cache_public_key is not a PEM public key ({exc})") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise CacheKeyError("cache_public_key is not an Ed25519 key")
    return key


def public_text(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """A public key (of a private one, too) as ``cache_public_key`` takes it."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    public = key.public_key() if hasattr(key, "public_key") else key
    return base64.b64encode(public.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def private_text(key: Ed25519PrivateKey) -> str:
    """A private key as ``WMBOOK_CACHE_SIGNING_KEY`` takes it."""
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    return base64.b64encode(key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())).decode()


def _message(name: str, payload: bytes) -> bytes:
    return _CONTEXT + name.encode() + b"\x00" + hashlib.sha256(payload).digest()


def sign_entry(key: Ed25519PrivateKey, name: str, payload: bytes) -> bytes:
    """The signature of the entry at ``name`` (``sessions/ab/abcd…``) holding ``payload``."""
    return key.sign(_message(name, payload))


def entry_signed(key: Ed25519PublicKey, name: str, payload: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is the owner's signature of ``payload`` at ``name``."""
    from cryptography.exceptions import InvalidSignature

    try:
        key.verify(signature, _message(name, payload))
    except InvalidSignature:
        return False
    return True


def take_signing_key() -> str:
    """The signing key from the environment (or ""), removed from it, so that no process the
    build starts afterwards inherits it; its text is also wiped from the memory that
    ``/proc/<build>/environ`` shows."""
    value = os.environ.get(SIGNING_KEY_ENV)
    if value is None:
        return ""
    with contextlib.suppress(OSError, AttributeError, ValueError):
        libc = ctypes.CDLL(None)
        libc.getenv.restype = ctypes.c_void_p
        libc.strlen.restype = ctypes.c_size_t
        libc.strlen.argtypes = [ctypes.c_void_p]
        address = libc.getenv(SIGNING_KEY_ENV.encode())
        if address:
            ctypes.memset(address, 0, libc.strlen(address))
    del os.environ[SIGNING_KEY_ENV]
    return value
