"""Bringing papers in over the web: an uploaded file (read from memory, its
name reduced to a safe label, its size capped) or an online source named as
``scheme:ARG`` — never a path on the server, never a URL of the user's choosing:
the HTTP client may only reach the hosts paperradar's sources use."""

from __future__ import annotations

import logging
import re
import secrets
import threading
from typing import Any

import httpx

from ..errors import InputError, StoreError
from ..pipeline import IngestSummary, ingest_ref
from ..sources import Input, SourceRef, online_sources, read_input
from ..sources.http import DEFAULT_INTERVALS, Http

log = logging.getLogger(__name__)

#: Hosts an online ingest started from the web may reach.
SOURCE_HOSTS = frozenset(DEFAULT_INTERVALS)
_SPEC = re.compile(r"^([a-z][a-z0-9-]{0,30}):(\S{1,300})$")
MAX_JOBS_KEPT = 50


def safe_filename(name: str | None) -> str:
    """A file name fit for messages and temp files: no directories, no odd characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._")[:100]
    return base or "upload"


class AllowedHostsTransport(httpx.BaseTransport):
    """Refuses any request (redirects included) to a host not in ``hosts``."""

    def __init__(self, inner: httpx.BaseTransport, hosts: frozenset[str] = SOURCE_HOSTS):
        self.inner = inner
        self.hosts = hosts

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme != "https" or request.url.host not in self.hosts:
            raise httpx.ConnectError(f"{request.url.host} is not a host paperradar's sources use",
                                     request=request)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def source_http(settings: Any) -> Http:
    http = settings.http_factory() if settings.http_factory else Http()
    http.transport = AllowedHostsTransport(http.transport or httpx.HTTPTransport())
    return http


def online_ref(spec: str) -> SourceRef:
    """The online source a user named, e.g. ``hf:2024-06-04`` or ``arxiv-new:cs.LG``."""
    spec = (spec or "").strip()
    match = _SPEC.match(spec)
    sources = online_sources()
    if not match or match[1] not in sources:
        known = ", ".join(s.example for s in sources.values())
        raise InputError("source", f"name an online source as scheme:ARG ({known}); "
                         "files are uploaded, not named")
    source, arg = sources[match[1]], match[2]
    return SourceRef(spec, f"{match[1]}:{arg}", lambda http, state: source.fetch(arg, http, state), online=True)


def hide_temp_dir(summary: Any, tmp: str) -> Any:
    """An import summary that names the upload, never the server's temporary file."""
    summary.problems = [type(p)(p.where.replace(tmp, "upload"), p.message.replace(tmp, "upload"))
                        for p in summary.problems]
    summary.notices = [str(n).replace(tmp, "upload") for n in summary.notices]
    return summary


def upload_ref(data: bytes, filename: str | None) -> SourceRef:
    label = f"upload:{safe_filename(filename)}"
    inp = Input.from_bytes(data, label)
    return SourceRef(label, None, lambda http, state: read_input(inp))


def sync_keyword(parts: Any) -> str | None:
    """Bring the keyword index up to date after a write; a note when it could not be."""
    with parts.engine_lock:
        try:
            parts.engine.sync_keyword()
            parts.searches.forget(lambda key: True)  # what this app wrote shows at once
            parts.memo.forget(lambda key: key[0] in ("today", "trending", "latest_day", "datasets"))
            return None
        except StoreError as exc:  # another process holds the index writer (an ingest)
            log.warning("keyword index not updated: %s", exc)
            return "the search index will catch up with the next `paperradar index` or ingest"
        finally:
            parts.engine.keyword.close()  # never keep tantivy's writer lock between requests


def ingest_upload(parts: Any, data: bytes, filename: str | None) -> dict:
    summary = IngestSummary()
    ingest_ref(parts.store, upload_ref(data, filename), summary, keep_ids=True)
    out = summary.as_dict()
    out["ids"] = summary.ids[:1000]
    out["index_note"] = sync_keyword(parts) if summary.added or summary.merged else None
    return out


def start_online_ingest(parts: Any, spec: str, reader_name: str) -> dict:
    """Start fetching an online source in the background; returns the job."""
    ref = online_ref(spec)
    with parts.engine_lock:
        if any(j["state"] == "running" for j in parts.jobs.values()):
            raise InputError("source", "an ingest is already running; wait for it to finish")
        job = {"id": secrets.token_hex(8), "source": ref.label, "state": "running", "by": reader_name,
               "summary": None, "error": None}
        parts.jobs[job["id"]] = job
        for old in list(parts.jobs)[:-MAX_JOBS_KEPT]:
            parts.jobs.pop(old, None)
    threading.Thread(target=_run_job, args=(parts, ref, job), name=f"ingest-{job['id']}", daemon=True).start()
    return dict(job)


def _run_job(parts: Any, ref: SourceRef, job: dict) -> None:
    summary = IngestSummary()
    http = source_http(parts.settings)
    try:
        ingest_ref(parts.store, ref, summary, http=http)
        job["summary"] = summary.as_dict()
        job["summary"]["index_note"] = sync_keyword(parts)
        job["state"] = "done"
    except Exception as exc:  # reported on the job, never lost in a thread
        log.exception("online ingest of %s failed", ref.label)
        job["state"], job["error"] = "failed", f"{type(exc).__name__}: {exc}"
    finally:
        http.close()
