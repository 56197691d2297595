"""The plain JSON HTTP API, mounted beside the page at ``/api``: search, status, rebuild.

Responses are built from the library's own dictionaries (``SearchResponse.to_dict()``, the index
status, the build report), so they are exactly what ``rag ask --json`` prints and grow with it.
Every error is ``{"error": "..."}`` with a fitting status: 400 bad input, 401 wrong password,
409 a rebuild is running, 413 too large, 415 a POST that is not JSON, 422 corpus problems,
429 too many wrong passwords, 500 a rebuild that failed (the old index keeps serving).

The OpenAPI description is served at ``/openapi.json``; there is no interactive docs page (FastAPI's
loads its script from a CDN: broken offline, and third-party code on the server's own origin).
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, StringConstraints
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from rag import AnswerFinder, BuildReport, CorpusError, RagError, RebuildRunning

from .auth import PasswordGate, TooManyAttempts, WrongPassword
from .limits import MAX_BODY_BYTES

MAX_BATCH = 64
MAX_BATCH_CHARS = 8000  # one request's questions together (probe N2), each counted up to its search length
Part = Annotated[str, StringConstraints(pattern=r"^(all|[1-9])$")]
CORPUS_PROBLEMS = "corpus problems: nothing was rebuilt, the previous index keeps serving"
NOT_JSON = "unsupported content type: send the request body as JSON (Content-Type: application/json)"


class SearchBody(BaseModel):
    """One question or a list of questions, with the number of results and the part filter."""

    model_config = ConfigDict(extra="forbid")
    q: StrictStr | list[StrictStr] = Field(
        description=f"a question, or a list of at most {MAX_BATCH} questions of at most {MAX_BATCH_CHARS} characters "
        "in all (each counted up to the length searched, max_query_chars)"
    )
    k: StrictInt = Field(5, ge=1, le=10, description="results per question")
    part: Part | StrictInt | None = Field("all", description="only answers of this part of the bank: 'all', 1, 2, 3, …")
    explain: StrictBool = Field(False, description="add `why`: the scores the verdict was decided from")


class RebuildBody(BaseModel):
    """What to rebuild, and the password when the server has one."""

    model_config = ConfigDict(extra="forbid")
    full: StrictBool = Field(False, description="re-embed every chunk instead of only changed ones")
    password: StrictStr = Field("", description="the server's rebuild password (empty when none is set)")


class Source(BaseModel):
    path: str = Field(description="file relative to the corpus folder")
    start_line: int
    end_line: int
    url: str = Field(description="the original article (seed answers), else empty")


class Result(BaseModel):
    question_id: str
    question: str
    section: str
    text: str
    score: float = Field(description="0-1, higher is better")
    source: Source


class Answer(BaseModel):
    """The shape of ``rag ask --json`` (fields may be added; clients should ignore unknown ones)."""

    model_config = ConfigDict(extra="allow")
    query: str = Field(description="the question as searched (cleaned, possibly truncated)")
    verdict: str = Field(description="match (a prepared question), related (these sections help) or none")
    confident: bool = Field(description="verdict != none")
    results: list[Result]
    notice: str | None = Field(None, description="present when the question was empty, cleaned or truncated")
    glossary: list[str] | None = Field(
        None, description="present when the glossary added the bank's words for what the question says"
    )
    reason: str | None = Field(
        None, description="the verdict in one plain sentence (\"close to prepared question 2.5\")"
    )
    why: list[str] | None = Field(None, description="with `explain`: the match and related scores, term by term")


class Status(BaseModel):
    model_config = ConfigDict(extra="allow")
    exists: bool
    embedders: list[str]
    chunk_count: int
    built_at: str
    stale: bool = Field(description="the corpus changed since the served index was built")
    changed_files: list[str]
    rebuild_running: bool
    password_required: bool


class Rebuilt(BaseModel):
    model_config = ConfigDict(extra="allow")
    summary: str
    report: dict[str, Any]
    status: Status


class Error(BaseModel):
    model_config = ConfigDict(extra="allow")
    error: str


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": Error} for code in codes}


def _part(value: object, parts: tuple[int, ...]) -> int | None:
    """The part asked for (None: all); a 400 naming the bank's parts when it has no such part."""
    if value in (None, "all"):
        return None
    if int(value) not in parts:  # the schema let through only "all", a digit or an integer (never a bool)
        known = ", ".join(map(str, parts))
        raise HTTPException(400, f"bad request: part: 'all' or one of the bank's parts ({known}), got {value!r:.40}")
    return int(value)


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _public_report(report: BuildReport) -> dict[str, Any]:
    """The build report without the server's absolute index path (only the build's name)."""
    data = report.to_dict()
    data["build"] = Path(data.pop("index_path")).name
    return data


