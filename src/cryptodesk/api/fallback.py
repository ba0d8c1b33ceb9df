"""Requests under `/api/` that no route takes: a JSON 405 with the path's real methods, or 404.

Without it they fell through to the web app's static files, which answered every method it does
not serve with `405 Allow: GET, HEAD`, whatever the API path supports.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Match, Mount
from starlette.types import Receive, Scope, Send

PREFIX = "/api"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


class ApiFallback:
    """Mounted at `/api` after every API route (a mount matches any method)."""

    def __init__(self, routes: Sequence[BaseRoute]) -> None:
        self._routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        # The path as the app's routes see it: the root path is the app's, not this mount's.
        app_scope = {**scope, "root_path": scope.get("app_root_path", "")}
        path = scope["path"].removeprefix(app_scope["root_path"])
        allowed = self.methods(app_scope)
        if allowed:
            response = JSONResponse(
                {
                    "detail": f"{scope['method']} is not allowed on {path}; "
                    f"use {', '.join(allowed)}",
                    "code": "method_not_allowed",
                },
                status_code=405,
                headers={"Allow": ", ".join(allowed)},
            )
        else:
            response = JSONResponse(
                {"detail": f"no API endpoint at {path}", "code": "not_found"}, status_code=404
            )
        await response(scope, receive, send)

    def methods(self, scope: Scope) -> list[str]:
        """The methods some route (not a mount: this one, the web app) takes on this path."""
        routes = [route for route in self._routes if not isinstance(route, Mount)]
        return [
            method
            for method in METHODS
            if any(route.matches({**scope, "method": method})[0] == Match.FULL for route in routes)
        ]
