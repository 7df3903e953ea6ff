"""The HTTP API at /api/v1/ (Django REST framework, described by drf-spectacular): every record of
the chain to read, and to write for editors, with the site's filters, rules and history."""
