"""Files beside a page, as in Jupyter: a Markdown page and a notebook read the data files next
to them without ``depends_on``; editing a file a session read runs it again, editing another
does not; nothing a session does changes the docs folder."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest

from wmbook.execute.sandbox import landlock_abi

from .conftest import FIXTURES, BuiltCopy, build_site, session_report

READINGS = ("docs/lab/readings.md", "main")
ANALYSIS = ("docs/lab/analysis.ipynb", "main")


def _docs(root: Path) -> dict[str, bytes]:
    """Every file of the docs folder (the notebook cache lives elsewhere)."""
    docs = root / "docs"
    return {p.relative_to(docs).as_posix(): p.read_bytes() for p in sorted(docs.rglob("*")) if p.is_file()}


@pytest.fixture
def lab(built_copy: BuiltCopy, tmp_path: Path) -> Path:
    """The page-files fixture after its first build (built once, copied for each test)."""
    root, site = built_copy("pagefiles", tmp_path)
    assert not site.failed, site.messages
    assert session_report(root) == {READINGS: False, ANALYSIS: False}
    # out.csv, the appended row and the refused write stayed private.
    assert _docs(root) == _docs(FIXTURES / "pagefiles")
    return root


def test_pages_read_the_files_beside_them(lab: Path, caplog: pytest.LogCaptureFixture) -> None:
    html = (lab / "site" / "lab" / "readings" / "index.html").read_text()
    assert "heights: 7.5 weights: 10" in html  # np.loadtxt and np.load, no depends_on
    assert "sub: 15" in html and "shared: 42" in html  # a subfolder, and ../ inside the docs folder
    assert "rows now: 4" in html  # the append went to the session's own copy of the file ...
    assert "out.csv beside: [&#x27;out.csv&#x27;]" in html  # ... as did the new file
    notebook = (lab / "site" / "lab" / "analysis" / "index.html").read_text()
    assert "mean height: 2.5" in notebook and "weights: [0, 1, 2, 3, 4]" in notebook
    assert "helper: 42" in notebook  # a module beside the notebook is imported, as in Jupyter
    assert not (lab / "docs" / "lab" / "out.csv").exists()


@pytest.mark.parametrize(
    ("edit", "reran"),
    [
        ("lab/notes.txt", set()),  # read by no session (its name was listed; it is still there)
        ("lab/measurements.csv", {READINGS, ANALYSIS}),
        ("lab/data/sub.csv", {READINGS}),
        ("shared.csv", {READINGS}),
        ("lab/helpers.py", {ANALYSIS}),  # the module the notebook imported
        ("index.md", set()),
    ],
)
def test_a_session_runs_again_when_a_file_it_read_changes(
    lab: Path, caplog: pytest.LogCaptureFixture, edit: str, reran: set[tuple[str, str]]
) -> None:
    path = lab / "docs" / edit
    path.write_bytes(path.read_bytes() + b"\n")
    site = build_site(lab, caplog)
    assert not site.failed, site.messages
    assert {session for session, cached in session_report(lab).items() if not cached} == reran


def test_a_new_file_reruns_the_session_that_listed_the_folder(
    lab: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (lab / "docs" / "lab" / "new.txt").write_text("new\n")
    build_site(lab, caplog)
    assert session_report(lab) == {READINGS: False, ANALYSIS: True}  # readings.md ran os.listdir(".")


def test_a_file_that_vanished_reruns_its_reader(lab: Path, caplog: pytest.LogCaptureFixture) -> None:
    (lab / "docs" / "lab" / "weights.npz").unlink()
    site = build_site(lab, caplog)
    assert site.failed
    assert "docs/lab/readings.md:9: FileNotFoundError" in site.messages


HOSTILE = """\
# Hostile

