"""Content items: anúncios (``ads``) and avisos (``notices``) as one stack.

Everything the kinds share is written here once and parameterised by the kind
(``kind.ContentKind``); a kind's own package holds only its own columns, fields
and rules (see ``kind`` for what adding one takes).

    models        ContentItem: the shared columns, {table}_condominium, the index
    kind          ContentKind/KindNames: how a kind differs (names, codes, hooks)
    kinds         KINDS: the registry the routes, jobs and media code loop over
    schemas       ItemCreate/ItemUpdate/ItemRead and the shared field types
    repository    SQL: visibility, list filters, quota count (liveness from
                  ``expotv.content``)
    service       list/read/create/change/delete: targets (404), quota (403,
                  race-free), media swap, status, playlist invalidation
    rules         the status after an update (pure)
    router        item_router(kind): the five routes of a kind
    dependencies  clock, list filters (pt-BR query aliases) and scope
    scope         what a caller sees inside an item (condomínios, síndicos)
    body          a write body, multipart/form-data or JSON -> the model (415/422)
    openapi       the truthful requestBody (both content types) for those routes
    exceptions    the item errors, worded and coded by the kind's names
"""
