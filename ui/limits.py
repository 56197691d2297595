"""HTTP limits in front of the whole server (page, Gradio API and JSON API): request size, no uploads."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 256 * 1024  # 64 questions of 500 characters, even fully \u-escaped, fit with room to spare
UPLOAD_PATHS = ("/gradio_api/upload", "/gradio_api/upload/")
UPLOADS_DISABLED = "uploads are disabled: this app takes no files"


def error_body(message: str, **extra: object) -> bytes:
    return json.dumps({"error": message, **extra}, ensure_ascii=False).encode("utf-8")


class BodyLimit:
    """Answer 413 to any request whose body is larger than ``max_bytes``, before the app reads it.

    A declared Content-Length is checked at once; a body sent without one (chunked) is read up to
    the limit and then handed on, so the app never sees more than ``max_bytes``.
    """

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None:
            if not declared.isdigit() or int(declared) > self.max_bytes:
                await self._refuse(send)
                return
            await self.app(scope, receive, send)
            return
        if b"chunked" not in headers.get(b"transfer-encoding", b""):
            await self.app(scope, receive, send)
            return
        body, more = b"", True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_bytes:
                await self._refuse(send)
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send) -> None:
        content = error_body(f"request too large: at most {self.max_bytes} bytes")
        await send({"type": "http.response.start", "status": 413, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(content)).encode()),
            (b"connection", b"close")]})  # fmt: skip
        await send({"type": "http.response.body", "body": content})


async def _refuse_upload(request: Request) -> JSONResponse:
    return JSONResponse({"error": UPLOADS_DISABLED}, status_code=403)


def upload_blockers() -> list[Route]:
    """Routes that shadow Gradio's upload endpoint: the page has no file input, so nobody may store files."""
    return [Route(path, _refuse_upload, methods=["POST", "PUT"]) for path in UPLOAD_PATHS]
