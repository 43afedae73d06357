"""``/healthz`` for load balancers: answers without a session, says whether the store answers."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from robot.store.repo import Store
from robot.web.deps import store_of

router = APIRouter()


@router.get("/healthz")
def healthz(store: Store = Depends(store_of)) -> JSONResponse:
    """200 ``{"ok": true, "database": true}``; 503 with both false when the store does not answer."""
    try:
        with store.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return JSONResponse({"ok": False, "database": False}, status_code=503)
    return JSONResponse({"ok": True, "database": True})
