"""Keys for the shared cache: a pair made by ``python -m wmbook.keys``, both forms read,
signatures bound to the entry's address, the signing key taken out of the environment."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from wmbook.keys import new_key_pair
from wmbook.signing import (
    SIGNING_KEY_ENV,
    CacheKeyError,
    entry_signed,
    private_key,
    public_key,
    public_text,
    sign_entry,
)


def test_the_key_command_prints_a_matching_pair() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "wmbook.keys"], capture_output=True, text=True, check=True
    ).stdout
    lines = [line for line in out.splitlines() if not line.startswith("#")]
    secret = next(line for line in lines if line.startswith(f"{SIGNING_KEY_ENV}=")).partition("=")[2]
    public = next(line for line in lines if line.startswith("cache_public_key: ")).partition(": ")[2]
    assert public_text(private_key(secret)) == public


def test_a_signature_holds_for_its_payload_at_its_address_only() -> None:
    private, public = new_key_pair()
    signature = sign_entry(private_key(private), "sessions/ab/ab00", b"payload")
    owner = public_key(public)
    assert entry_signed(owner, "sessions/ab/ab00", b"payload", signature)
    assert not entry_signed(owner, "sessions/ab/ab00", b"payloaD", signature)
    assert not entry_signed(owner, "sessions/cd/cd00", b"payload", signature)
    assert not entry_signed(public_key(new_key_pair()[1]), "sessions/ab/ab00", b"payload", signature)


def test_pem_keys_are_read_too() -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
        PublicFormat,
    )

    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()
    public_pem = key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()
    assert public_text(private_key(pem)) == public_text(public_key(public_pem)) == public_text(key)


@pytest.mark.parametrize(
    "text", ["not base64!", "c2hvcnQ=", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"]
)
def test_a_bad_key_is_an_error(text: str) -> None:
    with pytest.raises(CacheKeyError):
        public_key(text)


def test_the_signing_key_leaves_the_environment_and_the_process_memory_it_shows() -> None:
    """Processes started afterwards do not inherit it, and /proc/<build>/environ no longer
    shows it (a session could read that file of the build otherwise)."""
    secret = new_key_pair()[0]
    script = (
        "import os, subprocess, sys\n"
        "from wmbook.signing import take_signing_key\n"
        "taken = take_signing_key()\n"
        "child = subprocess.run([sys.executable, '-c', 'import os; print(os.environ.get(sys.argv[1], \"\"))'.replace('sys.argv[1]', repr(sys.argv[1]))], capture_output=True, text=True).stdout.strip()\n"
        "shown = open('/proc/self/environ', 'rb').read()\n"
        "print(taken == sys.argv[2], repr(child), sys.argv[2].encode() in shown)\n"
    )
    env = {**os.environ, SIGNING_KEY_ENV: secret}
    out = subprocess.run(
        [sys.executable, "-c", script, SIGNING_KEY_ENV, secret],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert out.stdout.split() == ["True", "''", "False"]