```python
import os, shutil, subprocess

def attempt(name, action):
    try:
        action()
        print(name, "done")
    except Exception as exc:
        print(name, type(exc).__name__)

attempt("append", lambda: open("measurements.csv", "a").write("9,9\\n"))
attempt("truncate", lambda: open("notes.txt", "w").close())
attempt("dotdot", lambda: open("data/../weights.npz", "wb").write(b"x"))
attempt("real path", lambda: open("DOCS/lab/data/sub.csv", "w").write("x"))
attempt("chdir", lambda: os.chdir("data"))
attempt("write after chdir", lambda: open("here.txt", "w").write("x"))
os.chdir("..")
attempt("into a subfolder", lambda: open("data/new.csv", "w").write("x"))
attempt("remove", lambda: os.remove("data/sub.csv"))
attempt("rename", lambda: os.rename("notes.txt", "data/notes.txt"))
attempt("rmtree", lambda: shutil.rmtree("data"))
attempt("chmod", lambda: os.chmod("readings.md", 0o777))
"""

REFUSED = """\
```python raises="PermissionError"
open("DOCS/shared.csv", "w").write("overwritten")
```
"""

SHELL = """\
attempt("shell", lambda: subprocess.run("echo x >> DOCS/shared.csv", shell=True, check=True))
"""


@pytest.mark.parametrize("sandbox", [True, False])
def test_a_hostile_block_cannot_change_the_docs_folder(
    lab: Path, caplog: pytest.LogCaptureFixture, sandbox: bool
) -> None:
    if sandbox and landlock_abi() <= 0:
        pytest.skip("this kernel has no Landlock")
    # The docs folder's real path, as a block could find it out.
    code = (HOSTILE + (SHELL if sandbox else "") + "```\n\n" + REFUSED).replace("DOCS", str(lab / "docs"))
    (lab / "docs" / "lab" / "hostile.md").write_text(code)
    if not sandbox:
        config = lab / "mkdocs.yml"
        config.write_text(config.read_text().replace("timeout: 30", "timeout: 30\n      sandbox: false"))
    before = _docs(lab)
    mode = (lab / "docs" / "lab" / "readings.md").stat().st_mode
    site = build_site(lab, caplog)
    assert not site.failed, site.messages
    assert _docs(lab) == before
    assert (lab / "docs" / "lab" / "readings.md").stat().st_mode == mode
    html = (lab / "site" / "lab" / "hostile" / "index.html").read_text()
    # What Jupyter would do, done in the session's own folder; a write by the real path is refused.
    done = ("append", "truncate", "chdir", "write after chdir", "into a subfolder", "remove", "rename")
    for name in (*done, "rmtree", "chmod"):
        assert f"{name} done" in html
    assert "real path PermissionError" in html
    # Through links to the docs folder, 'data/..' leads into it (refused); through an overlay,
    # to the page's folder as the session sees it (a private write, as Jupyter's is its own).
    assert "dotdot PermissionError" in html or "dotdot done" in html
    refused = (
        "PermissionError: [Errno 13] Permission denied (the docs folder is read-only while the book builds"
    )
    assert refused in html
    if sandbox:
        assert "shell CalledProcessError" in html  # the shell's own write, stopped by Landlock


# Each reader a notebook uses, and whether the working folder's watch sees what it read.
READERS = """\
import glob, json, os, pathlib, sys
import matplotlib.image, numpy as np, pandas as pd
from wmbook.execute.workdir import prepare_workdir
from wmbook.model import PageFolder, SessionSpec

spec = SessionSpec("docs/lab/p.md", "main", (), (), folder=PageFolder(sys.argv[1], "lab"))
work, watch = prepare_workdir(spec, sys.argv[2])
os.chdir(work)
watch.install()
seen = {}
for name, read in [
    ("np.loadtxt", lambda: np.loadtxt("measurements.csv", delimiter=",", skiprows=1)),
    ("np.load", lambda: np.load("weights.npz")["w"]),
    ("pd.read_csv", lambda: pd.read_csv("data/sub.csv")),
    ("imread", lambda: matplotlib.image.imread("image.png")),
    ("read_text", lambda: pathlib.Path("../shared.csv").read_text()),
    ("open absent", lambda: os.path.exists("later.csv") or open("later.csv")),
    ("glob", lambda: glob.glob("*.csv")),
]:
    try:
        read()
    except OSError:
        pass
    seen[name] = [[r.path, r.kind.value] for r in watch.take()]
print(json.dumps(seen))
"""


