"""Errors of the API as `application/problem+json` (RFC 9457): a type, a title, the status, a detail,
and where it helps the input field at fault, the clashes and the nearest free alternatives."""
from __future__ import annotations

from typing import Any

from flask import Response, json

PROBLEM_TYPE_BASE = "/api/v1/docs#problem-"


class ApiProblem(Exception):
    """Raised anywhere in a request to answer with a problem document."""

    def __init__(self, status: int, title: str, detail: str = "", *, kind: str | None = None,
                 field: str | None = None, headers: dict[str, str] | None = None, **extra: Any):
        super().__init__(detail or title)
        self.status, self.title, self.detail = status, title, detail
        self.kind, self.field, self.headers, self.extra = kind, field, headers or {}, extra

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"type": PROBLEM_TYPE_BASE + self.kind if self.kind else "about:blank",
                                "title": self.title, "status": self.status}
        if self.detail:
            body["detail"] = self.detail
        if self.field is not None:
            body["field"] = self.field
        body.update(self.extra)
        return body


def invalid(field: str, detail: str) -> ApiProblem:
    """422: the input is understood but `field` is not acceptable."""
    return ApiProblem(422, "Unprocessable input", detail, kind="invalid-input", field=field,
                      errors=[{"field": field, "detail": detail}])


def problem_response(problem: ApiProblem) -> Response:
    response = Response(json.dumps(problem.body()), status=problem.status, mimetype="application/problem+json")
    for name, value in problem.headers.items():
        response.headers[name] = value
    return response
