"""Small helpers shared by tests."""

from __future__ import annotations

import json
from pathlib import Path


def write_answer(folder: Path, qid: str, question: str, body: str = "", **front: str) -> Path:
    """Write a minimal valid corpus file (front matter fields may be overridden or added)."""
    fields = {
        "id": f'"{qid}"',
        "question": question,
        "part": "{number: 9, title: Test}",
        "aliases": "[]",
        "origin": "authored",
    }
    fields.update(front)
    meta = "\n".join(f"{k}: {v}" for k, v in fields.items())
    text = body or f"# {question}\n\n## 考核点\n\n1. 一点。\n\n## 参考答案\n\n### 要点\n\n答案正文。\n"
    path = folder / f"{qid}-test.md"
    path.write_text(f"---\n{meta}\n---\n\n{text}", encoding="utf-8")
    return path


def hash_cli_options(config) -> list[str]:
    """Global `rag` options that point a subprocess at ``config``'s corpus and index, with the hash embedder."""
    config_file = config.index.parent / "hash.yaml"
    config_file.write_text("embedders: [hash]\n", encoding="utf-8")
    return ["--config", str(config_file), "--corpus", str(config.corpus), "--index", str(config.index)]


def wake_ups(thread) -> int:
    """How often ``thread`` (a started ``threading.Thread``) has gone to sleep so far: its voluntary
    context switches, from Linux's /proc."""
    status = Path(f"/proc/self/task/{thread.native_id}/status").read_text()
    return int(status.split("voluntary_ctxt_switches:")[1].split()[0])


def queue_call(url: str, api_name: str, data: list, session: str) -> list[dict]:
    """Join a served page's queue (at ``url``) with one event as the page does, under page session
    ``session``; returns every message of the session's stream until the event completes."""
    import httpx

    base = url.rstrip("/")
    config = httpx.get(f"{base}/config", timeout=30).json()
    fn = next(d["id"] for d in config["dependencies"] if d.get("api_name") == api_name)
    body = {"data": data, "fn_index": fn, "trigger_id": None, "session_hash": session, "event_data": None}
    httpx.post(f"{base}/gradio_api/queue/join", json=body, timeout=30).raise_for_status()
    messages = []
    with httpx.stream("GET", f"{base}/gradio_api/queue/data", params={"session_hash": session}, timeout=60) as stream:
        for line in stream.iter_lines():
            if line.startswith("data:"):
                messages.append(json.loads(line[5:]))
                if messages[-1].get("msg") == "process_completed":
                    break
    return messages
