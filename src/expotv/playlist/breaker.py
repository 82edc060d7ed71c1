"""The database circuit breaker of the TV path.

Once a build fails, misses answer from the last-known copies for
``retry_seconds`` instead of each waiting for the database to fail again; the next
miss after that tries the database once more.

Every failure on the database path counts, whatever the driver raised: a refused
connection (``OSError``), a reset one (asyncmy's ``RuntimeError: Transport does not
expose socket instance``), a timeout, a pool that cannot hand out a connection.
A TV must get its last known playlist in each of these cases, never a 500; a real
bug shows up in the logs (each failure is logged with its type).
"""

from __future__ import annotations

import time

DB_RETRY_SECONDS = 2.0


class DatabaseBreaker:
    def __init__(self, retry_seconds: float = DB_RETRY_SECONDS) -> None:
        self.retry_seconds = retry_seconds
        self._open_until = 0.0

    @property
    def is_open(self) -> bool:
        """True while the database is presumed down (answer from copies)."""
        return time.monotonic() < self._open_until

    def record_failure(self) -> None:
        self._open_until = time.monotonic() + self.retry_seconds

    def reset(self) -> None:
        self._open_until = 0.0
