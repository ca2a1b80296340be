"""The shared cache against a real S3-compatible server (moto) on 127.0.0.1: CI writes it,
a fresh clone reads it, a published copy is read over plain HTTP, damage is repaired."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from wmbook.store import seal, unseal

from .conftest import S3Server, SiteBuild, build_site, copy_fixture, session_report, site_files

pytestmark = pytest.mark.slow  # a shared-cache helper process per build, S3 and HTTP servers

ALL = {("docs/index.md", "main"), ("docs/other.md", "main"), ("docs/other.md", "apart")}


def _clone(tmp_path: Path, name: str) -> Path:
    """A fresh checkout of the fixture book: no local cache."""
    return copy_fixture("cluster", tmp_path / name)


def _build(
    root: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch, **env: str
) -> SiteBuild:
    with monkeypatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        return build_site(root, caplog)


@pytest.fixture
def published(
    s3_server: S3Server, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, SiteBuild]:
    """A prefix of the bucket that a first build (CI, with write access) has filled."""
    prefix = f"cache-{uuid.uuid4().hex[:8]}"
    first = _build(_clone(tmp_path, "ci"), caplog, monkeypatch, WMBOOK_CACHE_URL=s3_server.url(prefix))
    assert not first.failed, first.messages
    assert set(session_report(first.root).values()) == {False}
    return prefix, first


def test_a_fresh_clone_reads_the_shared_cache_and_runs_nothing(
    s3_server: S3Server,
    published: tuple[str, SiteBuild],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    prefix, first = published
    sessions = [key for key in s3_server.keys(prefix) if key.startswith(f"{prefix}/sessions/")]
    assert len(sessions) == len(ALL)  # every session was published, none twice
    second = _build(
        _clone(tmp_path, "contributor"), caplog, monkeypatch, WMBOOK_CACHE_URL=s3_server.url(prefix)
    )
    assert not second.failed, second.messages
    report = session_report(second.root)
    assert set(report) == ALL and set(report.values()) == {True}
    assert site_files(second.site) == site_files(first.site)
    # One request for all of them: the bundle the first build published of the same batch.
    gets = [r.getMessage() for r in caplog.records if r.name == "werkzeug" and '"GET /' in r.getMessage()]
    assert not [get for get in gets if f"/{prefix}/sessions/" in get]
    assert len([get for get in gets if f"/{prefix}/bundles/sessions/" in get]) == 1
    # Entries found remotely are kept locally: the next build needs no network.
    assert len(list((second.root / ".cache" / "wmbook" / "sessions").glob("*/*"))) == len(ALL)


def test_a_published_cache_over_http_serves_a_cache_only_build_and_is_never_written(
    s3_server: S3Server,
    published: tuple[str, SiteBuild],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    prefix, first = published
    before = s3_server.keys(prefix)
    host = _clone(tmp_path, "host")
    page = host / "docs" / "other.md"
    page.write_text(page.read_text() + "\nA line of prose added on the host.\n")
    url = f"{s3_server.endpoint}/{s3_server.bucket}/{prefix}"
    site = _build(host, caplog, monkeypatch, WMBOOK_CACHE_URL=url, WMBOOK_CACHE="cache-only")
    assert not site.failed, site.messages
    assert set(session_report(host).values()) == {True}
    assert s3_server.keys(prefix) == before
    assert site_files(site.site)["index.html"] == site_files(first.site)["index.html"]


def test_cache_only_with_a_session_in_neither_store_is_an_error_at_its_page(
    s3_server: S3Server,
    published: tuple[str, SiteBuild],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    prefix, _ = published
    host = _clone(tmp_path, "host")
    page = host / "docs" / "other.md"
    page.write_text(page.read_text().replace('print("total" in globals())', 'print("edited")'))
    site = _build(
        host, caplog, monkeypatch, WMBOOK_CACHE_URL=s3_server.url(prefix), WMBOOK_CACHE="cache-only"
    )
    assert site.failed
    assert "docs/other.md:12: session 'apart' is not in the local or the shared cache" in site.messages
    assert "docs/index.md" not in site.messages  # the others came from the shared cache


def test_a_damaged_shared_entry_is_reported_run_again_and_replaced(
    s3_server: S3Server,
    published: tuple[str, SiteBuild],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    prefix, first = published
    for bundle in _bundles(s3_server, prefix):  # read at their own address, as by another batch
        s3_server.client.delete_object(Bucket=s3_server.bucket, Key=bundle)
    entries = [key for key in s3_server.keys(prefix) if key.startswith(f"{prefix}/sessions/")]
    victim = entries[0]
    good = s3_server.client.get_object(Bucket=s3_server.bucket, Key=victim)["Body"].read()
    damaged = good.replace(b'"outcome": "ok"', b'"outcome": "OK"', 1)
    assert damaged != good
    s3_server.client.put_object(Bucket=s3_server.bucket, Key=victim, Body=damaged)
    clone = _clone(tmp_path, "contributor")
    site = _build(clone, caplog, monkeypatch, WMBOOK_CACHE_URL=s3_server.url(prefix))
    assert not site.failed, site.messages
    assert sorted(session_report(clone).values()) == [False, True, True]  # only the damaged one ran
    assert any("is damaged; it is made again and replaced" in r.getMessage() for r in caplog.records)
    repaired = s3_server.client.get_object(Bucket=s3_server.bucket, Key=victim)["Body"].read()
    assert unseal(repaired) is not None and repaired != damaged
    assert site_files(site.site) == site_files(first.site)
    assert len(_bundles(s3_server, prefix)) == 1  # and the clone published the missing bundle


def _bundles(s3_server: S3Server, prefix: str) -> list[str]:
    return [key for key in s3_server.keys(prefix) if key.startswith(f"{prefix}/bundles/")]


def test_an_unreachable_shared_cache_is_reported_once_and_the_build_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    with socket.socket() as held:  # bound, not listening: refused, and no one else takes the port
        held.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{held.getsockname()[1]}/cache"
        site = _build(_clone(tmp_path, "offline"), caplog, monkeypatch, WMBOOK_CACHE_URL=url)
    assert not site.failed, site.messages
    reports = [r.getMessage() for r in caplog.records if "cannot be reached" in r.getMessage()]
    assert len(reports) == 1 and url in reports[0]
    assert set(session_report(site.root).values()) == {False}


def test_a_folder_as_shared_cache_is_published_atomically(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = tmp_path / "shared"
    first = _build(_clone(tmp_path, "ci"), caplog, monkeypatch, WMBOOK_CACHE_URL=str(shared))
    assert not first.failed, first.messages
    entries = sorted(p for p in (shared / "sessions").rglob("*") if p.is_file())
    assert len(entries) == len(ALL) and not [p for p in shared.rglob(".tmp-*")]
    local = first.root / ".cache" / "wmbook"
    for entry in entries:
        assert entry.read_bytes() == (local / entry.relative_to(shared)).read_bytes()
        assert seal(unseal(entry.read_bytes()) or b"") == entry.read_bytes()


def test_a_url_no_store_answers_to_is_an_error_naming_the_setting(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = _build(_clone(tmp_path, "typo"), caplog, monkeypatch, WMBOOK_CACHE_URL="s4://book-cache/x")
    assert site.failed
    assert "plugins.wmbook.cache_url (or WMBOOK_CACHE_URL) 's4://book-cache/x'" in site.messages


def test_a_build_without_shared_cache_or_cluster_imports_neither(tmp_path: Path) -> None:
    """The default path stays as it was: a whole build imports no fsspec and no distributed."""
    root = _clone(tmp_path, "plain")
    script = (
        "import sys\n"
        "from mkdocs.commands.build import build\n"
        "from mkdocs.config import load_config\n"
        f"build(load_config(config_file={str(root / 'mkdocs.yml')!r}, site_dir={str(root / 'site')!r}))\n"
        "print(sorted(m for m in ('fsspec', 's3fs', 'dask', 'distributed') if m in sys.modules))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("WMBOOK_CACHE_URL", "WMBOOK_SCHEDULER")}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"
    assert (root / "site" / "index.html").exists()


def test_entries_are_read_in_one_batch_with_one_get_each(
    published: tuple[str, SiteBuild], s3_server: S3Server
) -> None:
    """No request for an entry's size first, and no listing when an entry is missing."""
    from wmbook.shared_store import SharedStore

    prefix, first = published
    keys = [p.name for p in (first.root / ".cache" / "wmbook" / "sessions").glob("*/*")]
    store = SharedStore(s3_server.url(prefix))
    calls: list[str] = []
    real = store.fs._call_s3

    async def counted(method: str, *args: object, **kwargs: object) -> object:
        calls.append(method)
        return await real(method, *args, **kwargs)

    store.fs._call_s3 = counted
    batches: list[int] = []
    cat = store.fs.cat

    def one_batch(paths: list[str], **kwargs: object) -> object:
        batches.append(len(paths))
        return cat(paths, **kwargs)

    store.fs.cat = one_batch
    found = store.read_many("sessions", [*keys, "ef" + "2" * 62])
    assert sorted(found) == sorted(keys)
    assert calls == ["get_object"] * (len(keys) + 1)
    assert batches == [len(keys) + 1]


