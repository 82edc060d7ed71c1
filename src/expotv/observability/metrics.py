"""Every Prometheus metric of the service (prefix ``expotv_``), defined once.

Labels are bounded: ``route`` is the route template, never a raw path or TV code.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

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
DB_QUERY_DURATION = Histogram(
    "expotv_db_query_duration_seconds",
    "Database statement duration.",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
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
