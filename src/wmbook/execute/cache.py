"""The session cache: one strategy of the executor, on top of the store.

An entry (namespace ``sessions``) is JSON: the session's result, the Markdown lines
its steps started at, the distributions it imported (``execute.keys``) and the files
beside the page it read, with their content hashes (``execute.pagefiles``); it is stale
once either changed.  Line
numbers are left out of the key, so editing prose above a block does not re-run it;
a cached result's line numbers are moved to where its blocks now stand instead.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from msgspec.structs import replace

from wmbook.execute.keys import ImportRecord, imports_unchanged, record_imports
from wmbook.execute.pagefiles import reads_unchanged, record_reads
from wmbook.model import (
    Display,
    Figure,
    Outcome,
    SessionResult,
    SessionSpec,
    StepKey,
    StepResult,
    Stream,
)
from wmbook.store import Store

log = logging.getLogger("mkdocs.plugins.wmbook")  # MkDocs' format; info: never fails a strict build
_FORMAT = 5  # 5: each step with its stdout and stderr runs and its reads of the page folder


def _step_json(r: StepResult) -> dict[str, Any]:
    return {
        "key": [r.key.kind, r.key.index],
        "outcome": r.outcome.value,
        "output": r.output,
        "figures": [[f.svg, f.label] for f in r.figures],
        "exc_type": r.exc_type,
        "error_line": r.error_line,
        "traceback": r.traceback,
        "value": r.value,
        "value_repr": r.value_repr,
        "duration": r.duration,
        "detail": r.detail,
        "imports": list(r.imports),
        "displays": [{"data": [list(pair) for pair in d.data], "result": d.result} for d in r.displays],
        "streams": [[s.name, s.text, s.displays_before] for s in r.streams],
        "execution_count": r.execution_count,
    }


def _step_from_json(d: dict[str, Any]) -> StepResult:
    return StepResult(
        key=StepKey(str(d["key"][0]), int(d["key"][1])),
        outcome=Outcome(d["outcome"]),
        output=str(d["output"]),
        figures=tuple(Figure(str(svg), str(label)) for svg, label in d["figures"]),
        exc_type=d["exc_type"],
        error_line=d["error_line"],
        traceback=str(d["traceback"]),
        value=d["value"],
        value_repr=str(d["value_repr"]),
        duration=float(d["duration"]),
        detail=str(d["detail"]),
        imports=tuple(d["imports"]),
        displays=tuple(_display_from_json(shown) for shown in d["displays"]),
        streams=tuple(Stream(str(name), str(text), int(before)) for name, text, before in d["streams"]),
        execution_count=d["execution_count"],
    )


def _display_from_json(shown: dict[str, Any]) -> Display:
    return Display(tuple((str(m), str(v)) for m, v in shown["data"]), bool(shown["result"]))


def fits_budget(displays: Iterable[Display], display_bytes: int) -> bool:
    """Whether every output its session cut was cut by ``display_bytes`` (this build's
    ``max_display_mb``); one cut by another budget runs again, as it may fit now."""
    budgets = {d.cut_budget() for d in displays} - {None}
    return budgets <= {display_bytes}


def relocate(result: SessionResult, old_firsts: list[int], spec: SessionSpec) -> SessionResult:
    """Move Markdown line numbers in a cached result to where the blocks stand now."""
    spans = [
        (old, old + step.source.count("\n"), step.first_line - old)
        for old, step in zip(old_firsts, spec.steps, strict=True)
    ]
    if all(shift == 0 for _, _, shift in spans):
        return result

    def moved(line: int) -> int:
        for first, last, shift in spans:
            if first <= line <= last:
                return line + shift
        return line

    page = re.escape(spec.page)
    pattern = re.compile(rf'(File "{page}", line |{page}:)(\d+)')

    def text(value: str) -> str:
        return pattern.sub(lambda m: m[1] + str(moved(int(m[2]))), value)

    steps = tuple(
        replace(
            r,
            output=text(r.output),
            streams=tuple(replace(s, text=text(s.text)) for s in r.streams),
            traceback=text(r.traceback),
            error_line=moved(r.error_line) if r.error_line else r.error_line,
        )
        for r in result.results
    )
    return replace(result, results=steps)


class SessionCache:
    """Session results in the store, valid while what they imported is unchanged."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._versions: dict[str, str | None] = {}  # distribution versions seen this build
        self._owners: dict[str, list[ImportRecord]] = {}  # modules' distributions looked up this build
        self._files: dict[tuple[str, str], str] = {}  # states of the docs folder's paths seen this build
        self._stale_reads: dict[str, tuple[str, ...]] = {}  # key -> files a stale entry's run read

    def load(
        self, key: str, spec: SessionSpec, *, local: bool = True, shared: bool = True
    ) -> SessionResult | None:
        """The cached result for ``key`` (from the store's local layer, its shared one or
        both); None on a miss, a stale or a damaged entry."""
        payload = self.store.read("sessions", key, _what(spec), local=local, shared=shared)
        return None if payload is None else self._decode(payload, spec, key)

    def load_many(
        self, wanted: Mapping[str, SessionSpec], *, local: bool = True, batch: Sequence[str] = ()
    ) -> dict[str, SessionResult]:
        """The cached results among ``wanted`` (key to spec), the shared layer asked for all of
        them in one batch (read from ``batch``'s bundles first: ``Store.bundle``); misses,
        stale and damaged entries are left out."""
        what = {key: _what(spec) for key, spec in wanted.items()}
        payloads = self.store.read_many("sessions", wanted, what, local=local, batch=batch)
        found = {key: self._decode(payload, wanted[key], key) for key, payload in payloads.items()}
        return {key: result for key, result in found.items() if result is not None}

    def found(self, key: str, spec: SessionSpec, display_bytes: int) -> bool:
        """Whether the local layer holds a valid entry for ``key`` whose cut outputs were cut
        by this build's ``display_bytes``; ``read_found`` reads its result when the page
        needs it (a build need not hold every page's results at once)."""
        payload = self.store.read("sessions", key, _what(spec), shared=False)
        data = None if payload is None else self._checked(payload, spec, key)
        if data is None:
            return False
        try:
            displays = [_display_from_json(d) for step in data["results"] for d in step["displays"]]
        except (ValueError, KeyError, TypeError, IndexError):
            return False
        return fits_budget(displays, display_bytes)

    def read_found(self, key: str, spec: SessionSpec) -> SessionResult | None:
        """The result of an entry ``found`` saw: None if it is gone or damaged since."""
        payload = self.store.read("sessions", key, _what(spec), shared=False)
        return None if payload is None else self._decode(payload, spec, key)

    def _checked(self, payload: bytes, spec: SessionSpec, key: str) -> dict[str, Any] | None:
        """The entry's data, if it is still valid (None when stale or damaged)."""
        try:
            data: dict[str, Any] = json.loads(payload)
            if data["format"] != _FORMAT:
                return None
            if not imports_unchanged(data["imports"], self._versions):
                return None  # a distribution the session imported changed: run it again
            if not reads_unchanged(spec.folder, data["reads"], self._files):
                # A file beside the page that the session read changed: it runs again, and
                # most likely reads the same files (a remote worker is sent them up front).
                self._stale_reads[key] = tuple(path for kind, path, _ in data["reads"] if kind == "file")
                return None
            return data
        except (ValueError, KeyError, TypeError, IndexError) as exc:
            log.info(f"wmbook: the cache entry of {_what(spec)} is unreadable ({exc}); running it again")
            return None

    def _decode(self, payload: bytes, spec: SessionSpec, key: str) -> SessionResult | None:
        data = self._checked(payload, spec, key)
        if data is None:
            return None
        try:
            result = SessionResult(
                page=spec.page,
                name=spec.name,
                results=tuple(_step_from_json(s) for s in data["results"]),
                duration=float(data["duration"]),
            )
            return replace(relocate(result, list(data["firsts"]), spec), from_cache=True)
        except (ValueError, KeyError, TypeError, IndexError) as exc:
            log.info(f"wmbook: the cache entry of {_what(spec)} is unreadable ({exc}); running it again")
            return None

    def with_expected_reads(self, key: str, spec: SessionSpec) -> SessionSpec:
        """``spec`` with the files its stale entry's run read, if it had one."""
        expected = self._stale_reads.get(key, ())
        if not expected or spec.folder is None:
            return spec
        return replace(spec, folder=replace(spec.folder, expected=expected))

    def store_result(self, key: str, spec: SessionSpec, result: SessionResult) -> bool:
        """Write an entry; failed sessions are never stored.  Whether the local layer took it
        (``read_found`` then reads it back)."""
        if result.failed:
            return False
        data = {
            "format": _FORMAT,
            "firsts": [step.first_line for step in spec.steps],
            "imports": record_imports(result.imports, self._owners),
            "reads": record_reads(spec.folder, result.reads, self._files) if spec.folder else [],
            "duration": result.duration,
            "results": [_step_json(r) for r in result.results],
        }
        return self.store.write("sessions", key, json.dumps(data).encode(), _what(spec))


def _what(spec: SessionSpec) -> str:
    """How messages name a session's entry: 'docs/x.md:12 (session main)', at its first
    block's first line, so two sessions of one page are told apart and can be found."""
    where = f"{spec.page}:{spec.steps[0].first_line}" if spec.steps else spec.page
    return f"{where} (session {spec.name})"