def _build_in_a_process(
    root: Path, shared: Path, then: str, extra_env: dict[str, str] | None = None, before: str = ""
) -> list[str]:
    """Build ``root`` with ``shared`` as shared cache in a fresh Python process, which runs
    ``before`` first and ``then`` after (it sees ``sys`` and ``os``, and ``failed``: the
    build's error or None); return what the process printed, line by line."""
    script = (
        "import os, sys\n" + before + "from mkdocs.commands.build import build\n"
        "from mkdocs.config import load_config\n"
        "root = sys.argv[1]\n"
        "failed = None\n"
        "try:\n"
        "    build(load_config(config_file=root + '/mkdocs.yml', site_dir=root + '/site'))\n"
        "except RuntimeError as exc:\n"
        "    failed = exc\n"
    ) + then
    env = {k: v for k, v in os.environ.items() if k != "WMBOOK_SCHEDULER"}
    env["WMBOOK_CACHE_URL"] = str(shared)
    env.update(extra_env or {})
    run = subprocess.run(
        [sys.executable, "-c", script, str(root)], capture_output=True, text=True, env=env, check=True
    )
    return run.stdout.strip().splitlines()


def test_a_build_reads_its_shared_cache_through_a_helper_process(tmp_path: Path) -> None:
    """The store's client (fsspec, and s3fs with it) loads in the helper, not in MkDocs' process."""
    shared = tmp_path / "shared"
    roots = {name: _clone(tmp_path, name) for name in ("ci", "clone")}
    for root in roots.values():
        lines = _build_in_a_process(root, shared, "assert failed is None\nprint('fsspec' in sys.modules)\n")
        assert lines[-1] == "False"
    assert set(session_report(roots["ci"]).values()) == {False}
    assert set(session_report(roots["clone"]).values()) == {True}


