"""The practice history database: round trip, WAL, two writers, a kill mid-write, locked, damaged, missing."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys

import pytest

from rag.practice import History, HistoryError
from rag.practice.history import shown_path
from tests.conftest import REPO

DUE = "2026-12-01T00:00:00+00:00"


def card(previous):
    """A stand-in card update: counts reviews, so a lost or doubled update shows."""
    count = int(previous or 0) + 1
    return str(count), DUE


def named(path, error) -> bool:
    """The message names the file relative to the working folder, never by its absolute path (probe N8)."""
    message = str(error.value)
    return shown_path(path) in message and str(path.parent.resolve()) not in message


def record(history: History, answer: str, qid: str = "2.5", coverage: int = 60):
    return history.record(qid, answer, coverage, ["幻觉的监控指标"], 42.0, card)


def child(script: str, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-c", script, *args], stdout=subprocess.PIPE, text=True, env=env)


WRITER = """
import sys
from pathlib import Path
from rag.practice.history import History
history = History(Path(sys.argv[1]), timeout=30)
for i in range(int(sys.argv[3])):
    update = lambda c: (str(int(c or 0) + 1), "2026-12-01T00:00:00+00:00")  # noqa: E731
    history.record("1.1", f"{sys.argv[2]} {i}", 50, [], None, update)
    print(i + 1, flush=True)
"""

def kill_after(process: subprocess.Popen, count: int) -> int:
    """Read the child's commit counter until it reaches ``count``, SIGKILL it; the last count printed."""
    committed = 0
    for line in process.stdout:
        committed = int(line)
        if committed >= count:
            break
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    return committed


HOLD_OPEN = WRITER + """
import sqlite3, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
db.execute("INSERT INTO attempts (question_id, answer, coverage, missed, seconds, created_at) "
           "VALUES ('1.1', 'half-written', 1, '[]', NULL, 'now')")
print("inside", flush=True)
time.sleep(120)
"""


def test_round_trip_and_progress(tmp_path):
    history = History(tmp_path / "data" / "practice.sqlite3")
    first, due = record(history, "第一次回答", coverage=40)
    second, _ = record(history, "第二次回答", coverage=75)
    record(history, "Other question", qid="1.1", coverage=10)
    assert due == DUE and second.id > first.id
    attempts = history.attempts("2.5")
    assert [a.answer for a in attempts] == ["第二次回答", "第一次回答"]
    assert attempts[0].missed == ["幻觉的监控指标"] and attempts[0].seconds == 42.0
    progress = history.progress()
    assert (progress["2.5"].attempts, progress["2.5"].last_coverage, progress["2.5"].best_coverage) == (2, 75, 75)
    assert progress["1.1"].attempts == 1 and progress["2.5"].due == DUE
    with sqlite3.connect(history.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("SELECT card FROM cards WHERE question_id = '2.5'").fetchone()[0] == "2"


def test_reading_without_a_file_creates_nothing(tmp_path):
    history = History(tmp_path / "data" / "practice.sqlite3")
    assert history.attempts() == [] and history.progress() == {} and history.due_dates() == {}
    assert history.forget() == 0
    assert not (tmp_path / "data").exists()


def test_forget_deletes_everything(tmp_path):
    history = History(tmp_path / "practice.sqlite3")
    record(history, "秘密回答 secret answer")
    record(history, "秘密回答 secret answer two")
    assert history.forget() == 2
    assert history.attempts() == [] and history.due_dates() == {}
    assert record(history, "new start")[0].id == 1
    history.forget()
    leftovers = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("practice.sqlite3"))
    assert "秘密回答".encode() not in leftovers and b"secret answer" not in leftovers


def test_two_writers_at_once_lose_nothing(tmp_path):
    path = tmp_path / "practice.sqlite3"
    record(History(path), "before")
    writers = [child(WRITER, str(path), name, "40") for name in ("left", "right")]
    for writer in writers:
        writer.communicate(timeout=120)
        assert writer.returncode == 0
    attempts = History(path).attempts()
    assert len(attempts) == 81
    assert sum(a.answer.startswith("left") for a in attempts) == 40
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT card FROM cards WHERE question_id = '1.1'").fetchone()[0] == "80"


def test_kill_during_a_write_keeps_every_committed_attempt(tmp_path):
    path = tmp_path / "practice.sqlite3"
    process = child(HOLD_OPEN, str(path), "kept", "5")
    lines = []
    for line in process.stdout:
        lines.append(line.strip())
        if line.strip() == "inside":
            break
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert lines == ["1", "2", "3", "4", "5", "inside"]
    history = History(path)
    assert sorted(a.answer for a in history.attempts()) == [f"kept {i}" for i in range(5)]
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    record(history, "after the crash")
    assert len(history.attempts()) == 6


