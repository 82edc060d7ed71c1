"""README.md and docs/ stand alone: every link points at a file of this repository
(and at a heading that exists), none leaves it: a clone in an empty folder reads
whole."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
# [text](target) and [text]: target, outside code spans and fenced blocks.
INLINE = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
REFERENCE = re.compile(r"^\s*\[[^\]]+\]:\s*(\S+)", re.M)
FENCE = re.compile(r"^```.*?^```", re.M | re.S)
CODE_SPAN = re.compile(r"`[^`\n]*`")


def prose(text: str) -> str:
    return CODE_SPAN.sub("", FENCE.sub("", text))


def links(page: Path) -> list[str]:
    text = prose(page.read_text())
    return INLINE.findall(text) + REFERENCE.findall(text)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    headings = re.findall(r"^#{1,6}\s+(.+?)\s*$", FENCE.sub("", page.read_text()), re.M)
    return {slug(CODE_SPAN.sub(lambda m: m[0].strip("`"), h)) for h in headings}


def test_docs_exist() -> None:
    names = {page.name for page in PAGES}

    assert {"api.md", "tv-protocol.md", "scheduling.md"} <= names
    assert {"operations.md", "deploying.md", "architecture.md"} <= names


def broken_links(page: Path, root: Path = ROOT) -> list[str]:
    broken = []
    for target in links(page):
        path_part, _, anchor = target.partition("#")
        if re.match(r"^[a-z][a-z0-9+.-]*:", path_part):
            broken.append(f"{target}: leaves the repository")
            continue
        resolved = (page.parent / path_part).resolve() if path_part else page
        if not resolved.is_relative_to(root):
            broken.append(f"{target}: outside the repository")
        elif not resolved.exists():
            broken.append(f"{target}: no such file")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            broken.append(f"{target}: no heading #{anchor}")
    return broken


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_links_stay_inside_the_repository(page: Path) -> None:
    assert broken_links(page) == []


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_no_mention_of_files_outside_the_repository(page: Path) -> None:
    assert "../shared" not in page.read_text()


def test_the_checks_catch_bad_links(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (tmp_path / "outside.md").write_text("# Fora\n")
    (repo / "other.md").write_text("# Outra página\n")
    page = repo / "page.md"
    page.write_text(
        "[a](../outside.md) [b](https://example.com) [c](#nowhere) [d](missing.md)\n"
        "`[not a link](../x)` [e](other.md#fora)\n# Título Único\n"
        "[ok](#título-único) [ok](other.md#outra-página)\n"
    )

    assert broken_links(page, root=repo.resolve()) == [
        "../outside.md: outside the repository",
        "https://example.com: leaves the repository",
        "#nowhere: no heading #nowhere",
        "missing.md: no such file",
        "other.md#fora: no heading #fora",
    ]
