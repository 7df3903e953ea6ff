"""Errors as JSON problem details (RFC 9457): a title, the status, a detail in the reader's language
and, for invalid values, `errors` naming each field with its messages."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.views import exception_handler

MEDIA_TYPE = "application/problem+json"


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_code = "precondition_required"

    def __init__(self):
        super().__init__(
            _("Send the record's ETag in If-Match, as read from it, so that nobody else's change is overwritten.")
        )


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "edit_conflict"

    def __init__(self):
        super().__init__(
            _(
                "Someone changed this record after you read it. Read it again, check their changes, "
                "then send your change with the new ETag."
            )
        )


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "in_use"


TITLES = {
    400: "Some values are not valid",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    412: "Edit conflict",
    415: "Unsupported media type",
    428: "Precondition required",
    429: "Too many requests",
}


def problem(status_code: int, detail: str, errors: dict | None = None) -> dict:
    body = {"type": "about:blank", "title": TITLES.get(status_code, "Error"), "status": status_code, "detail": detail}
    if errors is not None:
        body["errors"] = errors
    return body


def messages_by_field(detail) -> dict[str, list[str]]:
    """DRF's validation detail as {field: [messages]}; nested fields are joined by dots."""
    if isinstance(detail, list):
        return {"non_field_errors": [str(message) for message in detail]}
    found: dict[str, list[str]] = {}
    for field, messages in detail.items():
        if isinstance(messages, dict):
            found |= {f"{field}.{name}": inner for name, inner in messages_by_field(messages).items()}
        elif isinstance(messages, list) and messages and isinstance(messages[0], dict):
            for index, item in enumerate(messages):
                found |= {f"{field}.{index}.{name}": inner for name, inner in messages_by_field(item).items()}
        else:
            found[field] = [str(message) for message in (messages if isinstance(messages, list) else [messages])]
    return found


def problem_details(exc, context):
    """DRF's exception handler, answering in problem details; a delete refused because other records
    refer to the record is a 409 that names them."""
    if isinstance(exc, ProtectedError | RestrictedError):
        exc = Conflict(exc.args[0] if isinstance(exc.args[0], str) else _("Other records refer to this one."))
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        body = problem(response.status_code, _("Correct the values named below."), messages_by_field(exc.detail))
    elif isinstance(exc, Http404):
        body = problem(404, _("There is no such record."))
    elif isinstance(exc, PermissionDenied):
        body = problem(403, _("Your role does not allow this."))
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else str(response.data)
        body = problem(response.status_code, str(detail))
    response.data = body
    response.content_type = MEDIA_TYPE
    return response


@csrf_exempt
def not_found(request, *args, **kwargs) -> JsonResponse:
    """An address under /api/v1/ that names no endpoint (whatever the method: nothing is written)."""
    return JsonResponse(problem(404, _("There is no such endpoint.")), status=404, content_type=MEDIA_TYPE)


def bad_address(message: str) -> JsonResponse:
    return JsonResponse(problem(400, message), status=400, content_type=MEDIA_TYPE)


# ---------------------------------------------------------------- the schema

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "A problem detail (RFC 9457).",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "object",
            "description": "For invalid values: the messages of each field.",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["type", "title", "status", "detail"],
}
DESCRIPTIONS = {
    "400": "Invalid values or filters; `errors` names each field.",
    "401": "No valid token or session.",
    "403": "The role does not allow this.",
    "404": "No such record.",
    "405": "Method not allowed.",
    "406": "Not acceptable.",
    "409": "Other records refer to this one.",
    "412": "The record changed since its ETag was read.",
    "415": "Unsupported media type.",
    "428": "If-Match is missing.",
    "429": "Too many requests for this token.",
}
WRITES_ONLY = ("412", "415", "428")


def document_problems(result, generator, request, public):
    """drf-spectacular post-processing hook: every operation may answer with the problems above."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    reference = {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path in result.get("paths", {}).values():
        for method, operation in path.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            for code, description in DESCRIPTIONS.items():
                if code in WRITES_ONLY and method == "get":
                    continue
                if code == "409" and method != "delete":
                    continue
                operation["responses"].setdefault(code, {"description": description, "content": reference})
    return result