def test_the_helper_starts_as_mkdocs_loads_the_plugin_and_the_build_takes_it(tmp_path: Path) -> None:
    """With WMBOOK_CACHE_URL naming a store by URL, the helper is started when MkDocs loads
    the plugin (its entry point), before the settings are read; the build sends that
    helper its keys, reads through it and ends it."""
    shared = tmp_path / "shared"
    roots = {name: _clone(tmp_path, name) for name in ("ci", "clone")}
    for root in roots.values():
        lines = _build_in_a_process(
            root,
            shared,
            "print(early._process.poll(), shared_process._early)\n",
            {"WMBOOK_CACHE_URL": f"file://{shared}"},
            before=(
                "from importlib.metadata import entry_points\n"
                "from wmbook import shared_process\n"
                "entry_points(group='mkdocs.plugins')['wmbook'].load()\n"
                "early = shared_process._early[0]\n"
            ),
        )
        # Ended by the build and taken from the early slot: it exits once flushed, or is killed
        # when the build sent it no write before it had finished connecting.
        assert lines[-1] in ("0 []", "-9 []")
    assert set(session_report(roots["clone"]).values()) == {True}


def test_a_build_that_fails_elsewhere_publishes_and_ends_its_helper(tmp_path: Path) -> None:
    """``mkdocs serve`` outlives a failed build: its helper process must not. What the build
    ran before the failure (here the first page's sessions) is published, as at the end of a
    good build, and nothing half-written is left."""
    shared = tmp_path / "shared"
    root = _clone(tmp_path, "failing")
    (root / "failing_hook.py").write_text(
        "def on_post_page(output, page, config):\n    raise RuntimeError('a theme problem')\n",
        encoding="utf-8",
    )
    with (root / "mkdocs.yml").open("a", encoding="utf-8") as config:
        config.write("\nhooks:\n  - failing_hook.py\n")
    lines = _build_in_a_process(
        root,
        shared,
        "print('failed:', failed)\n"
        "helpers = []\n"
        "for task in os.listdir('/proc/self/task'):\n"
        "    for child in open(f'/proc/self/task/{task}/children').read().split():\n"
        "        if b'wmbook.shared_process' in open(f'/proc/{child}/cmdline', 'rb').read():\n"
        "            helpers.append(child)\n"
        "print('helpers:', len(helpers))\n",
    )
    assert "failed: a theme problem" in lines, lines
    assert lines[-1] == "helpers: 0", lines
    published = [p for p in shared.rglob("*") if p.is_file()]
    assert [p for p in published if p.parent.parent.name == "sessions"], published
    assert not [p for p in published if p.name.startswith(".tmp-")]


