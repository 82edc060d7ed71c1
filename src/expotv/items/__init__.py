"""What anúncios (``ads``) and avisos (``notices``) share, written once.

body          a write body, multipart/form-data or JSON -> the model (415/422)
openapi       the truthful requestBody (both content types) for those routes
schemas       field types (ids, name, duration, expiry, status) and the read shape
scope         what a caller sees inside an item (condomínios, síndicos)
repository    SQL conditions: visibility, expiry, status and list filters
rules         pure status rules (expired on read, status after an update)
service       targets (404), quota (403, race-free), media swap, invalidation
dependencies  clock, list filters and scope for the routes
"""
