"""The GraphQL API (``/graphql``): REST's services, rules and errors, one query.

router      mounts /graphql: credentials, one unit of work, transport errors,
            GraphiQL from installed files
schema      the schema and ``RequestGuard`` (limits, CSRF, authentication)
limits      depth, cost, aliases, one mutation per request
query       the root query: REST's collections and objects, ``me``
mutation    anúncios, avisos (uploads: multipart spec), a TV's proportions
types       the object types, built from REST's read models
loaders     DataLoaders: a page's relations in a fixed number of statements
playlists   many TVs' content bodies at once
context     who calls, the session, the clock, the loaders
errors      errors with REST's ``code`` and HTTP ``status`` in ``extensions``
export      ``schema.graphql`` (``expotv graphql-schema``)
"""
