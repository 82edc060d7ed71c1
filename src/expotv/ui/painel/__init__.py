"""The dashboard (``/painel``): server-rendered pages over the same services as the API.

    routes        the router: sign-in/out, início, conta; includes the sections below
    condominiums  tvs  items  news  users      one router per section (thin)
    session       the session cookie (a login session of ``auth``) and CSRF tokens
    guard         the route class: sign-in redirects, HTML error pages, JSON for XHR
    forms         form input -> the API's schemas; errors -> messages per field
    render        Jinja templates, pt-BR dates in the configured time zone
    templates/    Jinja pages;  static/   CSS, icons and ES modules (no library)

Permissions are never decided here: every read and write calls the domain services,
which apply the same rules as the API (``visible_to``, ``ensure_can_write``...).
Templates only hide controls the services would refuse anyway.
"""
