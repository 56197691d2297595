"""Practice history in SQLite: every attempt, and each question's review card, in one file.

The file (``<data_dir>/practice.sqlite3``) runs in WAL mode with ``synchronous=FULL``; each attempt
and its card update are written in one ``BEGIN IMMEDIATE`` transaction, so two pages saving at once
queue behind each other (up to ``timeout`` seconds) and a process killed mid-write leaves the last
committed state. A file that is locked too long, damaged or not a practice history is reported with
its path and never modified; nothing is ever deleted except by ``forget``.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .errors import HistoryError
from .own import OwnQuestion, is_own_id, own_id

SCHEMA_VERSION = 2  # 2: own questions (a version-1 file gains the table when it is first opened)
SCHEMA = """
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    question_id TEXT NOT NULL,
    answer TEXT NOT NULL,
    coverage INTEGER NOT NULL,
    missed TEXT NOT NULL,
    seconds REAL,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS attempts_by_question ON attempts (question_id, id);
CREATE TABLE IF NOT EXISTS cards (
    question_id TEXT PRIMARY KEY,
    card TEXT NOT NULL,
    due TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS own_questions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    question TEXT NOT NULL UNIQUE,
    origin TEXT NOT NULL,
    sections TEXT NOT NULL,
    created_at TEXT NOT NULL
);
"""
ATTEMPT_COLUMNS = {"id", "question_id", "answer", "coverage", "missed", "seconds", "created_at"}
OWN_TABLES = {"attempts", "cards", "own_questions", "sqlite_sequence"}
# Card updates get the stored card (None for a first attempt) and return (card JSON, due as ISO time).
CardUpdate = Callable[[str | None], tuple[str, str]]


@dataclass(frozen=True)
class Attempt:
    """One stored answer to one question."""

    id: int
    question_id: str
    answer: str
    coverage: int
    missed: list[str]
    seconds: float | None
    created_at: str


@dataclass(frozen=True)
class Progress:
    """A question's record so far: how often practised, last and best coverage, when due next."""

    question_id: str
    attempts: int
    last_coverage: int | None
    best_coverage: int | None
    last_at: str
    due: str


def now_utc() -> datetime:
    return datetime.now(UTC)


