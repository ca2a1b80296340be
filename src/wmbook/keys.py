"""Make a key pair for signing the shared cache: ``python -m wmbook.keys``.

The private key goes into CI's secrets as ``WMBOOK_CACHE_SIGNING_KEY`` (only the job that
publishes the cache needs it); the public key goes into ``mkdocs.yml`` as the plugin's
``cache_public_key``, so that every build verifies what it reads from the shared cache.
"""

from __future__ import annotations

import sys

from wmbook.signing import SIGNING_KEY_ENV, private_text, public_text


def new_key_pair() -> tuple[str, str]:
    """A fresh Ed25519 key pair: (private, public), each the base64 of its raw bytes."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    return private_text(key), public_text(key)


def main() -> None:
    """Print a new key pair, each where it belongs."""
    private, public = new_key_pair()
    sys.stdout.write(
        f"# The secret of the job that publishes the cache (never commit it):\n"
        f"{SIGNING_KEY_ENV}={private}\n"
        f"# In mkdocs.yml, under the wmbook plugin:\n"
        f"cache_public_key: {public}\n"
    )


if __name__ == "__main__":
    main()