# -- signed entries: a cache writer without the signing key cannot change what readers show --


def _read_verifying(
    s3_server: S3Server,
    prefix: str,
    public: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[Path, SiteBuild]:
    """A fresh clone that verifies signatures with ``public``, built reading the shared
    cache at ``prefix``: the clone and its build."""
    reader = _verifying(_clone(tmp_path, "reader"), public)
    return reader, _build(reader, caplog, monkeypatch, WMBOOK_CACHE_URL=s3_server.url(prefix))


def _verifying(root: Path, public: str) -> Path:
    """The book with ``cache_public_key`` set in its mkdocs.yml."""
    config = root / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace("      timeout: 30\n", f"      timeout: 30\n      cache_public_key: {public}\n")
    )
    return root


def _rewrite_sessions(s3_server: S3Server, prefix: str, signature: Callable[[bytes], bytes]) -> int:
    """Rewrite every session entry under ``prefix``, at its own address and in the bundles,
    as an attacker with write access would: a changed payload with a valid checksum, and
    the signature ``signature`` gives it.  The number of entries at their own address."""
    from wmbook.shared_bundle import pack_bundle, unpack_bundle
    from wmbook.store import open_entry

    def poisoned(data: bytes) -> bytes:
        opened = open_entry(data)
        assert opened is not None
        entry = json.loads(opened[0])
        for step in entry["results"]:
            step["output"] = "POISONED <img src=x onerror=alert(1)>\n"
        return seal(json.dumps(entry).encode(), signature(opened[1]))

    def rewrite(key: str, change: Callable[[bytes], bytes]) -> None:
        data = s3_server.client.get_object(Bucket=s3_server.bucket, Key=key)["Body"].read()
        s3_server.client.put_object(Bucket=s3_server.bucket, Key=key, Body=change(data))

    def poisoned_bundle(data: bytes) -> bytes:
        entries = unpack_bundle(data)
        assert entries
        return pack_bundle({key: poisoned(sealed) for key, sealed in entries.items()})

    keys = [key for key in s3_server.keys(prefix) if key.startswith(f"{prefix}/sessions/")]
    for key in keys:
        rewrite(key, poisoned)
    bundles = _bundles(s3_server, prefix)
    assert bundles
    for bundle in bundles:
        rewrite(bundle, poisoned_bundle)
    return len(keys)


@pytest.fixture
def signed(
    s3_server: S3Server, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, str, SiteBuild]:
    """A prefix that CI filled with signed entries; its public key; CI's build."""
    from wmbook.keys import new_key_pair

    private, public = new_key_pair()
    prefix = f"signed-{uuid.uuid4().hex[:8]}"
    ci = _verifying(_clone(tmp_path, "ci"), public)
    first = _build(
        ci, caplog, monkeypatch, WMBOOK_CACHE_URL=s3_server.url(prefix), WMBOOK_CACHE_SIGNING_KEY=private
    )
    assert not first.failed, first.messages
    assert set(session_report(ci).values()) == {False}
    return prefix, public, first