def test_kill_in_a_stream_of_writes(tmp_path):
    path = tmp_path / "practice.sqlite3"
    committed = kill_after(child(WRITER, str(path), "stream", "100000"), 20)
    stored = len(History(path).attempts())
    assert committed <= stored <= committed + 2  # printed after each commit; one more may have committed
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_locked_database_names_the_file_and_keeps_earlier_attempts(tmp_path):
    path = tmp_path / "practice.sqlite3"
    record(History(path), "earlier")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(HistoryError, match="locked") as error:
            record(History(path, timeout=0.2), "blocked")
        assert named(path, error)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    history = History(path)
    assert [a.answer for a in history.attempts()] == ["earlier"]
    record(history, "after the lock")
    assert len(history.attempts()) == 2


@pytest.mark.parametrize("damage", ["garbage", "overwritten page"])
def test_damaged_database_is_reported_and_left_untouched(tmp_path, damage):
    path = tmp_path / "practice.sqlite3"
    if damage == "garbage":
        path.write_bytes(b"this is not a database " * 300)
    else:
        history = History(path)
        for i in range(200):
            record(history, f"answer {i} " + "长" * 200)
        data = bytearray(path.read_bytes())
        data[4096:12288] = b"\xde\xad\xbe\xef" * 2048
        path.write_bytes(bytes(data))
    before = path.read_bytes()
    for action in (lambda h: h.attempts(), lambda h: record(h, "new")):
        with pytest.raises(HistoryError, match="damaged") as error:
            action(History(path))
        assert named(path, error)
    assert path.read_bytes() == before


def test_unusable_data_folder_names_the_file(tmp_path):
    blocker = tmp_path / "data"
    blocker.write_text("a file where the data folder should be", encoding="utf-8")
    path = blocker / "practice.sqlite3"
    with pytest.raises(HistoryError) as error:
        record(History(path), "x")
    assert named(path, error)


def test_a_foreign_sqlite_file_is_refused(tmp_path):
    path = tmp_path / "practice.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE attempts (id INTEGER PRIMARY KEY, something TEXT)")
    with pytest.raises(HistoryError, match="not a practice history"):
        History(path).attempts()


@pytest.mark.parametrize("schema", [
    "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); PRAGMA user_version = 7",
    "CREATE TABLE attempts (id INTEGER PRIMARY KEY, something TEXT)",
    "PRAGMA user_version = 9",
])
def test_a_foreign_file_is_refused_before_anything_in_it_changes(tmp_path, schema):
    path = tmp_path / "practice.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(schema)
    before = path.read_bytes()
    for action in (lambda h: h.progress(), lambda h: record(h, "x"), lambda h: h.forget()):
        with pytest.raises(HistoryError, match="not a practice history|newer version") as error:
            action(History(path))
        assert named(path, error) and "nothing in it was changed" in str(error.value)
    assert path.read_bytes() == before and not (tmp_path / "practice.sqlite3-wal").exists()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_a_file_moved_aside_while_running_is_recreated(tmp_path):
    path = tmp_path / "data" / "practice.sqlite3"
    history = History(path)
    record(history, "before")
    aside = tmp_path / "aside"
    aside.mkdir()
    for file in path.parent.glob("practice.sqlite3*"):
        file.rename(aside / file.name)
    assert history.progress() == {} and history.attempts() == []  # no file: nothing yet, nothing created
    record(history, "after")  # the same History object: a new file gets the schema
    assert [a.answer for a in history.attempts()] == ["after"]
    assert [a.answer for a in History(aside / "practice.sqlite3").attempts()] == ["before"]


OWN_WRITER = """
import sys
from pathlib import Path
from rag.practice.history import History
from rag.practice.own import OwnQuestion
history = History(Path(sys.argv[1]), timeout=30)
for i in range(int(sys.argv[2])):
    own = history.add_own(OwnQuestion("", f"问题 {i}？", "search", (("2.5", "幻觉的监控指标"),)))
    history.record(own.id, f"answer {i}", 50, [], None, lambda c: (str(int(c or 0) + 1), "2026-12-01T00:00:00+00:00"))
    print(i + 1, flush=True)
"""


def test_kill_while_own_questions_are_saved(tmp_path):
    path = tmp_path / "practice.sqlite3"
    committed = kill_after(child(OWN_WRITER, str(path), "100000"), 15)
    history = History(path)
    owns = history.own_questions()
    assert committed <= len(owns) <= committed + 1  # an own question is stored before its first attempt
    answered = {a.question_id for a in history.attempts()}
    assert {o.id for o in owns[:committed]} <= answered  # every printed pair is there, whole
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert history.remove_own(owns[0].id) == 1 and len(history.own_questions()) == len(owns) - 1


def test_progress_read_while_another_page_saves_is_consistent(tmp_path):
    import threading

    history = History(tmp_path / "practice.sqlite3")
    record(history, "first")
    errors: list[BaseException] = []
    done = threading.Event()

    def write() -> None:
        for i in range(150):
            record(history, f"answer {i}", qid=("1.1", "2.5", "3.2")[i % 3], coverage=i % 100)
        done.set()

    def read() -> None:
        try:
            while not done.is_set():
                for progress in history.progress().values():
                    assert progress.attempts >= 1 and progress.last_coverage is not None
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write), threading.Thread(target=read), threading.Thread(target=read)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    assert sum(p.attempts for p in history.progress().values()) == 151
