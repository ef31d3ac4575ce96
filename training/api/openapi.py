"""The OpenAPI 3.1 document, built as data so tests can check responses against it."""

from __future__ import annotations

PROBLEM = {"$ref": "#/components/schemas/Problem"}


def _problem_response(description: str) -> dict:
    return {"description": description, "content": {"application/problem+json": {"schema": PROBLEM}}}


def openapi_document() -> dict:
    """The whole API description."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "GenoTher Training API",
            "version": "1.0.0",
            "description": "Catalogue, enrolment, attendance and certificates of the GenoTher training office.",
        },
        "servers": [{"url": "/"}],
        "components": {
            "securitySchemes": {
                "basic": {"type": "http", "scheme": "basic"},
                "bearer": {"type": "http", "scheme": "bearer"},
            },
            "schemas": {
                "Problem": {
                    "type": "object",
                    "required": ["type", "title", "status"],
                    "properties": {
                        "type": {"type": "string"},
                        "title": {"type": "string"},
                        "status": {"type": "integer"},
                        "detail": {"type": "string"},
                    },
                },
                "NewToken": {
                    "type": "object",
                    "required": ["id", "name", "token", "token_type", "created_at"],
                    "properties": {
                        "id": {"type": "integer"},
                        "name": {"type": "string"},
                        "token": {"type": "string"},
                        "token_type": {"const": "Bearer"},
                        "created_at": {"type": "string", "format": "date-time"},
                    },
                },
                "Me": {
                    "type": "object",
                    "required": ["id", "email", "name", "organisation", "category", "locale", "roles"],
                    "properties": {
                        "id": {"type": "integer"},
                        "email": {"type": "string", "format": "email"},
                        "name": {"type": "string"},
                        "organisation": {"type": "string"},
                        "category": {"enum": ["employee", "job_seeker", "self_funded", "student", "other"]},
                        "locale": {"enum": ["fr", "en"]},
                        "roles": {"type": "array", "items": {"enum": ["learner", "trainer", "admin"]}},
                    },
                },
            },
        },
        "paths": {
            "/api/v1/tokens": {
                "post": {
                    "summary": "Create a bearer token from HTTP Basic credentials",
                    "security": [{"basic": []}],
                    "requestBody": {
                        "required": False,
                        "content": {"application/json": {"schema": {
                            "type": "object", "properties": {"name": {"type": "string", "maxLength": 100}}}}},
                    },
                    "responses": {
                        "201": {"description": "The token, shown once",
                                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewToken"}}}},
                        "401": _problem_response("Missing or wrong credentials"),
                    },
                }
            },
            "/api/v1/me": {
                "get": {
                    "summary": "The account that owns the token",
                    "security": [{"bearer": []}],
                    "responses": {
                        "200": {"description": "The account",
                                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Me"}}}},
                        "401": _problem_response("Missing, revoked or expired token"),
                    },
                }
            },
        },
    }
