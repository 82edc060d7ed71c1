"""List pages of content items, encoded once and kept per process.

    GET /anuncios?... as one user
      -> ``PageKey``: kind, user id and role, filters, limit, offset
      -> an entry: the response's bytes, the kind's *generation* they were built
         under, and until when they hold: the nearest ``data_inicio`` or
         ``data_expiracao`` still ahead that turns a status shown (or, with a
         ``status`` filter, what the filter selects), at most
         ``EXPOTV_LIST_CACHE_SECONDS``

A generation is a random token per kind in the shared cache
(``keys.list_generation``). Every unit of work records the tables and columns
its writes touch (``record_writes``: the ORM flush and DML statements); after its
commit ``PageCache.after_commit`` (a unit-of-work hook) retires the generation of
each kind those writes may change: its own tables, and what decides who sees what
(``condominium.manager_id``, ``viewer_condominium``, ``user.role``,
``tv.condominium_id``, and any insert or delete there). Retiring drops this
process's pages of the kind at once (a write is read back by the next request),
replaces the token in the shared cache (deleting it first: a delete is replayed
by ``RedisCache`` if Redis is down) and tells the other processes on
``keys.list_channel``.

A look-up trusts this process's token with no round trip while that channel has
delivered every instance's messages since the token was read (``PubSub.up_since``,
as the playlists do); otherwise it reads the token, and creates one only where
there is none (``Cache.add``: a writer's newer token is never replaced). While
Redis is down every look-up reads the local stand-in, whose tokens live at most a
few seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import math
import secrets
import time
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, RelationshipProperty, Session

from expotv.cache import Cache, CacheError, PubSub, keys

log = logging.getLogger(__name__)

_WRITES_KEY = "table_writes"
_SHARING_KEY = "list_pages_retiring"
# A written table whose columns are not known (an insert, a delete).
EVERY_COLUMN = "*"
GENERATION_TTL_SECONDS = 7 * 24 * 3600
# A look-up waits at most this many times, this long each, for another build of
# its page (then builds it itself).
_WAITS = 3
_WAIT_SECONDS = 5.0
MAX_ENTRIES = 4096
MAX_BYTES = 64 * 1024 * 1024

# The tables (and the columns of them) that decide what a caller sees of every
# kind: the condomínios it reads (its own as síndico, its list as visitante), a
# TV's condomínio (``tvs_ids`` shows only visible TVs) and, through deletes, the
# ids an item points at (``criado_por_id`` set to null, links cascaded).
SCOPE_COLUMNS: Mapping[str, frozenset[str] | None] = {
    "condominium": frozenset({"manager_id"}),
    "viewer_condominium": None,
    "user": frozenset({"role"}),
    "tv": frozenset({"condominium_id"}),
}


# Recording writes --------------------------------------------------------------


def _note(session: Session, table: str, columns: Iterable[str]) -> None:
    writes: defaultdict[str, set[str]] = session.info.setdefault(
        _WRITES_KEY, defaultdict(set)
    )
    writes[table].update(columns)


def _after_flush(session: Session, _context: Any) -> None:
    for obj in (*session.new, *session.deleted):
        _note(session, inspect(obj).mapper.local_table.name, (EVERY_COLUMN,))
    for obj in session.dirty:
        state = inspect(obj)
        table = state.mapper.local_table.name
        for attribute in state.attrs:
            if not attribute.history.has_changes():
                continue
            prop = state.mapper.attrs[attribute.key]
            if isinstance(prop, RelationshipProperty):
                secondary: Any = prop.secondary
                if secondary is not None:
                    _note(session, str(secondary.name), (EVERY_COLUMN,))
            else:
                _note(session, table, (column.name for column in prop.columns))


def _statement_columns(state: ORMExecuteState) -> set[str]:
    statement: Any = state.statement
    if not state.is_update:
        return {EVERY_COLUMN}
    values = getattr(statement, "_values", None) or {}
    columns = {getattr(name, "key", None) or str(name) for name in values}
    parameters = state.parameters
    rows = parameters if isinstance(parameters, list) else [parameters or {}]
    for row in rows:
        columns.update(str(name) for name in row)
    return columns or {EVERY_COLUMN}


def _after_execute(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    _note(state.session, str(name) if name else EVERY_COLUMN, _statement_columns(state))


def record_writes() -> None:
    """Record on every session the tables and columns its writes touch (once)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "do_orm_execute", _after_execute)


def take_writes(session: Session | AsyncSession) -> dict[str, set[str]]:
    """What the unit of work wrote, removed from it (applied once)."""
    writes: dict[str, set[str]] = session.info.pop(_WRITES_KEY, None) or {}
    return writes


