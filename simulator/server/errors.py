"""API errors as exceptions, and their rendering in the two error formats the simulator speaks.

Handlers raise `ApiError` wherever they are; the router turns it into a `Response` once, in the
format of the API being imitated (Sitoo v2 is documented, Journals v3 is not).
"""

from __future__ import annotations

import enum
import json
import math
from collections.abc import Mapping
from http import HTTPStatus

from simulator.server.http import Response


class ErrorStyle(enum.StrEnum):
    """Error body format; the values match `ApiConfig.journals_error_style`."""

    V2 = "v2"
    """`{"statuscode": 404, "errortext": "..."}`, as documented for Sitoo API v2."""
    PROBLEM = "problem"
    """RFC 7807-like problem details, a guess at what Journals v3 might send."""


class ApiError(Exception):
    """An HTTP error meant for the client, carrying its status, text and extra headers."""

    def __init__(
        self, status: int, errortext: str, headers: Mapping[str, str] | None = None
    ) -> None:
        if not 400 <= status <= 599:
            raise ValueError(f"ApiError status must be 4xx or 5xx, got {status}")
        super().__init__(f"{status}: {errortext}")
        self.status = status
        self.errortext = errortext
        self.headers: dict[str, str] = dict(headers or {})


def bad_request(text: str) -> ApiError:
    """400, e.g. a malformed query parameter."""
    return ApiError(400, text)


def unauthorized(text: str = "Unauthorized. Authorization failed.") -> ApiError:
    """401 with a Basic challenge, so generic clients know which scheme to use."""
    return ApiError(401, text, {"WWW-Authenticate": 'Basic realm="Sitoo"'})


def not_found(text: str = "Resource not found. The url is invalid.") -> ApiError:
    """404 for an unknown route or resource."""
    return ApiError(404, text)


def too_many_requests(
    retry_after: float | None, text: str = "Too Many Requests. Rate limit exceeded."
) -> ApiError:
    """429; `Retry-After` (whole seconds, rounded up) only when a wait is given."""
    headers = {} if retry_after is None else {"Retry-After": str(max(0, math.ceil(retry_after)))}
    return ApiError(429, text, headers)


def internal_error(text: str = "Internal Server Error.", status: int = 500) -> ApiError:
    """5xx; `status` lets fault injection produce 502/503/504 with the same body shape."""
    if not 500 <= status <= 599:
        raise ValueError(f"internal_error status must be 5xx, got {status}")
    return ApiError(status, text)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def error_response(err: ApiError, style: ErrorStyle = ErrorStyle.V2) -> Response:
    """Render `err` as a JSON response in the requested error format."""
    if style is ErrorStyle.PROBLEM:
        payload: dict[str, object] = {
            "type": "about:blank",
            "title": _reason(err.status),
            "status": err.status,
            "detail": err.errortext,
        }
        content_type = "application/problem+json"
    else:
        payload = {"statuscode": err.status, "errortext": err.errortext}
        content_type = "application/json"
    body = json.dumps(payload, separators=(",", ":")).encode()
    return Response(err.status, body, content_type, dict(err.headers))
