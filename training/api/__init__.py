"""The JSON API under /api/v1: bearer tokens, RFC 9457 problem details, an OpenAPI document."""
