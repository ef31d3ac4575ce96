"""API errors as RFC 9457 problem details, and JSON body parsing."""

from __future__ import annotations

from typing import TypeVar

from flask import request
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import HTTPException, UnsupportedMediaType

from training.errors import DomainError
from training.site.error_pages import problem

ModelT = TypeVar("ModelT", bound=BaseModel)


class BadQuery(HTTPException):
    """Query-string arguments that could not be understood (400)."""

    code = 400

    def __init__(self, errors: dict[str, str]):
        super().__init__("Some query arguments are not valid.")
        self.errors = [{"field": name, "message": message} for name, message in errors.items()]


class UnprocessableFields(HTTPException):
    """A body that parsed but holds wrong values (422), each named by its field."""

    code = 422

    def __init__(self, errors: list[tuple[str, str]], detail: str = "Some fields are not valid."):
        super().__init__(detail)
        self.errors = [{"field": field, "message": message} for field, message in errors]


def parse_body(model: type[ModelT]) -> ModelT:
    """The request's JSON body checked against `model`; a clear 400 or 422 otherwise."""
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise BadQuery({"body": "send a JSON object with Content-Type: application/json"})
    try:
        return model.model_validate(payload)
    except ValidationError as error:
        raise UnprocessableFields(
            [(".".join(str(p) for p in e["loc"]) or "body", e["msg"]) for e in error.errors()]
        ) from None


def field_errors_response(error: BadQuery | UnprocessableFields):
    """The problem details of an error that names fields."""
    return problem(
        error.code,
        "Bad Request" if error.code == 400 else "Unprocessable Content",
        error.description,
        errors=error.errors,
    )


def refuse_unreadable_body() -> None:
    """Any request body must be a JSON object, whether or not the endpoint reads one.

    A client that sends a form or broken JSON to an endpoint without a body would otherwise
    get a success and believe its data was taken into account.
    """
    if not request.content_length and not request.headers.get("Transfer-Encoding"):
        return
    if not request.is_json:
        raise UnsupportedMediaType("Send the body as JSON with Content-Type: application/json.")
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise BadQuery({"body": "send a JSON object with Content-Type: application/json"})
    if _holds_nul(payload):
        raise BadQuery({"body": "a value holds a NUL character (\\u0000)"})


def _holds_nul(value) -> bool:
    """Whether a NUL character hides anywhere in a parsed JSON value (PostgreSQL cannot store it)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


def domain_error_response(error: DomainError):
    """A refused action, as a problem detail with a sentence a person can read (and its field, if any)."""
    field = getattr(error, "field", None)
    extra = {"errors": [{"field": field, "message": str(error.message)}]} if field else {}
    return problem(
        error.status_code,
        "Conflict" if error.status_code == 409 else "Unprocessable Content",
        str(error.message),
        **extra,
    )


def init_api_errors(bp) -> None:
    """Register the handlers on the API blueprint."""
    bp.before_request(refuse_unreadable_body)
    bp.register_error_handler(DomainError, domain_error_response)
    bp.register_error_handler(BadQuery, field_errors_response)
    bp.register_error_handler(UnprocessableFields, field_errors_response)
