"""Every Prometheus metric of the service (prefix ``expotv_``), defined once.

Labels are bounded: ``route`` is the route template (``"<unmatched>"`` when no route
matched), never a raw path or TV code; ``method`` is one of the standard verbs or
``"OTHER"``; ``status`` is the numeric code.

``expotv_http_errors_total{type}`` counts every answer with status >= 400: an
unhandled exception by its class name (``"RuntimeError"``), any other error answer as
``"http_<status>"`` (``"http_404"``, ``"http_422"``, ``"http_503"``).

The seed's "Métricas Coletadas" map to these families: request_count ->
``expotv_http_requests_total``; request_duration -> ``..._duration_seconds``;
error_count -> ``expotv_http_errors_total``; active_connections ->
``expotv_http_requests_in_progress`` and ``expotv_websocket_connections``;
upload_success_rate -> ``expotv_uploads_total{result}`` (ok / all); cpu and memory ->
the client library's ``process_*``; disk and network -> node_exporter.

With several worker processes (``PROMETHEUS_MULTIPROC_DIR`` set, see
``expotv.observability.exposition``) each gauge declares how the workers' values
combine.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

from expotv.observability.tally import Counts, Observations

HTTP_REQUESTS = Counter(
    "expotv_http_requests_total",
    "HTTP requests answered.",
    ["method", "route", "status"],
)
HTTP_DURATION = Histogram(
    "expotv_http_request_duration_seconds",
    "HTTP request duration.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
HTTP_ERRORS = Counter(
    "expotv_http_errors_total", "Failed HTTP requests by error type.", ["type"]
)
HTTP_IN_PROGRESS = Gauge(
    "expotv_http_requests_in_progress",
    "HTTP requests being served.",
    multiprocess_mode="livesum",
)
WEBSOCKET_CONNECTIONS = Gauge(
    "expotv_websocket_connections",
    "Open WebSocket connections (TVs waiting for content changes).",
    multiprocess_mode="livesum",
)
DB_QUERY_DURATION = Histogram(
    "expotv_db_query_duration_seconds",
    "Database statement duration.",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
DEPENDENCY_UP = Gauge(
    "expotv_dependency_up",
    "1 when the dependency answered its last check, 0 when it failed.",
    ["dependency"],
    multiprocess_mode="livemostrecent",
)
TVS_ONLINE = Gauge(
    "expotv_tvs_online", "TVs that pinged recently.", multiprocess_mode="max"
)
TVS_OFFLINE = Gauge(
    "expotv_tvs_offline", "TVs silent past the threshold.", multiprocess_mode="max"
)
CONTENT_SERVED = Counter(
    "expotv_content_served_total", "Playlists served to TVs (200 and 304)."
)
PLAYLIST_LOOKUPS = Counter(
    "expotv_playlist_lookups_total",
    "Where the playlists this process served to TVs came from: memory (its own "
    "copy, no round trip), checked (its own copy, confirmed by the shared cache), "
    "shared (read from the shared cache: built by another process), built (from "
    "the database), last_known (the last copy, the database failing).",
    ["source"],
)
PLAYLIST_TAILS = Counter(
    "expotv_playlist_tails_total",
    "Where the shared part of the playlist bodies this process answered came "
    "from: memory, or shared (read back from the shared cache; often means "
    "EXPOTV_PLAYLIST_BODIES_MAX_BYTES is below the fleet's distinct playlists).",
    ["source"],
)
UPLOADS = Counter("expotv_uploads_total", "Media uploads by result.", ["result"])
MEDIA_DISK_BYTES = Gauge(
    "expotv_media_disk_bytes",
    "Bytes used by the local media folder.",
    multiprocess_mode="max",
)
CACHE_DEGRADED = Counter(
    "expotv_cache_degraded_total",
    "Operations that fell back to local behaviour because Redis failed.",
    ["operation"],
)
JOB_RUNS = Counter(
    "expotv_job_runs_total", "Scheduled job runs by job and result.", ["job", "result"]
)
REFUSED = Counter(
    "expotv_refused_total",
    "Requests and sockets refused by an abuse limit, by surface and reason.",
    ["surface", "reason"],
)

# What every request writes, counted in the process and flushed once a second
# (``expotv.observability.tally``): add to these, not to the metrics above.
REQUESTS = Counts(HTTP_REQUESTS)
DURATIONS = Observations(HTTP_DURATION)
ERRORS = Counts(HTTP_ERRORS)
IN_PROGRESS = Counts(HTTP_IN_PROGRESS)
SERVED = Counts(CONTENT_SERVED)
LOOKUPS = Counts(PLAYLIST_LOOKUPS)
TAILS = Counts(PLAYLIST_TAILS)
