"""An upload's video is read in a child process (``python -m expotv.media.sandbox``).

    API worker                               child (one per video, then gone)
    spool + sniff the upload ──request──>    video.inspect (limits, poster)
                                             video.remux, or video.transcode
                             <──answer───    {"duracao": ..., "pendente": ...}
                                             or the file's fault, as a 422

Two reasons to pay a process start (about a quarter of a second) per video upload:

- memory: FFmpeg's libraries (PyAV, some 20 MiB) are loaded by the child only; an
  API worker never holds them, however many videos it took;
- isolation: a decoder that crashes, or a file that makes it allocate without
  bound, ends the child; the upload gets its 422, the worker and its other
  requests carry on.

The request and the answer are JSON on the child's stdin and stdout. Only the
file's faults (``MediaRejected``) come back as an answer; anything else in the
child is a bug, reported with its traceback like one in the worker. The
conversions of the queue (``media.tasks``) run in their own worker process
(``expotv worker``), or in the embedded one's jobs, and load PyAV there.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from expotv.media import exceptions
from expotv.media.exceptions import ConversionFailed, MediaRejected, MediaUndecodable

logger = logging.getLogger(__name__)

# What starts the child (a test replaces it with one that crashes).
COMMAND = [sys.executable, "-m", "expotv.media.sandbox"]
# Past its own limits (opening 10 s, scanning 10 s, the conversion's budget) the
# child is killed: only a decoder stuck in one call gets here.
GRACE_SECONDS = 60.0
CRASHED = "o vídeo não pôde ser lido (o leitor de vídeo parou)"
STUCK = "o vídeo demorou demais para ser lido"
# The faults a child may answer with, by class name.
_REJECTIONS: dict[str, type[MediaRejected]] = {
    cls.__name__: cls
    for cls in vars(exceptions).values()
    if isinstance(cls, type) and issubclass(cls, MediaRejected)
}


@dataclass(frozen=True, slots=True)
class VideoJob:
    """What the child does: read ``source`` (of ``demuxer``) within the limits,
    save its poster, and write the playable MP4 to ``target`` when it can (a
    remux, or a transcode when ``convert_inline``)."""

    source: str
    demuxer: str
    poster: str
    target: str
    long_side: int
    short_side: int
    max_seconds: float
    convert_inline: bool
    budget_seconds: float


@dataclass(frozen=True, slots=True)
class VideoDone:
    duration_seconds: int
    # False: ``target`` holds the MP4; True: the original waits for the queue.
    needs_processing: bool


def prepare(job: VideoJob) -> VideoDone:
    """Run ``job`` in a child process (blocking: call it in a thread)."""
    timeout = job.budget_seconds + GRACE_SECONDS
    try:
        done = subprocess.run(
            COMMAND,
            input=json.dumps(asdict(job)),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        logger.warning("leitura de vídeo passou de %.0f s: processo encerrado", timeout)
        raise MediaUndecodable(STUCK) from exc
    if done.returncode < 0:
        # Killed by a signal: a decoder crash, or the kernel's OOM killer.
        logger.warning(
            "leitura de vídeo terminou pelo sinal %d: %s",
            -done.returncode,
            done.stderr[-2000:],
        )
        raise MediaUndecodable(CRASHED)
    try:
        answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        raise RuntimeError(
            f"leitura de vídeo falhou (saída {done.returncode}): {done.stderr[-4000:]}"
        ) from None
    if "rejeitado" in answer:
        rejected = answer["rejeitado"]
        raise _REJECTIONS[rejected["tipo"]](rejected["detalhe"])
    return VideoDone(
        duration_seconds=int(answer["duracao"]),
        needs_processing=bool(answer["pendente"]),
    )


def run(job: VideoJob) -> VideoDone:
    """The child's work, in this process (``main`` calls it)."""
    from expotv.media import video

    limits = video.VideoLimits(job.long_side, job.short_side, job.max_seconds)
    source, target = Path(job.source), Path(job.target)
    info = video.inspect(source, job.demuxer, Path(job.poster), limits=limits)
    if info.can_remux:
        video.remux(source, job.demuxer, target, limits=limits)
    elif job.convert_inline:
        try:
            video.transcode(
                source,
                job.demuxer,
                target,
                limits=limits,
                budget=video.Budget.starting_now(job.budget_seconds),
            )
        except ConversionFailed as exc:
            raise MediaUndecodable(exc.reason) from exc
    else:
        return VideoDone(info.duration_seconds, needs_processing=True)
    return VideoDone(info.duration_seconds, needs_processing=False)


def main(stdin: IO[str], stdout: IO[str]) -> int:
    job = VideoJob(**json.loads(stdin.read()))
    try:
        done = run(job)
    except MediaRejected as exc:
        answer: dict[str, Any] = {
            "rejeitado": {"tipo": type(exc).__name__, "detalhe": str(exc)}
        }
    else:
        answer = {"duracao": done.duration_seconds, "pendente": done.needs_processing}
    stdout.write(json.dumps(answer) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.stdin, sys.stdout))