# The cache ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PageKey:
    kind: str
    user_id: int
    role: str
    condominium_id: int | None
    status: str | None
    query: str | None
    limit: int
    offset: int


@dataclass(frozen=True, slots=True)
class Ticket:
    """What a look-up that missed hands to ``put``: the token the page is built
    under (None: not to be kept) and how many changes had been heard then."""

    key: PageKey
    token: bytes | None
    heard: int
    # This look-up builds the page (``release`` it after).
    builds: bool = False


@dataclass(slots=True)
class _Entry:
    token: bytes
    body: bytes
    until_ts: float


@dataclass(slots=True)
class _Known:
    """This process's idea of a kind's token."""

    token: bytes | None = None
    checked_at: float = -math.inf
    # Changes heard (or made) here: a read that overlapped one is not trusted.
    heard: int = 0


@dataclass(frozen=True, slots=True)
class Watched:
    """A kind's own tables (any write to them changes its lists)."""

    kind: str
    tables: frozenset[str]


@dataclass
class PageCache:
    cache: Cache
    pubsub: PubSub
    watched: Iterable[Watched]
    max_seconds: int
    # See ``Settings.tv_content_trust_seconds``: the same channel rule.
    trust_seconds: float
    max_entries: int = MAX_ENTRIES
    max_bytes: int = MAX_BYTES
    _entries: OrderedDict[PageKey, _Entry] = field(default_factory=OrderedDict)
    _bytes: int = 0
    _known: defaultdict[str, _Known] = field(
        default_factory=lambda: defaultdict(_Known)
    )
    _kinds_of: dict[str, tuple[frozenset[str] | None, frozenset[str]]] = field(
        default_factory=dict
    )
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _building: dict[PageKey, asyncio.Event] = field(default_factory=dict)

    def watch(self, session_class: type[Session]) -> None:
        """Retire pages when a session of ``session_class`` commits writes to
        them, whoever commits it (a unit of work, a test, a script)."""
        event.listen(session_class, "after_commit", self._committed)
        event.listen(session_class, "after_rollback", take_writes)

    def __post_init__(self) -> None:
        kinds = frozenset(w.kind for w in self.watched)
        for table, columns in SCOPE_COLUMNS.items():
            self._kinds_of[table] = (columns, kinds)
        for watched in self.watched:
            for table in watched.tables:
                self._kinds_of[table] = (None, frozenset({watched.kind}))
        self.pubsub.subscribe(keys.list_channel(), self._heard)
        self.pubsub.on_resync(self._forget_tokens)

    @property
    def is_on(self) -> bool:
        return self.max_seconds > 0

    # Reading -------------------------------------------------------------------

    async def look_up(
        self, key: PageKey, now: datetime, *, build: bool = False
    ) -> tuple[bytes | None, Ticket]:
        """The page's bytes if kept and current; else None and the ticket to
        ``put`` the page built now.

        With ``build`` the caller builds what is missing, and ``release``s the
        ticket after: meanwhile the other look-ups of this page that would build
        it wait for its result (one build per page and process, not one per
        request that came in while it was missing).
        """
        for _ in range(_WAITS):
            body, ticket = await self._look_up(key, now)
            building = self._building.get(key)
            if body is not None or not build or building is None:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(building.wait(), _WAIT_SECONDS)
        if body is None and build and key not in self._building:
            self._building[key] = asyncio.Event()
            ticket = dataclasses.replace(ticket, builds=True)
        return body, ticket

    def release(self, ticket: Ticket) -> None:
        """The page of ``ticket`` is built (or failed): its waiters look again."""
        if ticket.builds:
            building = self._building.pop(ticket.key, None)
            if building is not None:
                building.set()

    async def _look_up(
        self, key: PageKey, now: datetime
    ) -> tuple[bytes | None, Ticket]:
        known = self._known[key.kind]
        heard = known.heard
        if not self.is_on:
            return None, Ticket(key, None, heard)
        token, keep = await self._token(key.kind)
        entry = self._entries.get(key)
        if (
            token is not None
            and entry is not None
            and entry.token == token
            and now.timestamp() < entry.until_ts
        ):
            self._entries.move_to_end(key)
            return entry.body, Ticket(key, None, heard)
        return None, Ticket(key, token if keep else None, heard)

    async def _token(self, kind: str) -> tuple[bytes | None, bool]:
        """The kind's current token, and whether a page built on it may be kept."""
        known = self._known[kind]
        since = self.pubsub.up_since(self.trust_seconds) if self.trust_seconds else None
        if known.token is not None and since is not None and known.checked_at >= since:
            return known.token, True
        heard, checked_at = known.heard, time.monotonic()
        name = keys.list_generation(kind)
        try:
            token = await self.cache.get(name)
            if token is None:
                # Only if still none: a writer's new token must not be replaced
                # by one read before its write.
                made = secrets.token_hex(8).encode()
                added = await self.cache.add(name, made, GENERATION_TTL_SECONDS)
                token = made if added else await self.cache.get(name)
        except CacheError:
            return None, False
        if token is None or known.heard != heard:
            # A change arrived meanwhile: what was read may predate it.
            return token, False
        known.token, known.checked_at = token, checked_at
        return token, True

    def put(self, ticket: Ticket, body: bytes, until: datetime | None) -> None:
        """Keep ``body`` under its ticket until ``until`` (and the longest life)."""
        if ticket.token is None or self._known[ticket.key.kind].heard != ticket.heard:
            return
        if len(body) > self.max_bytes // 8:
            return
        until_ts = time.time() + self.max_seconds
        if until is not None:
            until_ts = min(until_ts, until.timestamp())
        self._drop(ticket.key)
        self._entries[ticket.key] = _Entry(ticket.token, body, until_ts)
        self._bytes += len(body)
        while self._entries and (
            len(self._entries) > self.max_entries or self._bytes > self.max_bytes
        ):
            _, oldest = self._entries.popitem(last=False)
            self._bytes -= len(oldest.body)

    def _drop(self, key: PageKey) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= len(entry.body)

    # Changing ------------------------------------------------------------------

    def kinds_changed_by(self, writes: Mapping[str, set[str]]) -> set[str]:
        kinds: set[str] = set()
        for table, columns in writes.items():
            if table == EVERY_COLUMN:
                # A statement on no known table: assume the worst.
                return {kind for _, every in self._kinds_of.values() for kind in every}
            watched = self._kinds_of.get(table)
            if watched is None:
                continue
            relevant, affected = watched
            if (
                relevant is None
                or EVERY_COLUMN in columns
                or not relevant.isdisjoint(columns)
            ):
                kinds |= affected
        return kinds

    def _committed(self, session: Session) -> None:
        # Inside the commit (synchronous): this process forgets at once, so the
        # next request reads the write; the shared part follows in a task the
        # unit of work waits for (``after_commit``) before its response.
        kinds = self.kinds_changed_by(take_writes(session))
        if not kinds:
            return
        self._forget(kinds)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (a synchronous script): nothing to share
            return
        task = loop.create_task(self._share(kinds))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        session.info.setdefault(_SHARING_KEY, []).append(task)

    async def after_commit(self, session: AsyncSession) -> None:
        for task in session.info.pop(_SHARING_KEY, ()):
            await task

    async def after_rollback(self, session: AsyncSession) -> None:
        take_writes(session)

    async def retire(self, kinds: set[str]) -> None:
        """The pages of ``kinds`` are outdated, here and on every instance."""
        self._forget(kinds)
        await self._share(kinds)

    async def _share(self, kinds: set[str]) -> None:
        try:
            names = [keys.list_generation(kind) for kind in sorted(kinds)]
            # The delete is replayed if Redis is down now (so an old token does
            # not come back with it); the new token lets the next look-ups keep
            # what they build.
            await self.cache.delete(*names)
            for name in names:
                await self.cache.set(
                    name, secrets.token_hex(8).encode(), GENERATION_TTL_SECONDS
                )
            await self.pubsub.publish(
                keys.list_channel(), json.dumps(sorted(kinds)).encode(), echo=False
            )
        except Exception:
            # The write is committed: a failure here must not fail its request.
            log.exception("falha ao anunciar páginas alteradas: %s", sorted(kinds))
        finally:
            # A look-up that read the old token before the delete landed must not
            # trust it.
            self._forget(kinds)

    def _forget(self, kinds: Iterable[str]) -> None:
        kinds = set(kinds)
        for kind in kinds:
            known = self._known[kind]
            known.token = None
            known.heard += 1
        for key in [key for key in self._entries if key.kind in kinds]:
            self._drop(key)

    def _forget_tokens(self) -> None:
        # Messages may have been missed: every token is read again.
        for known in self._known.values():
            known.token = None
            known.heard += 1

    def _heard(self, message: bytes) -> None:
        try:
            kinds = [str(kind) for kind in json.loads(message)]
        except (ValueError, TypeError):
            log.warning("mensagem de páginas ilegível: %r", message[:200])
            self._forget({k for _, every in self._kinds_of.values() for k in every})
            return
        self._forget(kinds)
