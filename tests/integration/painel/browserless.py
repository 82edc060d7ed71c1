"""Signing in to the dashboard as a browser does, over httpx (no JavaScript)."""

from __future__ import annotations

import re

import httpx

from tests.support import PASSWORD

_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
_META = re.compile(r'<meta name="csrf-token" content="([^"]*)">')


def form_token(html: str) -> str:
    found = _FIELD.search(html)
    assert found, "no CSRF field in the page"
    return found.group(1)


def page_token(html: str) -> str:
    found = _META.search(html)
    assert found, "no CSRF meta tag in the page"
    return found.group(1)


async def sign_in(
    client: httpx.AsyncClient, email: str, password: str = PASSWORD
) -> str:
    """Sign in through the form; returns the session's CSRF token."""
    form = await client.get("/login")
    response = await client.post(
        "/login",
        data={"email": email, "senha": password, "csrf_token": form_token(form.text)},
    )
    assert response.status_code == 303, response.text
    home = await client.get("/painel")
    assert home.status_code == 200
    return page_token(home.text)


def post_forms(html: str) -> list[str]:
    """The actions of the page's POST forms."""
    return re.findall(r'<form[^>]*method="post"[^>]*action="([^"]+)"', html)
