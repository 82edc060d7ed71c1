"""``python -m bench`` options: ``--only`` picks phases and never saves."""

from __future__ import annotations

import pytest
from bench.run import PHASES, parse_args, wanted


def test_every_phase_runs_without_only() -> None:
    args = parse_args([])
    assert all(wanted(args, phase) for phase in PHASES)
    assert not args.no_save


def test_only_picks_phases_and_does_not_save() -> None:
    args = parse_args(["--only", "anuncios, ping"])
    assert {p for p in PHASES if wanted(args, p)} == {"anuncios", "ping"}
    assert args.no_save


def test_only_refuses_an_unknown_phase(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse_args(["--only", "anuncio"])
    assert "fases desconhecidas: anuncio" in capsys.readouterr().err
