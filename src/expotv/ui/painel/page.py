"""One dashboard request as the sections' routes see it: who asks, in which
database session, and the three things every section does with them:

    view / list_view   a page of the layout (a list: its total and page links)
    form_view          a form, again with the errors of a refused write
    submit             a form's write: 303 on success, the form again on a refusal

and ``FormPage``, a section's form described once (template, section, the choices
it offers), shown empty, filled from the database, or again after a refusal.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo

from fastapi import Depends, Query, Request, Response
from fastapi.responses import HTMLResponse
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData

from expotv.config import Settings
from expotv.deps import AppSettings, DbSession
from expotv.pagination import PageParams, PageResult
from expotv.schemas import MAX_ID
from expotv.ui.painel import forms, lookups, render
from expotv.ui.painel.session import CurrentVisitor, Visitor
from expotv.users.models import User

T = TypeVar("T")


@dataclass(frozen=True, slots=True, kw_only=True)
class PainelRequest:
    """The signed-in ``visitor``'s request and its unit of work (``session``)."""

    request: Request
    visitor: Visitor
    session: AsyncSession
    settings: Settings

    @property
    def user(self) -> User:
        return self.visitor.user

    def page_params(self) -> PageParams:
        return render.page_params(self.request)

    async def form(self) -> FormData:
        return await forms.read_form(self.request)

    async def zone(self, condominium_ids: Iterable[int] | None = None) -> ZoneInfo:
        """The zone of the page's dates (see ``lookups.zone_for``)."""
        return await lookups.zone_for(
            self.session,
            user=self.user,
            settings=self.settings,
            condominium_ids=condominium_ids,
        )

    def view(self, template: str, *, section: str, **values: Any) -> HTMLResponse:
        """A page of the layout, its dates in ``zone`` (a value; the default is
        ``EXPOTV_TIMEZONE``). A form shown again with ``errors`` answers with the
        status of the refusal (the API's for the same request)."""
        zone: ZoneInfo | None = values.pop("zone", None)
        errors = values.get("errors")
        context = render.base_context(self.request, self.visitor, section, zone)
        return render.page(
            self.request,
            template,
            {**context, **values},
            status_code=errors.status_code if errors else 200,
        )

    def list_view(
        self, template: str, *, section: str, result: PageResult[Any], **values: Any
    ) -> HTMLResponse:
        """A list page: ``result`` gives its total and its page links."""
        pager = render.Pager(self.request, result)
        return self.view(
            template, section=section, total=result.total, pager=pager, **values
        )

    def form_view(
        self,
        template: str,
        *,
        section: str,
        values: dict[str, Any],
        errors: forms.FormErrors | None = None,
        **context: Any,
    ) -> HTMLResponse:
        """A form filled with ``values``; with ``errors``, the refusal's status."""
        errors = errors if errors is not None else forms.FormErrors()
        return self.view(
            template, section=section, values=values, errors=errors, **context
        )

    async def submit(
        self,
        action: Callable[[], Awaitable[T]],
        *,
        then: Callable[[T], str],
        again: Callable[[forms.FormErrors], Awaitable[Response]],
        keep: Iterable[object] = (),
    ) -> Response:
        """``forms.submit``, keeping the visitor (and ``keep``) for the form again."""
        return await forms.submit(
            self.request,
            self.session,
            action,
            keep=[self.user, *keep],
            then=then,
            again=again,
        )


Choices = Callable[[PainelRequest, dict[str, Any]], Awaitable[dict[str, Any]]]


async def no_choices(_painel: PainelRequest, _values: dict[str, Any]) -> dict[str, Any]:
    return {}


@dataclass(frozen=True, slots=True)
class FormPage:
    """A section's form page; ``choices`` adds what the form offers (the
    condomínios one may pick...), given the values it shows."""

    template: str
    section: str
    choices: Choices = no_choices

    async def __call__(
        self,
        painel: PainelRequest,
        values: dict[str, Any],
        errors: forms.FormErrors | None = None,
        **context: Any,
    ) -> Response:
        offered = await self.choices(painel, values)
        return painel.form_view(
            self.template,
            section=self.section,
            values=values,
            errors=errors,
            **offered,
            **context,
        )


# Query parameters of the lists' filters.
SearchText = Annotated[str | None, Query(max_length=200)]
CondominiumFilter = Annotated[int | None, Query(ge=1, le=MAX_ID)]


async def painel_request(
    request: Request, visitor: CurrentVisitor, session: DbSession, settings: AppSettings
) -> PainelRequest:
    return PainelRequest(
        request=request, visitor=visitor, session=session, settings=settings
    )


Painel = Annotated[PainelRequest, Depends(painel_request)]
