"""Post-deploy smoke test (the seed's "run smoke tests" after each deploy).

    deploy/smoke.sh https://expotv.example.com [--instances 3]

Against a running deployment, as a Master (EXPOTV_SMOKE_EMAIL, EXPOTV_SMOKE_SENHA):
health; login; a throwaway condomínio, TV and anúncio with a real video that must
reach `ativo` (through the conversion worker); that TV's content, its 304, its ping and
its WebSocket hello; then everything it made is deleted. With --instances N, it also
checks that N different backends (X-Expotv-Instance) answered through the balancer.
Exit code 0 when all passed; one line per step on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Callable
from typing import Any

import httpx
import websockets

INSTANCE_HEADER = "x-expotv-instance"


class SmokeFailed(Exception):
    pass


def webm_clip(seconds: int = 2, fps: int = 10) -> bytes:
    """A small VP8 WebM: the server must transcode it, so it goes through the
    conversion queue (`expotv worker`) before it is `ativo`."""
    import io

    import av

    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="webm") as container:
        stream = container.add_stream("libvpx", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        for index in range(seconds * fps):
            frame = av.VideoFrame(160, 120, "yuv420p")
            for plane in frame.planes:
                plane.update(bytes([(index * 12) % 256]) * plane.buffer_size)
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return buffer.getvalue()


def step(name: str) -> Callable[[str], None]:
    started = time.monotonic()

    def done(detail: str = "") -> None:
        elapsed = time.monotonic() - started
        print(f"ok   {name} ({elapsed:.1f} s){': ' + detail if detail else ''}")

    return done


def expect(response: httpx.Response, *statuses: int) -> httpx.Response:
    if response.status_code not in statuses:
        raise SmokeFailed(
            f"{response.request.method} {response.request.url.path}: "
            f"{response.status_code} {response.text[:300]}"
        )
    return response


class Smoke:
    def __init__(self, client: httpx.Client, base_url: str) -> None:
        self.client = client
        self.base_url = base_url.rstrip("/")
        self.seen: set[str] = set()
        self.cleanup: list[str] = []

    def request(self, method: str, path: str, *statuses: int, **kw: Any) -> Any:
        response = expect(self.client.request(method, path, **kw), *statuses)
        if name := response.headers.get(INSTANCE_HEADER):
            self.seen.add(name)
        return response

    def health(self) -> None:
        done = step("saúde: /health/live e /health/ready")
        self.request("GET", "/health/live", 200)
        ready = self.request("GET", "/health/ready", 200).json()
        done(", ".join(f"{k} {v}" for k, v in ready.get("componentes", {}).items()))

    def login(self, email: str, password: str) -> None:
        done = step(f"login de {email}")
        tokens = self.request(
            "POST", "/auth/login", 200, json={"email": email, "senha": password}
        ).json()
        self.client.headers["Authorization"] = f"Bearer {tokens['access_token']}"
        done()

    def create_tv(self) -> str:
        done = step("condomínio e TV de teste")
        stamp = time.strftime("%Y%m%d-%H%M%S")
        condo = self.request(
            "POST", "/condominios", 201, json={"nome": f"smoke {stamp}"}
        ).json()
        self.cleanup.append(f"/condominios/{condo['id']}?force=true")
        tv = self.request(
            "POST", "/tvs", 201, json={"nome": "smoke", "condominio_id": condo["id"]}
        ).json()
        self.condominium_id = condo["id"]
        done(f"TV {tv['codigo']}")
        return str(tv["codigo"])

    def upload(self, timeout_seconds: float) -> int:
        done = step("upload de vídeo WebM, convertido pelo worker, até `ativo`")
        ad = self.request(
            "POST",
            "/anuncios",
            201,
            data={
                "nome": "smoke",
                "condominios_ids": str(self.condominium_id),
                "nome_anunciante": "smoke",
                "numero_anunciante": "0",
            },
            files={"arquivo": ("smoke.webm", webm_clip(), "video/webm")},
        ).json()
        self.cleanup.insert(0, f"/anuncios/{ad['id']}")
        deadline = time.monotonic() + timeout_seconds
        status = ad["status"]
        while status != "ativo":
            if status == "erro" or time.monotonic() > deadline:
                raise SmokeFailed(f"anúncio {ad['id']} ficou em {status!r}: {ad}")
            time.sleep(1)
            ad = self.request("GET", f"/anuncios/{ad['id']}", 200).json()
            status = ad["status"]
        done(f"anúncio {ad['id']}, {ad['archive_url']}")
        return int(ad["id"])

    def content_and_ping(self, code: str, ad_id: int) -> str:
        done = step(f"conteúdo e ping da TV {code}")
        content = self.request("GET", f"/app/tv/{code}/content", 200)
        body = content.json()
        ids = [(item["tipo"], item["id"]) for item in body["itens"]]
        if ("anuncio", ad_id) not in ids:
            raise SmokeFailed(f"o anúncio {ad_id} não está na playlist: {ids}")
        etag = content.headers["etag"]
        self.request(
            "GET", f"/app/tv/{code}/content", 304, headers={"If-None-Match": etag}
        )
        ping = self.request(
            "POST", f"/app/tv/{code}/ping", 200, json={"versao": body["versao"]}
        ).json()
        if ping["status"] != "online" or ping["versao"] != body["versao"]:
            raise SmokeFailed(f"ping inesperado: {ping}")
        done(f"versao {body['versao']}, {len(ids)} itens, 304 com ETag")
        return str(body["versao"])

    def websocket_hello(self, code: str, version: str) -> None:
        done = step("WebSocket: evento conectado")
        url = self.base_url.replace("http", "ws", 1) + f"/app/tv/{code}/ws"

        async def hello() -> str:
            async with websockets.connect(url, open_timeout=15) as socket:
                return str(await asyncio.wait_for(socket.recv(), 15))

        message = asyncio.run(hello())
        if '"conectado"' not in message or version not in message:
            raise SmokeFailed(f"primeira mensagem inesperada: {message}")
        done(message)

    def instances(self, expected: int, tries: int = 60) -> None:
        done = step(f"{expected} instâncias respondem pelo balanceador")
        for _ in range(tries):
            if len(self.seen) >= expected:
                break
            self.request("GET", "/health/live", 200)
        if len(self.seen) != expected:
            raise SmokeFailed(
                f"esperava {expected} instâncias, responderam {sorted(self.seen)} "
                f"(defina EXPOTV_INSTANCE_NAME em cada uma)"
            )
        done(", ".join(sorted(self.seen)))

    def clean(self) -> None:
        for path in self.cleanup:
            response = self.client.delete(path)
            if response.status_code not in (204, 404):
                print(f"aviso: DELETE {path}: {response.status_code}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("url", help="endereço público, ex.: https://expotv.example.com")
    parser.add_argument(
        "--instances",
        type=int,
        default=int(os.environ.get("EXPOTV_SMOKE_INSTANCES", "0")),
        help="quantas instâncias devem responder (X-Expotv-Instance); 0: não checa",
    )
    parser.add_argument("--timeout", type=float, default=180, help="segundos por mídia")
    args = parser.parse_args(argv)
    email = os.environ.get("EXPOTV_SMOKE_EMAIL")
    password = os.environ.get("EXPOTV_SMOKE_SENHA")
    if not email or not password:
        sys.stderr.write("defina EXPOTV_SMOKE_EMAIL e EXPOTV_SMOKE_SENHA (Master)\n")
        return 2

    started = time.monotonic()
    with httpx.Client(base_url=args.url, timeout=30) as client:
        smoke = Smoke(client, args.url)
        try:
            smoke.health()
            smoke.login(email, password)
            code = smoke.create_tv()
            ad_id = smoke.upload(args.timeout)
            version = smoke.content_and_ping(code, ad_id)
            smoke.websocket_hello(code, version)
            if args.instances:
                smoke.instances(args.instances)
        except (SmokeFailed, httpx.HTTPError, OSError, KeyError) as exc:
            print(f"FALHOU: {exc}", file=sys.stderr)
            return 1
        finally:
            smoke.clean()
    print(f"smoke ok em {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