def test_a_correctly_signed_entry_is_used(
    s3_server: S3Server,
    signed: tuple[str, str, SiteBuild],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    prefix, public, first = signed
    reader, site = _read_verifying(s3_server, prefix, public, tmp_path, caplog, monkeypatch)
    assert not site.failed, site.messages
    assert set(session_report(reader).values()) == {True}
    assert site_files(site.site) == site_files(first.site)


def test_entries_rewritten_without_the_signing_key_are_ignored_and_run_again(
    s3_server: S3Server,
    signed: tuple[str, str, SiteBuild],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The reproduction: whoever may write the bucket re-seals every entry with a valid
    checksum; a fresh build that verifies takes none of them."""
    prefix, public, first = signed
    assert _rewrite_sessions(s3_server, prefix, lambda _: b"") == len(ALL)
    reader, site = _read_verifying(s3_server, prefix, public, tmp_path, caplog, monkeypatch)
    assert not site.failed, site.messages
    assert set(session_report(reader).values()) == {False}
    assert not [path for path, data in site_files(site.site).items() if b"POISONED" in data]
    assert site_files(site.site) == site_files(first.site)
    reports = [r.getMessage() for r in caplog.records if "ignored and made again" in r.getMessage()]
    assert reports == [
        f"wmbook: the shared cache at {s3_server.url(prefix)} offered 3 unsigned entries; they were ignored and made again"
    ]


def test_a_tampered_payload_under_its_original_signature_is_rejected(
    s3_server: S3Server,
    signed: tuple[str, str, SiteBuild],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    prefix, public, _ = signed
    _rewrite_sessions(s3_server, prefix, lambda original: original)
    reader, site = _read_verifying(s3_server, prefix, public, tmp_path, caplog, monkeypatch)
    assert set(session_report(reader).values()) == {False}
    assert not [path for path, data in site_files(site.site).items() if b"POISONED" in data]
    warnings = [r for r in caplog.records if "ignored and made again" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING
    assert "3 not signed by cache_public_key's owner" in warnings[0].getMessage()


def test_one_forged_entry_in_a_bundle_costs_only_itself(
    s3_server: S3Server,
    signed: tuple[str, str, SiteBuild],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The bundle's other entries are used; the forged one is read at its own address,
    where the genuine entry is: nothing runs, nothing forged is shown."""
    from wmbook.shared_bundle import pack_bundle, unpack_bundle
    from wmbook.store import open_entry

    prefix, public, first = signed
    [bundle] = _bundles(s3_server, prefix)
    entries = unpack_bundle(s3_server.client.get_object(Bucket=s3_server.bucket, Key=bundle)["Body"].read())
    assert entries is not None and len(entries) == len(ALL)
    victim = sorted(entries)[0]
    opened = open_entry(entries[victim])
    assert opened is not None
    forged = json.loads(opened[0])
    for step in forged["results"]:
        step["output"] = "POISONED\n"
    entries[victim] = seal(json.dumps(forged).encode(), opened[1])
    s3_server.client.put_object(Bucket=s3_server.bucket, Key=bundle, Body=pack_bundle(entries))
    reader, site = _read_verifying(s3_server, prefix, public, tmp_path, caplog, monkeypatch)
    assert set(session_report(reader).values()) == {True}
    assert site_files(site.site) == site_files(first.site)
    gets = [r.getMessage() for r in caplog.records if r.name == "werkzeug" and '"GET /' in r.getMessage()]
    assert len([get for get in gets if f"/{prefix}/sessions/" in get]) == 1  # the forged one's own
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "1 entry in bundles of the shared cache" in warning.getMessage()
    assert "read at its own address instead" in warning.getMessage()


def test_a_signing_key_that_is_not_the_public_keys_pair_is_an_error(
    s3_server: S3Server, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wmbook.keys import new_key_pair

    root = _verifying(_clone(tmp_path, "ci"), new_key_pair()[1])
    site = _build(
        root,
        caplog,
        monkeypatch,
        WMBOOK_CACHE_URL=s3_server.url("x"),
        WMBOOK_CACHE_SIGNING_KEY=new_key_pair()[0],
    )
    assert site.failed
    assert (
        "WMBOOK_CACHE_SIGNING_KEY is not the private key of plugins.wmbook.cache_public_key" in site.messages
    )


def test_sessions_never_see_the_signing_key(tmp_path: Path) -> None:
    """Neither in their environment nor in the environment of the processes above them."""
    from wmbook.keys import new_key_pair

    private = new_key_pair()[0]
    root = _clone(tmp_path, "ci")
    probe = (
        "\n```python\nimport os\n"
        "secret = os.environ.get('WMBOOK_CACHE_SIGNING_KEY', '')\n"
        "pid, seen = os.getpid(), []\n"
        "while pid > 1:\n"
        "    try:\n"
        "        seen.append(open(f'/proc/{pid}/environ', 'rb').read())\n"
        "        pid = int(open(f'/proc/{pid}/stat').read().rsplit(')', 1)[1].split()[1])\n"
        "    except OSError:\n"
        "        break\n"
        f"print('leaked' if secret or any(b'{private}' in environ for environ in seen) else 'kept')\n"
        "```\n"
    )
    page = root / "docs" / "index.md"
    page.write_text(page.read_text() + probe)
    script_env = {"WMBOOK_CACHE_SIGNING_KEY": private}
    lines = _build_in_a_process(root, tmp_path / "shared", "assert failed is None, failed\n", script_env)
    html = (root / "site" / "index.html").read_text()
    assert "<pre><code>kept</code></pre>" in html, lines