def test_the_watch_sees_what_notebook_readers_read(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    shutil.copytree(FIXTURES / "pagefiles" / "docs", docs)
    plt.imsave(docs / "lab" / "image.png", np.zeros((2, 2)))
    (tmp_path / "session").mkdir()
    run = subprocess.run(
        [sys.executable, "-c", READERS, str(docs), str(tmp_path / "session")],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert json.loads(run.stdout) == {
        "np.loadtxt": [["lab/measurements.csv", "file"]],
        "np.load": [["lab/weights.npz", "file"]],
        "pd.read_csv": [["lab/data/sub.csv", "file"]],
        "imread": [["lab/image.png", "file"]],
        "read_text": [["shared.csv", "file"]],
        "open absent": [["lab/later.csv", "absent"]],
        "glob": [["lab", "listing"]],
    }


# A session on a machine without the docs folder: one file sent, the others named only.
UNSENT = """\
import json, os, sys
from wmbook.execute.workdir import prepare_workdir
from wmbook.model import PageFolder, SessionSpec

unsent = tuple(f"lab/page{n}.md" for n in range(3)) + ("lab/data/deep.csv",)
folder = PageFolder("/nowhere/docs", "lab", shipped=(("lab/sent.csv", b"a,b\\n"),), unsent=unsent)
work, watch = prepare_workdir(SessionSpec("docs/lab/p.md", "main", (), (), folder=folder), sys.argv[1])
os.chdir(work)
watch.install()
seen = {"listing": sorted(os.listdir(".")), "deep": os.listdir("data"), "exists": os.path.exists("page0.md")}
seen["sent"] = open("sent.csv").read()
for name, mode in (("page0.md", "r"), ("page1.md", "a")):
    try:
        open(name, mode)
    except FileNotFoundError as exc:
        seen[name] = str(exc.filename)
with open("page2.md", "w") as file:  # written over: the session's own file from then on
    file.write("mine")
seen["page2.md"] = open("page2.md").read()
with open("made.txt", "w") as file:
    file.write("renamed")
os.replace("made.txt", "data/deep.csv")  # renamed over a name not sent: the session's own file now
seen["deep.csv"] = open("data/deep.csv").read()
try:
    open("page0.md")
except FileNotFoundError:
    seen["page0.md again"] = "absent"
seen["reads"] = [[r.path, r.kind.value] for r in watch.take()]
seen["inodes"] = len({os.stat(name).st_ino for name in ("page0.md", "page1.md")})
print(json.dumps(seen))
"""


def test_files_not_sent_are_listed_and_absent_when_opened(tmp_path: Path) -> None:
    (tmp_path / "session").mkdir()
    run = subprocess.run(
        [sys.executable, "-c", UNSENT, str(tmp_path / "session")],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert json.loads(run.stdout) == {
        "listing": ["data", "page0.md", "page1.md", "page2.md", "sent.csv"],
        "deep": ["deep.csv"],
        "exists": True,
        "sent": "a,b\n",
        "page0.md": "lab/page0.md",
        "page1.md": "lab/page1.md",  # appending reads it first: absent too
        "page2.md": "mine",
        "deep.csv": "renamed",
        "page0.md again": "absent",
        "reads": [
            ["lab", "listing"],
            ["lab/data", "listing"],
            ["lab/page0.md", "absent"],
            ["lab/page1.md", "absent"],
            ["lab/sent.csv", "file"],
        ],
        "inodes": 1,  # names of one empty stand-in, not a file each
    }
