"""What the build and its worker processes agree on; imports nothing heavy.

The build process imports this module, never ``child`` (which loads numpy and
matplotlib), so a build answered entirely from the cache pays for neither.
"""

from __future__ import annotations

import os

MAX_OUTPUT = 200_000  # characters kept per step; a runaway print loop must not flood the page

ENVIRONMENT = {
    "MPLBACKEND": "Agg",
    "PYTHONHASHSEED": "0",
    "COLUMNS": "80",
    "LC_ALL": "C.UTF-8",
    "LANG": "C.UTF-8",
    "PYTHONIOENCODING": "utf-8",
    # One BLAS thread per session: sessions already run in parallel, and threaded BLAS in
    # each would fight over the cores (and can change floating-point results run to run).
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}


# How the build words a session it ended itself (a limit of the session as a whole, a message
# it refused): the block did not end its own process, and the words say what to change.
OUT_OF_MEMORY = "the session as a whole ran out of memory (its processes together passed memory_limit_mb)"
DISK_FULL = "the session wrote more than the {mb:g} MB its folder may hold (max_output_mb)"
REFUSED = "the session sent {what}; its result was refused, and nothing it sent was run"


def ended_by_build(detail: str) -> bool:
    """Whether a session's ``detail`` says the build ended it (not the block its process)."""
    prefixes = (OUT_OF_MEMORY, DISK_FULL.partition("{")[0], REFUSED.partition("{")[0])
    return detail.startswith(prefixes)


def capture_path(session_dir: str, step_index: int) -> str:
    """File that receives a step's output (the build reads it if the process dies)."""
    return os.path.join(session_dir, f"step-{step_index}.out")


def read_capture(path: str) -> str:
    """Captured output as text, cut at ``MAX_OUTPUT`` characters."""
    try:
        with open(path, "rb") as file:
            data = file.read(MAX_OUTPUT * 4 + 1)
    except OSError:
        return ""
    text = data.decode("utf-8", errors="replace")
    if len(text) > MAX_OUTPUT:
        text = text[:MAX_OUTPUT] + f"\n[output cut at {MAX_OUTPUT} characters]\n"
    return text
