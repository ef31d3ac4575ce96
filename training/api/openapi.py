"""The OpenAPI 3.1 document and the endpoint serving it; schemas come from the pydantic models the endpoints use."""

from __future__ import annotations

from functools import cache

from flask import jsonify
from pydantic.json_schema import models_json_schema

from training.accounts.models import LearnerCategory, Role
from training.api import schemas
from training.api.blueprint import bp
from training.catalogue.models import CourseFormat, Level, Track

OUTPUT_MODELS = (
    schemas.Problem,
    schemas.CourseList,
    schemas.CourseOut,
    schemas.SessionOut,
    schemas.EnrolmentOut,
    schemas.EnrolmentList,
    schemas.SlotAttendance,
    schemas.MarkOut,
    schemas.CertificateOut,
    schemas.CertificateList,
    schemas.SessionCertificates,
)
INPUT_MODELS = (schemas.CourseIn, schemas.CoursePatch, schemas.SessionIn, schemas.EnrolmentIn, schemas.MarkIn)
FILTERS = {
    "q": {"type": "string", "maxLength": 200, "description": "Words to find in title, summary and objectives"},
    "track": {"enum": [track.value for track in Track]},
    "level": {"enum": [level.value for level in Level]},
    "format": {"enum": [course_format.value for course_format in CourseFormat]},
    "language": {"enum": ["fr", "en"]},
    "month": {
        "type": "string",
        "pattern": r"^(19|20)\d{2}-(0[1-9]|1[0-2])$",
        "description": "Sessions starting that month",
    },
    "free": {"enum": ["1", "0"], "description": "1: only courses with a free seat"},
    "sort": {"enum": ["date", "title"]},
    "page": {"type": "integer", "minimum": 1, "maximum": 10000},
    "per_page": {"type": "integer", "minimum": 1, "maximum": 100},
}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def json_response(description: str, schema: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": ref(schema)}}}


def problem_response(description: str) -> dict:
    return {"description": description, "content": {"application/problem+json": {"schema": ref("Problem")}}}


def json_body(schema: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": ref(schema)}}}


SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string", "maxLength": 120}}
SESSION_ID = {
    "name": "session_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
}
ADMIN_ERRORS = {
    "400": problem_response("The body is not a JSON object"),
    "401": problem_response("Missing, revoked or expired token"),
    "403": problem_response("The token's account is not an administrator"),
    "422": problem_response("A field is not valid; `errors` names it"),
}


def catalogue_paths() -> dict:
    """The catalogue's read and write endpoints."""
    return {
        "/api/v1/courses": {
            "get": {
                "summary": "Published courses, with the catalogue page's filters",
                "parameters": [{"name": n, "in": "query", "required": False, "schema": s} for n, s in FILTERS.items()],
                "responses": {
                    "200": json_response("A page of courses", "CourseList"),
                    "400": problem_response("A query argument is not valid"),
                },
            },
            "post": {
                "summary": "Create a course (admins)",
                "security": [{"bearer": []}],
                "requestBody": json_body("CourseIn"),
                "responses": {"201": json_response("The new course", "CourseOut"), **ADMIN_ERRORS},
            },
        },
        "/api/v1/courses/{slug}": {
            "get": {
                "summary": "A published course with its programme, results and upcoming sessions",
                "parameters": [SLUG],
                "responses": {
                    "200": json_response("The course", "CourseOut"),
                    "404": problem_response("No published course has this slug"),
                },
            },
            "patch": {
                "summary": "Change fields or the status of a course (admins)",
                "security": [{"bearer": []}],
                "parameters": [SLUG],
                "requestBody": json_body("CoursePatch"),
                "responses": {
                    "200": json_response("The course", "CourseOut"),
                    "404": problem_response("No course has this slug"),
                    **ADMIN_ERRORS,
                },
            },
        },
        "/api/v1/courses/{slug}/sessions": {
            "post": {
                "summary": "Schedule a session with its half-day slots (admins; past dates accepted)",
                "security": [{"bearer": []}],
                "parameters": [SLUG],
                "requestBody": json_body("SessionIn"),
                "responses": {
                    "201": json_response("The new session", "SessionOut"),
                    "404": problem_response("No course has this slug"),
                    **ADMIN_ERRORS,
                },
            },
        },
        "/api/v1/sessions/{session_id}": {
            "get": {
                "summary": "A session: capacity, seats left, waitlist length and slots",
                "parameters": [SESSION_ID],
                "responses": {
                    "200": json_response("The session", "SessionOut"),
                    "404": problem_response("No session of a published course has this id"),
                },
            },
        },
    }


ENROLMENT_ID = {
    "name": "enrolment_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
}
TOKEN_ERRORS = {"401": problem_response("Missing, revoked or expired token")}


def enrolment_paths() -> dict:
    """Enrolling, cancelling and listing one's enrolments."""
    closed = problem_response("The session takes no enrolment now, or the deadline has passed; `detail` says why")
    return {
        "/api/v1/sessions/{session_id}/enrolments": {
            "post": {
                "summary": "Enrol (admins may enrol someone else with `user`, also after the deadline)",
                "security": [{"bearer": []}],
                "parameters": [SESSION_ID],
                "requestBody": json_body("EnrolmentIn"),
                "responses": {
                    "201": json_response(
                        "The new enrolment: confirmed, waitlisted or pending approval", "EnrolmentOut"
                    ),
                    "200": json_response("The same enrolment, when asked again", "EnrolmentOut"),
                    "400": problem_response("The body is not a JSON object"),
                    "403": problem_response("Only admins may enrol someone else"),
                    "404": problem_response("No open session has this id"),
                    "409": closed,
                    "422": problem_response("Prerequisites not acknowledged, or a field is not valid"),
                    **TOKEN_ERRORS,
                },
            },
        },
        "/api/v1/enrolments/{enrolment_id}": {
            "delete": {
                "summary": "Cancel an enrolment (one's own before the deadline; admins any, with ?reason=)",
                "security": [{"bearer": []}],
                "parameters": [
                    ENROLMENT_ID,
                    {
                        "name": "reason",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string", "maxLength": 500},
                    },
                ],
                "responses": {
                    "200": json_response("The cancelled enrolment", "EnrolmentOut"),
                    "404": problem_response("No enrolment of yours has this id"),
                    "409": problem_response("The cancellation deadline has passed, or a reason is missing"),
                    **TOKEN_ERRORS,
                },
            },
        },
        "/api/v1/me/enrolments": {
            "get": {
                "summary": "The token owner's enrolments",
                "security": [{"bearer": []}],
                "responses": {"200": json_response("The enrolments", "EnrolmentList"), **TOKEN_ERRORS},
            },
        },
    }


SLOT_ID = {
    "name": "slot_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
}


def attendance_paths() -> dict:
    """The roll of a half-day, for the session's trainers."""
    not_yours = problem_response("No half-day of a session you teach has this id")
    return {
        "/api/v1/slots/{slot_id}/attendance": {
            "get": {
                "summary": "The roll of a half-day (the session's trainers and admins)",
                "security": [{"bearer": []}],
                "parameters": [SLOT_ID],
                "responses": {
                    "200": json_response("The roll", "SlotAttendance"),
                    "404": not_yours,
                    "403": problem_response("Trainers and admins only"),
                    **TOKEN_ERRORS,
                },
            },
        },
        "/api/v1/slots/{slot_id}/attendance/{enrolment_id}": {
            "put": {
                "summary": "Set a learner's mark; after the sign-off, `reason` is required",
                "security": [{"bearer": []}],
                "parameters": [SLOT_ID, ENROLMENT_ID],
                "requestBody": json_body("MarkIn"),
                "responses": {
                    "200": json_response("The mark", "MarkOut"),
                    "404": not_yours,
                    "400": problem_response("The body is not a JSON object"),
                    "403": problem_response("Trainers and admins only"),
                    "409": problem_response("The learner holds no confirmed seat in this session"),
                    "422": problem_response("A field is not valid, or the reason is missing after sign-off"),
                    **TOKEN_ERRORS,
                },
            },
        },
    }


CODE = {"name": "code", "in": "path", "required": True, "schema": {"type": "string", "maxLength": 64}}


def certificate_paths() -> dict:
    """Verification, the learner's certificates, and bulk issue."""
    too_many = problem_response("Too many lookups from this address; wait a minute")
    return {
        "/api/v1/certificates/{code}": {
            "get": {
                "summary": "Verify a certificate: every field, its status and the PDF's fingerprint",
                "parameters": [CODE],
                "responses": {
                    "200": json_response("The certificate", "CertificateOut"),
                    "404": problem_response("No certificate has this code"),
                    "429": too_many,
                },
            },
        },
        "/api/v1/certificates/{code}/pdf": {
            "get": {
                "summary": "The issued PDF (its holder's token, or an admin's)",
                "security": [{"bearer": []}],
                "parameters": [CODE],
                "responses": {
                    "200": {
                        "description": "The PDF, byte for byte as issued",
                        "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
                    },
                    "404": problem_response("No certificate of yours has this code"),
                    **TOKEN_ERRORS,
                },
            },
        },
        "/api/v1/me/certificates": {
            "get": {
                "summary": "The token owner's certificates",
                "security": [{"bearer": []}],
                "responses": {"200": json_response("The certificates", "CertificateList"), **TOKEN_ERRORS},
            },
        },
        "/api/v1/sessions/{session_id}/certificates": {
            "post": {
                "summary": "Issue every eligible learner's certificate (admins); says who is not eligible and why",
                "security": [{"bearer": []}],
                "parameters": [SESSION_ID],
                "responses": {
                    "200": json_response("What was issued, and who was not eligible", "SessionCertificates"),
                    "404": problem_response("No session has this id"),
                    "403": problem_response("Admins only"),
                    **TOKEN_ERRORS,
                },
            },
        },
    }


def account_paths() -> dict:
    """Tokens and the current user."""
    return {
        "/api/v1/tokens": {
            "post": {
                "summary": "Create a bearer token from HTTP Basic credentials (email and password)",
                "security": [{"basic": []}],
                "requestBody": {
                    "required": False,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "name": {"type": "string", "maxLength": 100},
                                    "days": {
                                        "type": "integer",
                                        "enum": [30, 90, 365],
                                        "default": 90,
                                        "description": "How long the token lives",
                                    },
                                    "scopes": {
                                        "type": "string",
                                        "enum": ["read", "read write"],
                                        "default": "read write",
                                        "description": "A read-only token is refused (403) on every change",
                                    },
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "201": json_response("The token, shown once", "NewToken"),
                    "401": problem_response("Missing or wrong credentials"),
                    "409": problem_response("A lifetime or scope that is not offered"),
                    "422": problem_response("days or scopes of the wrong type"),
                    "429": problem_response("Too many attempts from this address; wait a minute"),
                },
            }
        },
        "/api/v1/me": {
            "get": {
                "summary": "The account that owns the token",
                "security": [{"bearer": []}],
                "responses": {
                    "200": json_response("The account", "Me"),
                    "401": problem_response("Missing, revoked or expired token"),
                },
            }
        },
    }


ACCOUNT_SCHEMAS = {
    "NewToken": {
        "type": "object",
        "required": ["id", "name", "token", "token_type", "created_at", "expires_at", "scopes"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "token": {"type": "string"},
            "token_type": {"const": "Bearer"},
            "created_at": {"type": "string", "format": "date-time"},
            "expires_at": {"type": "string", "format": "date-time"},
            "scopes": {"type": "string", "enum": ["read", "read write"]},
        },
    },
    "Me": {
        "type": "object",
        "required": ["id", "email", "name", "organisation", "category", "locale", "roles"],
        "properties": {
            "id": {"type": "integer"},
            "email": {"type": "string"},
            "name": {"type": "string"},
            "organisation": {"type": "string"},
            "category": {"enum": [category.value for category in LearnerCategory]},
            "locale": {"enum": ["fr", "en"]},
            "roles": {"type": "array", "items": {"enum": [role.value for role in Role]}},
        },
    },
}


@cache
def openapi_document() -> dict:
    """The whole API description."""
    _, definitions = models_json_schema(
        [(m, "serialization") for m in OUTPUT_MODELS] + [(m, "validation") for m in INPUT_MODELS],
        ref_template="#/components/schemas/{model}",
    )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "GenoTher Training API",
            "version": "1.0.0",
            "description": "Catalogue, enrolment, attendance and certificates of the GenoTher "
            "training office. Errors are RFC 9457 problem details.",
        },
        "servers": [{"url": "/"}],
        "components": {
            "securitySchemes": {
                "basic": {"type": "http", "scheme": "basic"},
                "bearer": {"type": "http", "scheme": "bearer"},
            },
            "schemas": {**definitions["$defs"], **ACCOUNT_SCHEMAS},
        },
        "paths": {
            **account_paths(),
            **catalogue_paths(),
            **enrolment_paths(),
            **attendance_paths(),
            **certificate_paths(),
        },
    }


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document of this API."""
    return jsonify(openapi_document())
