"""The floor the website is measured against: a bare Starlette endpoint on the same uvicorn, with the
settings `tallyroom serve` gives it, answering every path with the JSON `/health` answers.

Run: .venv/bin/python benchmarks/floor.py PORT
"""

from __future__ import annotations

import sys

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


async def health(_request: Request) -> Response:
    return JSONResponse({"ok": True})


app = Starlette(routes=[Route("/{path:path}", health)])

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", proxy_headers=False)
