"""Run ``mkdocs`` in this process and write its own peak resident memory (KiB) to a file.

Usage: python tests/bench/measured_mkdocs.py OUT build -q -f mkdocs.yml

The worker server and sessions are other processes: only the build process is measured.
"""

from __future__ import annotations

import resource
import runpy
import sys
from pathlib import Path


def main() -> None:
    out = Path(sys.argv[1])
    sys.argv = ["mkdocs", *sys.argv[2:]]
    try:
        runpy.run_module("mkdocs", run_name="__main__", alter_sys=True)
    finally:
        out.write_text(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))


if __name__ == "__main__":
    main()
