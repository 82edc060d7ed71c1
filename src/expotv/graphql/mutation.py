"""The root mutation: what a síndico does every day, through the REST services.

    criarAnuncio / alterarAnuncio / excluirAnuncio    POST/PUT/DELETE /anuncios
    criarAviso / alterarAviso / excluirAviso          POST/PUT/DELETE /avisos
    definirProporcao                                  PUT /tvs/{id}/proporcao

The item mutations are made per kind by ``graphql.items`` (inputs, files and
partial changes are described there). ``definirProporcao`` changes only the
proportions it is given, as REST's ``PUT``.
"""

from __future__ import annotations

from typing import Any

import strawberry

from expotv.graphql.context import Info
from expotv.graphql.items import ADS, NOTICES, item_mutations
from expotv.graphql.types import TVNode
from expotv.tvs import service as tv_service
from expotv.tvs.schemas import TVRatiosUpdate

UNSET: Any = strawberry.UNSET


@strawberry.type
class Mutation:
    criar_anuncio, alterar_anuncio, excluir_anuncio = item_mutations(ADS)
    criar_aviso, alterar_aviso, excluir_aviso = item_mutations(NOTICES)

    @strawberry.mutation(
        description="Define quantos anúncios, avisos e notícias a TV exibe por ciclo "
        "(os omitidos ficam como estão)."
    )
    async def definir_proporcao(
        self,
        info: Info,
        id: int,
        proporcao_anuncios: int | None = UNSET,
        proporcao_avisos: int | None = UNSET,
        proporcao_noticias: int | None = UNSET,
    ) -> TVNode | None:
        context = info.context
        async with context.database() as session:
            tv = await tv_service.get_visible(session, id, user=context.user)
        sent = {
            name: value
            for name, value in (
                ("proporcao_anuncios", proporcao_anuncios),
                ("proporcao_avisos", proporcao_avisos),
                ("proporcao_noticias", proporcao_noticias),
            )
            if value is not UNSET
        }
        changes = TVRatiosUpdate.model_validate(sent)
        async with context.database() as session:
            tv = await tv_service.set_ratios(session, tv, changes, user=context.user)
        (node,) = await TVNode.many(context, [tv])
        return node