def shown_path(path: Path) -> str:
    """How messages name a file: relative to the working folder (the project) when inside it, else by its
    folder and name only, never the server's absolute path (probe N8)."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return f"{Path(path).parent.name}/{Path(path).name}"


class History:
    """The practice history stored in one SQLite file.

    Before anything is written the file is checked (integrity, and that it holds only a practice
    history's tables), and the schema is created — again whenever the file at the path is a new one
    (moved aside while a server runs). A file that fails the check is never changed.
    """

    def __init__(self, path: Path, timeout: float = 5.0):
        self.path = Path(path)
        self.timeout = timeout
        self.shown = shown_path(self.path)
        self._checked: tuple[int, int] | None = None  # (device, inode) of the file last checked

    def _describe(self, exc: sqlite3.Error) -> HistoryError:
        message = str(exc)
        if "locked" in message or "busy" in message:
            return HistoryError(
                f"practice history {self.shown} is locked by another program (waited {self.timeout:g} s); "
                "nothing was saved and earlier attempts are safe: try again"
            )
        damaged = ("malformed", "not a database", "integrity check")
        if type(exc) is sqlite3.DatabaseError or any(word in message for word in damaged):
            return HistoryError(
                f"practice history {self.shown} is damaged ({message}); it was left untouched: move it aside to "
                f"start a new history, or try `sqlite3 {self.shown} .recover` to rescue earlier attempts"
            )
        return HistoryError(f"cannot use practice history {self.shown}: {message}")

    @contextmanager
    def _connect(self, create: bool) -> Iterator[sqlite3.Connection]:
        if create:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise HistoryError(
                    f"cannot create the folder of practice history {self.shown}: {exc.strerror or exc}"
                ) from exc
        elif not self.path.is_file():
            raise FileNotFoundError(self.path)
        try:
            uri = self.path.resolve().as_uri() + ("" if create else "?mode=rw")
            connection = sqlite3.connect(uri, uri=True, timeout=self.timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise self._describe(exc) from exc
        try:
            self._prepare(connection)
            yield connection
        except sqlite3.Error as exc:
            raise self._describe(exc) from exc
        finally:
            connection.close()

    def _identity(self) -> tuple[int, int] | None:
        try:
            stat = os.stat(self.path)
        except OSError:
            return None
        return stat.st_dev, stat.st_ino

    def _prepare(self, connection: sqlite3.Connection) -> None:
        """Check a file not checked yet (integrity, only a history's tables) before changing anything in
        it, then WAL, durable commits and the schema."""
        connection.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
        identity = self._identity()
        fresh = identity is None or identity != self._checked
        if fresh:
            result = connection.execute("PRAGMA quick_check").fetchone()
            if result is None or result[0] != "ok":
                raise sqlite3.DatabaseError(f"integrity check failed: {result[0] if result else 'no answer'}")
            self._refuse_foreign(connection)
        mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode.lower() != "wal":
            raise sqlite3.OperationalError(f"cannot switch to WAL mode (journal mode is {mode})")
        connection.execute("PRAGMA synchronous = FULL")
        if fresh:
            connection.executescript(SCHEMA)
            connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            self._checked = self._identity()

    def _refuse_foreign(self, connection: sqlite3.Connection) -> None:
        """Raise unless the file is empty or a practice history this version can read."""
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        others = sorted(tables - OWN_TABLES)
        if others or (tables and "attempts" not in tables):
            raise HistoryError(
                f"{self.shown} is not a practice history (it holds {', '.join(others or sorted(tables))}); "
                "nothing in it was changed: point data_dir elsewhere or move the file aside"
            )
        if version > SCHEMA_VERSION:
            raise HistoryError(
                f"{self.shown} was written by a newer version (schema {version}, this one reads up to "
                f"{SCHEMA_VERSION}); nothing in it was changed"
            )
        columns = {row[1] for row in connection.execute("PRAGMA table_info(attempts)")}
        if columns and not columns >= ATTEMPT_COLUMNS:
            raise HistoryError(
                f"{self.shown} is not a practice history: its 'attempts' table lacks "
                f"{', '.join(sorted(ATTEMPT_COLUMNS - columns))}; nothing in it was changed"
            )

    def record(
        self,
        question_id: str,
        answer: str,
        coverage: int,
        missed: list[str],
        seconds: float | None,
        update_card: CardUpdate,
        when: datetime | None = None,
    ) -> tuple[Attempt, str]:
        """Store one attempt and its question's new card in one transaction; return it and the due time."""
        created = (when or now_utc()).isoformat(timespec="seconds")
        with self._connect(create=True) as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                row = db.execute("SELECT card FROM cards WHERE question_id = ?", (question_id,)).fetchone()
                card, due = update_card(row[0] if row else None)
                cursor = db.execute(
                    "INSERT INTO attempts (question_id, answer, coverage, missed, seconds, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (question_id, answer, int(coverage), json.dumps(missed, ensure_ascii=False), seconds, created),
                )
                db.execute(
                    "INSERT INTO cards (question_id, card, due) VALUES (?, ?, ?) "
                    "ON CONFLICT (question_id) DO UPDATE SET card = excluded.card, due = excluded.due",
                    (question_id, card, due),
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        attempt = Attempt(cursor.lastrowid, question_id, answer, int(coverage), list(missed), seconds, created)
        return attempt, due

    def _read(self, query: str, params: tuple = ()) -> list[tuple]:
        """Rows of a read; no file yet means no history (the file is not created by reading)."""
        try:
            with self._connect(create=False) as db:
                return db.execute(query, params).fetchall()
        except FileNotFoundError:
            return []

    def attempts(self, question_id: str | None = None, limit: int | None = None) -> list[Attempt]:
        """Stored attempts, newest first; of one question when given."""
        where, params = ("WHERE question_id = ?", (question_id,)) if question_id else ("", ())
        rows = self._read(
            f"SELECT id, question_id, answer, coverage, missed, seconds, created_at FROM attempts {where} "
            f"ORDER BY id DESC LIMIT ?",
            (*params, limit if limit is not None else -1),
        )
        return [Attempt(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5], r[6]) for r in rows]

    def due_dates(self) -> dict[str, str]:
        """Each practised question's next due time (ISO, UTC)."""
        return dict(self._read("SELECT question_id, due FROM cards"))

    def progress(self) -> dict[str, Progress]:
        """Per practised question: attempts, last and best coverage, last time, next due.

        One statement, so one snapshot: an attempt saved meanwhile by another page is either in every
        figure or in none (probe N9: two reads could disagree and fail).
        """
        rows = self._read(
            "SELECT a.question_id, COUNT(*), MAX(a.coverage), l.coverage, l.created_at, c.due FROM attempts a "
            "JOIN attempts l ON l.id = (SELECT MAX(id) FROM attempts WHERE question_id = a.question_id) "
            "LEFT JOIN cards c ON c.question_id = a.question_id GROUP BY a.question_id"
        )
        return {
            qid: Progress(qid, count, last, best, last_at, due or "")
            for qid, count, best, last, last_at, due in rows
        }

    def add_own(self, own: OwnQuestion, when: datetime | None = None) -> OwnQuestion:
        """Store a question of your own (the same text again returns the stored one, its sections renewed)."""
        created = (when or now_utc()).isoformat(timespec="seconds")
        sections = json.dumps([list(s) for s in own.sections], ensure_ascii=False)
        with self._connect(create=True) as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute(
                    "INSERT INTO own_questions (question, origin, sections, created_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (question) DO UPDATE SET sections = excluded.sections",
                    (own.question, own.origin, sections, created),
                )
                row = db.execute(
                    "SELECT id, question, origin, sections, created_at FROM own_questions WHERE question = ?",
                    (own.question,),
                ).fetchone()
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return _own(row)

    def own_questions(self) -> list[OwnQuestion]:
        """Your own questions, oldest first."""
        return [_own(r) for r in self._read(
            "SELECT id, question, origin, sections, created_at FROM own_questions ORDER BY id"
        )]

    def own(self, question_id: str) -> OwnQuestion | None:
        """One own question by its id (``own-N``), None when there is none."""
        if not is_own_id(question_id):
            return None
        rows = self._read(
            "SELECT id, question, origin, sections, created_at FROM own_questions WHERE id = ?",
            (int(question_id.removeprefix("own-")),),
        )
        return _own(rows[0]) if rows else None

    def remove_own(self, question_id: str) -> int | None:
        """Delete an own question with its attempts and review card; how many attempts went (None: no such)."""
        if not is_own_id(question_id):
            return None
        try:
            with self._connect(create=False) as db:
                db.execute("PRAGMA secure_delete = ON")
                db.execute("BEGIN IMMEDIATE")
                try:
                    gone = db.execute("DELETE FROM own_questions WHERE id = ?",
                                      (int(question_id.removeprefix("own-")),)).rowcount
                    count = db.execute("DELETE FROM attempts WHERE question_id = ?", (question_id,)).rowcount
                    db.execute("DELETE FROM cards WHERE question_id = ?", (question_id,))
                    db.execute("COMMIT")
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
                return count if gone else None
        except FileNotFoundError:
            return None

    def forget(self) -> int:
        """Delete every attempt and card, overwriting the freed pages; return how many attempts went."""
        try:
            with self._connect(create=False) as db:
                db.execute("PRAGMA secure_delete = ON")
                db.execute("BEGIN IMMEDIATE")
                count = db.execute("SELECT COUNT(*) FROM attempts").fetchone()[0]
                db.execute("DELETE FROM attempts")
                db.execute("DELETE FROM cards")
                db.execute("DELETE FROM own_questions")
                # ids restart: no count left
                db.execute("DELETE FROM sqlite_sequence WHERE name IN ('attempts', 'own_questions')")
                db.execute("COMMIT")
                db.execute("VACUUM")
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                return count
        except FileNotFoundError:
            return 0


def _own(row: tuple) -> OwnQuestion:
    return OwnQuestion(own_id(row[0]), row[1], row[2], tuple((q, t) for q, t in json.loads(row[3])), row[4])
