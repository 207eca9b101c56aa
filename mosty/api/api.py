"""The REST API at /api/v1/ (django-ninja). Placeholder: the API helper fills this in."""

from ninja import NinjaAPI

api = NinjaAPI(title="Mosty API", version="1", urls_namespace="api")
