"""Typed dependencies for the REST routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from cryptodesk.desk import Desk


def get_desk(request: Request) -> Desk:
    desk: Desk = request.app.state.desk
    return desk


DeskDep = Annotated[Desk, Depends(get_desk)]