def _add_error_handlers(api: FastAPI) -> None:
    def error(status: int, message: str, headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
        return JSONResponse({"error": message, **extra}, status_code=status, headers=headers)

    @api.exception_handler(RequestValidationError)
    async def bad_input(request: Request, exc: RequestValidationError) -> JSONResponse:
        details = [{"field": ".".join(str(p) for p in e.get("loc", ()) if p != "body"), "problem": e.get("msg", "")}
                   for e in exc.errors()]  # fmt: skip
        first = details[0] if details else {"field": "", "problem": "invalid request"}
        return error(400, f"bad request: {first['field'] or 'body'}: {first['problem']}", details=details)

    @api.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        return error(exc.status_code, str(exc.detail), getattr(exc, "headers", None))

    @api.exception_handler(WrongPassword)
    async def wrong_password(request: Request, exc: WrongPassword) -> JSONResponse:
        return error(401, str(exc))

    @api.exception_handler(TooManyAttempts)
    async def too_many(request: Request, exc: TooManyAttempts) -> JSONResponse:
        return error(429, str(exc), {"Retry-After": str(exc.retry_after)})

    @api.exception_handler(RebuildRunning)
    async def running(request: Request, exc: RebuildRunning) -> JSONResponse:
        return error(409, str(exc))

    @api.exception_handler(CorpusError)
    async def corpus(request: Request, exc: CorpusError) -> JSONResponse:
        return error(422, CORPUS_PROBLEMS, problems=[asdict(p) for p in exc.problems])

    @api.exception_handler(RagError)
    async def failed(request: Request, exc: RagError) -> JSONResponse:
        return error(500, f"rebuild failed: {exc}")


def is_json(content_type: str) -> bool:
    """Whether a Content-Type header names JSON (``application/json``, with or without parameters)."""
    return content_type.split(";", 1)[0].strip().lower() == "application/json"


class JsonPosts:
    """ASGI middleware: a POST whose body is not declared JSON gets 415 before anything runs (probe N5).

    A cross-site page can send a "simple" POST (text/plain, form data) without a CORS preflight;
    requiring ``application/json`` makes every such request fail here, password or not.
    """

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            content_type = dict(scope.get("headers") or []).get(b"content-type", b"").decode("latin-1")
            if not is_json(content_type):
                await JSONResponse({"error": NOT_JSON}, status_code=415)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def create_api(finder: AnswerFinder, gate: PasswordGate) -> FastAPI:
    """The JSON API over ``finder``; rebuilding goes through ``gate`` like the page's button."""
    api = FastAPI(
        title="Interview Answer Finder API",
        version="1",
        summary="Search the prepared AIGC / AI PM interview answers; inspect and rebuild the index.",
        description=(
            f"Requests larger than {MAX_BODY_BYTES} bytes are refused with 413. "
            "Errors are JSON objects with an `error` message."
        ),
        docs_url=None,  # FastAPI's pages load their scripts from a CDN (probe N12)
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    _add_error_handlers(api)
    api.add_middleware(JsonPosts)

    def status() -> dict[str, Any]:
        return {**asdict(finder.status()), "rebuild_running": finder.rebuilding, "password_required": gate.required}

    @api.get("/search", response_model=None, responses={200: {"model": Answer}, **_errors(400, 413)})
    def search(
        q: Annotated[str, Query(description="the question, in Chinese or English")],
        k: Annotated[int, Query(ge=1, le=10, description="number of results")] = 5,
        part: Annotated[Part, Query(description="only answers of this part of the bank")] = "all",
        explain: Annotated[bool, Query(description="add `why`: the scores the verdict was decided from")] = False,
    ) -> JSONResponse:
        """Search one question; the same JSON object as ``rag ask --json``."""
        return JSONResponse(finder.search(q, k, _part(part, finder.parts)).to_dict(explain))

    @api.post("/search", response_model=None, responses={200: {"model": Answer}, **_errors(400, 413, 415)})
    def search_many(body: SearchBody) -> JSONResponse:
        """Search one question (returns one object) or a list of them (returns a list, in order)."""
        if isinstance(body.q, str):
            return JSONResponse(finder.search(body.q, body.k, _part(body.part, finder.parts)).to_dict(body.explain))
        if len(body.q) > MAX_BATCH:
            raise HTTPException(413, f"too many questions: at most {MAX_BATCH} per request, got {len(body.q)}")
        chars = sum(min(len(q), finder.config.max_query_chars) for q in body.q)
        if chars > MAX_BATCH_CHARS:
            raise HTTPException(413, f"too much text: at most {MAX_BATCH_CHARS} characters of questions per request "
                                f"(each counted up to {finder.config.max_query_chars}), got {chars}")  # fmt: skip
        responses = finder.search_batch(body.q, body.k, _part(body.part, finder.parts))
        return JSONResponse([r.to_dict(body.explain) for r in responses])

    @api.get("/status", response_model=None, responses={200: {"model": Status}})
    def get_status() -> JSONResponse:
        """The index this server answers from, and whether the corpus changed since it was built."""
        return JSONResponse(status())

    @api.post("/rebuild", response_model=None,
              responses={200: {"model": Rebuilt}, **_errors(400, 401, 409, 413, 415, 422, 429, 500)})  # fmt: skip
    def rebuild(request: Request, body: RebuildBody | None = None) -> JSONResponse:
        """Refresh the index (or re-embed everything with ``full``) and serve the new one.

        Needs the server's password when it has one. Refused with 409 while another rebuild runs.
        """
        body = body or RebuildBody()
        gate.check(body.password, _client(request))
        report = finder.rebuild(full=body.full)
        return JSONResponse({"summary": report.summary(), "report": _public_report(report), "status": status()})

    return api
