"""Links between the site's pages and files, as slash-separated paths."""

from __future__ import annotations

import functools
import posixpath


@functools.cache
def _parts(path: str) -> list[str]:
    """A path's parts, normalised; ``..`` above the root stays at the root."""
    path = posixpath.normpath(path if path.startswith("/") else "/" + path)[1:]
    return path.split("/") if path else []


def relative_url(url: str, other: str) -> str:
    """``url`` as a link from the page at ``other`` (whose last part is a file when it has a
    dot, as MkDocs' ``get_relative_url`` reads it, so links match the ones MkDocs writes)."""
    folder, _, name = other.rpartition("/")
    start = _parts(folder if "." in name else other)
    target = _parts(url)
    common = len(posixpath.commonprefix([start, target]))
    relative = "/".join([".."] * (len(start) - common) + target[common:]) or "."
    return relative + "/" if url.endswith("/") else relative
