"""The JSON API under /api/v1: bearer tokens, problem+json errors, an OpenAPI 3.1 document.

Registering `bp` wires everything: its error handlers, its exemption from CSRF (it takes no
cookies, only bearer tokens) and the companion privacy page blueprint.
"""
from __future__ import annotations

from flask import Flask, request
from werkzeug.exceptions import HTTPException

from roombook.access.login import csrf
from roombook.api import (  # noqa: F401  (register the routes)
    asking,
    changes,
    coordination,
    freeslots,
    reports,
    series,
    trainings,
    views,
)
from roombook.api.blueprint import bp
from roombook.api.problems import ApiProblem, problem_response

csrf.exempt(bp)


@bp.errorhandler(ApiProblem)
def _problem(exc: ApiProblem):
    return problem_response(exc)


def is_api_request(path: str | None = None) -> bool:
    """Whether the request (or `path`) is the API's."""
    path = request.path if path is None else path
    return path == "/api/v1" or path.startswith("/api/v1/")


def http_problem(exc: HTTPException):
    """404 and 405 are raised before a blueprint's handlers are known (and 500s after a crash); API paths
    get problem documents, every other path its usual page (roombook.web.errors has its own for the
    common statuses and calls this for the API's)."""
    if not is_api_request():
        return exc
    problem = ApiProblem(exc.code or 500, exc.name, exc.description or "")
    response = problem_response(problem)
    if exc.code == 405 and exc.valid_methods:
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


@bp.record_once
def _on_register(state) -> None:
    app: Flask = state.app
    from roombook.api.pages import pages

    app.register_error_handler(HTTPException, http_problem)
    app.register_blueprint(pages)


__all__ = ["bp", "http_problem", "is_api_request"]
