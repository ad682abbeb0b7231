"""Typed extractor errors, so callers choose between retrying and stopping by class, not by text.

    ExtractError
     ├─ ApiError                 .request ("GET /v2/accounts/1500/orders.json?start=0&num=1000"),
     │    │                      .status (None for transport failures)
     │    ├─ RetriableApiError   429, 5xx, transport failures: trying again may help
     │    │    └─ MalformedResponse   a 2xx body that is not valid JSON (.excerpt)
     │    └─ FatalApiError       other 4xx: trying again will not help (.excerpt of the body)
     │         └─ AuthError      401/403: credentials or the Sitoo IP allow-list
     └─ PaginationError          repeated cursor, a continuation that cannot advance

`.request` holds method, path and query only: never the host, its userinfo or a header, so an
error can be logged or shown as it is. Every `str(err)` is one line that names the request.
"""

from __future__ import annotations

EXCERPT_CHARS = 200


def one_line(text: str, limit: int = EXCERPT_CHARS) -> str:
    """Collapse whitespace and cut to `limit` characters, so a body excerpt fits in a log line."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class ExtractError(Exception):
    """Anything the extractor cannot recover from on its own."""


class ApiError(ExtractError):
    """A request to the Sitoo API failed: `request` says which one, `status` how (if known)."""

    def __init__(self, message: str, *, request: str, status: int | None = None) -> None:
        self.message = message
        self.request = request
        self.status = status
        super().__init__(message)

    def __str__(self) -> str:
        return f"{self.request}: {one_line(self.message, 500)}"

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"{name}({self.message!r}, request={self.request!r}, status={self.status!r})"


class RetriableApiError(ApiError):
    """Throttling, a server failure or a broken connection: the same request may succeed later."""


class MalformedResponse(RetriableApiError):
    """A 2xx answer whose body is not JSON (cut off, or an HTML error page from a proxy)."""

    def __init__(
        self, message: str, *, request: str, status: int | None = None, excerpt: str = ""
    ) -> None:
        self.excerpt = one_line(excerpt)
        super().__init__(message, request=request, status=status)


class FatalApiError(ApiError):
    """The API refused the request itself (bad parameter, unknown resource); do not retry."""

    def __init__(
        self, message: str, *, request: str, status: int | None = None, excerpt: str = ""
    ) -> None:
        self.excerpt = one_line(excerpt)
        super().__init__(message, request=request, status=status)


class AuthError(FatalApiError):
    """401/403: Sitoo rejects the API user, its password, or the IP this machine calls from."""


class PaginationError(ExtractError):
    """The paging protocol broke down: a cursor repeated or a continuation cannot move forward."""
