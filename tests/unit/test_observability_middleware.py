"""The observability middleware on a small app of its own (no database)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter, FastAPI, HTTPException, Request, WebSocket
from fastapi.responses import StreamingResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import REGISTRY
from starlette.types import Message, Receive, Scope, Send

from expotv.observability.logging import (
    ACCESS_LOGGER,
    ERRORS_LOGGER,
    JsonFormatter,
    install_record_factory,
)
from expotv.observability.middleware import UNMATCHED_ROUTE, ObservabilityMiddleware
from tests import support


def sample(name: str, **labels: str) -> float:
    return support.sample_value(name, labels) or 0.0


def requests_count(method: str, route: str, status: str) -> float:
    return sample(
        "expotv_http_requests_total", method=method, route=route, status=status
    )


def build_app() -> FastAPI:
    app = FastAPI()
    tv = APIRouter(prefix="/app/tv")

    @tv.get("/{codigo}/content")
    async def content(codigo: str) -> dict[str, str]:
        return {"codigo": codigo}

    items = APIRouter()

    @items.get("/items/{item_id}")
    async def item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("falha proposital")

    @app.get("/private")
    async def private() -> None:
        raise HTTPException(status_code=401, detail="autenticação necessária")

    @app.get("/as-user")
    async def as_user(request: Request) -> dict[str, str]:
        request.state.user_id = 7
        return {"ok": "sim"}

    @app.get("/in-progress")
    async def in_progress() -> dict[str, float]:
        return {"value": sample("expotv_http_requests_in_progress")}

    @app.get("/request-id")
    async def request_id(request: Request) -> dict[str, str]:
        logging.getLogger("expotv.test").info("dentro da rota")
        return {"request_id": request.state.request_id}

    @app.get("/stream")
    async def stream() -> StreamingResponse:
        async def chunks() -> AsyncIterator[bytes]:
            for n in range(3):
                yield f"parte {n}\n".encode()

        return StreamingResponse(chunks(), media_type="text/plain")

    @app.websocket("/ws/{codigo}")
    async def socket(websocket: WebSocket, codigo: str) -> None:
        await websocket.accept()
        text = await websocket.receive_text()
        open_now = sample("expotv_websocket_connections")
        await websocket.send_json({"eco": text, "codigo": codigo, "abertas": open_now})
        await websocket.close()

    app.include_router(tv)
    app.include_router(items, prefix="/sub")
    app.mount(
        "/estaticos",
        StaticFiles(directory=Path(__file__).parent),
        name="estaticos",
    )
    app.add_middleware(ObservabilityMiddleware)
    return app


@pytest.fixture(autouse=True)
def record_factory() -> Iterator[None]:
    original = logging.getLogRecordFactory()
    install_record_factory()
    yield
    logging.setLogRecordFactory(original)


@pytest.fixture(scope="module")
def app() -> FastAPI:
    return build_app()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c


async def test_requests_are_counted_by_route_template_and_status(
    client: httpx.AsyncClient,
) -> None:
    route = "/app/tv/{codigo}/content"
    before = requests_count("GET", route, "200")
    seconds_before = sample(
        "expotv_http_request_duration_seconds_count", method="GET", route=route
    )

    for code in ("QWXZRT", "HJKMNP"):
        assert (await client.get(f"/app/tv/{code}/content")).status_code == 200

    assert requests_count("GET", route, "200") == before + 2
    assert (
        sample("expotv_http_request_duration_seconds_count", method="GET", route=route)
        == seconds_before + 2
    )


async def test_included_router_prefix_is_part_of_the_route_label(
    client: httpx.AsyncClient,
) -> None:
    before_ok = requests_count("GET", "/sub/items/{item_id}", "200")
    before_bad = requests_count("GET", "/sub/items/{item_id}", "422")

    assert (await client.get("/sub/items/5")).status_code == 200
    assert (await client.get("/sub/items/nao-numero")).status_code == 422

    assert requests_count("GET", "/sub/items/{item_id}", "200") == before_ok + 1
    assert requests_count("GET", "/sub/items/{item_id}", "422") == before_bad + 1


async def test_plain_routes_and_mounts_get_their_templates(
    client: httpx.AsyncClient,
) -> None:
    before_docs = requests_count("GET", "/openapi.json", "200")
    before_mount = requests_count("GET", "/estaticos/{path}", "404")

    assert (await client.get("/openapi.json")).status_code == 200
    assert (await client.get("/estaticos/QWXZRT.css")).status_code == 404

    assert requests_count("GET", "/openapi.json", "200") == before_docs + 1
    assert requests_count("GET", "/estaticos/{path}", "404") == before_mount + 1


async def test_unmatched_path_gets_a_fixed_label_and_counts_as_http_404(
    client: httpx.AsyncClient,
) -> None:
    before = requests_count("GET", UNMATCHED_ROUTE, "404")
    errors_before = sample("expotv_http_errors_total", type="http_404")

    for path in ("/nada/QWXZRT", "/outra/coisa", "/app/tv/QWXZRT"):
        assert (await client.get(path)).status_code == 404

    assert requests_count("GET", UNMATCHED_ROUTE, "404") == before + 3
    assert sample("expotv_http_errors_total", type="http_404") == errors_before + 3


async def test_unknown_methods_share_one_label(client: httpx.AsyncClient) -> None:
    before = requests_count("OTHER", UNMATCHED_ROUTE, "404")

    await client.request("BREW", "/nada")
    await client.request("XYZZY", "/nada")

    assert requests_count("OTHER", UNMATCHED_ROUTE, "404") == before + 2


async def test_expected_client_errors_are_counted_by_status(
    client: httpx.AsyncClient,
) -> None:
    before = sample("expotv_http_errors_total", type="http_401")

    assert (await client.get("/private")).status_code == 401

    assert sample("expotv_http_errors_total", type="http_401") == before + 1


async def test_unhandled_exception_becomes_internal_error_counted_by_class(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    before = sample("expotv_http_errors_total", type="RuntimeError")
    answered_before = requests_count("GET", "/boom", "500")

    with caplog.at_level(logging.INFO):
        response = await client.get("/boom", headers={"X-Request-ID": "pedido-42"})

    assert response.status_code == 500
    assert response.json() == {"detail": "erro interno", "code": "internal_error"}
    assert response.headers["X-Request-ID"] == "pedido-42"
    assert sample("expotv_http_errors_total", type="RuntimeError") == before + 1
    assert requests_count("GET", "/boom", "500") == answered_before + 1
    [error] = [r for r in caplog.records if r.name == ERRORS_LOGGER]
    assert error.exc_info is not None
    assert error.levelno == logging.ERROR
    logged = json.loads(JsonFormatter().format(error))
    assert logged["request_id"] == "pedido-42"
    assert "falha proposital" in logged["exception"]


async def test_requests_in_progress_counts_the_request_being_served(
    client: httpx.AsyncClient,
) -> None:
    before = sample("expotv_http_requests_in_progress")

    response = await client.get("/in-progress")

    assert response.json()["value"] == before + 1
    assert sample("expotv_http_requests_in_progress") == before


@pytest.mark.parametrize(
    "given",
    ["abc123", "0f8fad5b-d9cb-469f-a165-70867728950e", "trace.id:42_x"],
)
async def test_a_safe_request_id_is_kept_and_returned(
    client: httpx.AsyncClient, given: str
) -> None:
    response = await client.get("/request-id", headers={"X-Request-ID": given})

    assert response.headers["X-Request-ID"] == given
    assert response.json()["request_id"] == given


@pytest.mark.parametrize(
    "given",
    ["", "com espaco", 'aspas"', "x" * 129, "-comeca-com-hifen", "{json}"],
)
async def test_an_unsafe_request_id_is_replaced(
    client: httpx.AsyncClient, given: str
) -> None:
    response = await client.get("/request-id", headers={"X-Request-ID": given})

    returned = response.headers["X-Request-ID"]
    assert returned != given
    assert len(returned) == 32
    assert response.json()["request_id"] == returned


async def test_each_request_without_an_id_gets_a_new_one(
    client: httpx.AsyncClient,
) -> None:
    first = (await client.get("/request-id")).headers["X-Request-ID"]
    second = (await client.get("/request-id")).headers["X-Request-ID"]

    assert first != second


async def test_access_log_carries_request_fields_and_no_secrets(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "eyJhbGciOiJIUzI1NiJ9.segredo.assinatura"
    with caplog.at_level(logging.DEBUG):
        await client.get(
            f"/app/tv/qwxzrt/content?token={secret}",
            headers={"Authorization": f"Bearer {secret}", "X-Request-ID": "req-1"},
        )

    [record] = [r for r in caplog.records if r.name == ACCESS_LOGGER]
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert entry["request_id"] == "req-1"
    assert entry["method"] == "GET"
    assert entry["route"] == "/app/tv/{codigo}/content"
    assert entry["path"] == "/app/tv/qwxzrt/content"
    assert entry["status"] == 200
    assert entry["tv_code"] == "QWXZRT"
    assert isinstance(entry["duration_ms"], float)
    assert "user_id" not in entry
    assert secret not in line
    assert "token" not in line


async def test_access_log_names_the_authenticated_user(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        await client.get("/as-user")

    [record] = [r for r in caplog.records if r.name == ACCESS_LOGGER]
    assert json.loads(JsonFormatter().format(record))["user_id"] == 7


async def test_logs_written_inside_a_route_carry_the_request_id(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        await client.get("/request-id", headers={"X-Request-ID": "dentro-1"})

    [record] = [r for r in caplog.records if r.name == "expotv.test"]
    assert json.loads(JsonFormatter().format(record))["request_id"] == "dentro-1"


async def test_streamed_responses_arrive_whole_and_are_timed(
    client: httpx.AsyncClient,
) -> None:
    before = requests_count("GET", "/stream", "200")

    response = await client.get("/stream")

    assert response.text == "parte 0\nparte 1\nparte 2\n"
    assert "X-Request-ID" in response.headers
    assert requests_count("GET", "/stream", "200") == before + 1


async def test_websockets_pass_through_and_are_counted_while_open(
    app: FastAPI,
) -> None:
    base = sample("expotv_websocket_connections")
    incoming: asyncio.Queue[dict[str, object]] = asyncio.Queue()
    sent: list[dict[str, object]] = []
    for message in (
        {"type": "websocket.connect"},
        {"type": "websocket.receive", "text": "olá"},
    ):
        incoming.put_nowait(message)

    async def receive() -> dict[str, object]:
        return await incoming.get()

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {
        "type": "websocket",
        "asgi": {"version": "3.0"},
        "scheme": "ws",
        "path": "/ws/QWXZRT",
        "raw_path": b"/ws/QWXZRT",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"t")],
        "subprotocols": [],
    }
    await app(scope, receive, send)  # type: ignore[arg-type]

    assert [m["type"] for m in sent] == [
        "websocket.accept",
        "websocket.send",
        "websocket.close",
    ]
    assert json.loads(str(sent[1]["text"])) == {
        "eco": "olá",
        "codigo": "QWXZRT",
        "abertas": base + 1,
    }
    assert sample("expotv_websocket_connections") == base
    http_routes = {
        s.labels.get("route")
        for metric in REGISTRY.collect()
        if metric.name.startswith("expotv_http")
        for s in metric.samples
    }
    assert not any(route and route.startswith("/ws") for route in http_routes)


async def test_a_request_cancelled_before_its_answer_counts_as_499() -> None:
    before = requests_count("GET", UNMATCHED_ROUTE, "499")
    waiting = asyncio.Event()

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        waiting.set()
        await asyncio.Event().wait()  # the client goes away before any answer

    async def receive() -> Message:
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        raise AssertionError("nada é enviado")

    scope: Scope = {
        "type": "http",
        "method": "GET",
        "path": "/qualquer",
        "root_path": "",
        "headers": [],
    }
    task = asyncio.create_task(ObservabilityMiddleware(inner)(scope, receive, send))
    await waiting.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert requests_count("GET", UNMATCHED_ROUTE, "499") == before + 1


async def access_levels(
    caplog: pytest.LogCaptureFixture, slow_seconds: float, *paths: str
) -> dict[str, int]:
    app = build_app()
    app.user_middleware.clear()
    app.add_middleware(ObservabilityMiddleware, slow_seconds=slow_seconds)
    transport = httpx.ASGITransport(app=app)
    caplog.clear()
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        with caplog.at_level(logging.DEBUG):
            for path in paths:
                await client.get(path)
    return {
        r.path: r.levelno  # type: ignore[attr-defined]
        for r in caplog.records
        if r.name == ACCESS_LOGGER
    }


async def test_tv_polls_are_debug_lines_unless_slow(
    caplog: pytest.LogCaptureFixture,
) -> None:
    poll, other = "/app/tv/QWXZRT/content", "/sub/items/1"
    fast = await access_levels(caplog, 0.5, poll, other)
    assert fast == {poll: logging.DEBUG, other: logging.INFO}
    slow = await access_levels(caplog, 0.0, poll)
    assert slow == {poll: logging.INFO}


async def test_a_client_gone_mid_body_is_a_499_without_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from starlette.requests import Request

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        await Request(scope, receive).body()

    messages = iter(
        [
            {"type": "http.request", "body": b"metade", "more_body": True},
            {"type": "http.disconnect"},
        ]
    )

    async def receive() -> Message:
        return next(messages)

    async def send(message: Message) -> None:
        raise AssertionError("nada é enviado")

    scope: Scope = {
        "type": "http",
        "method": "POST",
        "path": "/envio",
        "root_path": "",
        "headers": [],
    }
    before = requests_count("POST", UNMATCHED_ROUTE, "499")
    errors_before = requests_count("POST", UNMATCHED_ROUTE, "500")
    with caplog.at_level(logging.DEBUG):
        await ObservabilityMiddleware(inner)(scope, receive, send)
    assert requests_count("POST", UNMATCHED_ROUTE, "499") == before + 1
    assert requests_count("POST", UNMATCHED_ROUTE, "500") == errors_before
    assert not [r for r in caplog.records if r.name == ERRORS_LOGGER]
    [record] = [r for r in caplog.records if r.name == ACCESS_LOGGER]
    assert record.levelno == logging.INFO
