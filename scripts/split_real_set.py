"""Split the published interview questions (eval/raw/real-*.yaml) into a tuning and a report part, by page.

Every question of one page goes to the same part, so the report part holds pages never tuned on. A page
goes to the tuning part when the first byte of the SHA-1 of its URL is below 60 % of 256. Questions that
are near-copies of a bank wording (question, alias, section or asked question; difflib ratio >= 0.8) are
dropped. Prints the share of each part that came from each page.

    python scripts/split_real_set.py
"""

from __future__ import annotations

import difflib
import hashlib
import sys
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.bank.corpus import load_corpus  # noqa: E402

TUNE_SHARE = 0.6
NEAR_COPY = 0.8
HEADER = """# Interview questions as published on public pages (the search tool's pages corpus), collected on
# 2026-12-02 from pages not listed in shared/eval-excluded-pages.txt, and labelled from the corpus text before
# any tool was run on them (eval/raw/real-zh.yaml, eval/raw/real-en.yaml). Split by page with
# scripts/split_real_set.py: {part}
"""
PARTS = {
    "real-dev.yaml": "the tuning part (tune on it).",
    "real-report.yaml": "the report part: pages never tuned on; only report it.",
}


def _tuning(url: str) -> bool:
    return hashlib.sha1(url.encode("utf-8")).digest()[0] < TUNE_SHARE * 256


def _bank_wordings() -> list[str]:
    wordings = []
    for doc in load_corpus(ROOT / "corpus"):
        wordings += [doc.question, *doc.aliases]
        for _, questions in doc.section_questions + doc.asked:
            wordings += questions
    return wordings


def main() -> None:
    entries = []
    for name in ("real-zh.yaml", "real-en.yaml"):
        entries += yaml.safe_load((ROOT / "eval" / "raw" / name).read_text(encoding="utf-8"))["queries"]
    wordings = _bank_wordings()
    kept, dropped = [], []
    for entry in entries:
        near = max(wordings, key=lambda w: difflib.SequenceMatcher(None, entry["query"], w).ratio())
        if difflib.SequenceMatcher(None, entry["query"], near).ratio() >= NEAR_COPY:
            dropped.append((entry["query"], near))
        else:
            kept.append(entry)
    for query, near in dropped:
        print(f"dropped (near-copy of a bank wording): {query!r} ~ {near!r}")
    for name, wanted in (("real-dev.yaml", True), ("real-report.yaml", False)):
        part = [e for e in kept if _tuning(e["url"]) == wanted]
        text = HEADER.format(part=PARTS[name]) + yaml.safe_dump(
            {"queries": part}, allow_unicode=True, sort_keys=False, width=1000
        )
        (ROOT / "eval" / name).write_text(text, encoding="utf-8")
        kinds = Counter(e["kind"] for e in part)
        langs = Counter(e["lang"] for e in part)
        pages = Counter(e["url"] for e in part)
        print(f"\n{name}: {len(part)} questions from {len(pages)} pages; {dict(kinds)}; {dict(langs)}")
        for url, count in pages.most_common():
            print(f"  {count / len(part):6.1%}  {count:3d}  {url}")


if __name__ == "__main__":
    main()
