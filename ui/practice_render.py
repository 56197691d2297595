"""HTML of the Practice tab: the question, the feedback on an answer, the progress table. All text is escaped."""

from __future__ import annotations

from rag.practice import Feedback, Progress, Reference, Submission

from .render import esc, markdown_html

STATUS_LABELS = {"covered": "✓ 已覆盖 covered", "partly": "~ 部分 partly", "missed": "✗ 遗漏 missed"}
REASONS = {
    "due": "到期复习 due for review",
    "new": "还没练过 not practised yet",
    "soonest": "最近到期 due soonest",
    "chosen": "已选择 chosen",
    "follow-up": "追问 follow-up",
}


OWN_NOTE = (
    "题库没有这道题的准备答案，关键点取自下面这些章节 No prepared answer exists for this question: "
    "its key points come from these sections of the bank:"
)


def _own_question_html(reference: Reference, why: str) -> str:
    """A question of your own: says plainly that the key points are borrowed, and from where."""
    sources = "".join(
        f'<li><span class="rag-qid">{esc(p.source_id)}</span> {esc(p.title.removeprefix(p.source_id).strip())} '
        f'<code class="rag-path">{esc(p.path)}:{p.start_line}–{p.end_line}</code></li>'
        for p in reference.key_points
    )
    label = esc(reference.question_id) if reference.question_id else "追问 follow-up"
    return (
        f'<div class="pr-question pr-own" data-qid="{esc(reference.question_id)}">'
        f'<span class="rag-qid">{label}</span><span class="rag-part">我的题 Your question</span>{why}'
        f"<h3>{esc(reference.question)}</h3>"
        f'<p class="pr-own-note">{OWN_NOTE}</p><ul class="pr-sources">{sources}</ul></div>'
    )


def question_html(reference: Reference | None, reason: str = "") -> str:
    """The question being practised."""
    if reference is None:
        return '<div class="pr-question pr-muted">选择一个问题 Choose a question.</div>'
    why = f'<span class="pr-reason">{esc(REASONS.get(reason, reason))}</span>' if reason else ""
    if reference.own:
        return _own_question_html(reference, why)
    return (
        f'<div class="pr-question" data-qid="{esc(reference.question_id)}">'
        f'<span class="rag-qid">{esc(reference.question_id)}</span>'
        f'<span class="rag-part">第{reference.part}部分 Part {reference.part}</span>{why}'
        f"<h3>{esc(reference.question)}</h3></div>"
    )


def _anchor(index: int) -> str:
    return f"pr-ref-{index}"


def _point_html(index: int, point, corpus_root: str) -> str:
    where = f"{corpus_root}/{point.path}:{point.start_line}–{point.end_line}"
    star = ' <span class="pr-star" title="两分钟口述版也讲了这一点 in the two-minute version">★</span>' if (
        point.in_spoken
    ) else ""
    head = (
        f'<div class="pr-point-head"><span class="pr-status">{STATUS_LABELS[point.status]}</span>'
        f'<span class="pr-title">{esc(point.title)}</span>{star}</div>'
    )
    if point.status == "missed":
        body = (
            f'<div class="pr-say"><span class="pr-label">可以这样说 Say</span> {esc(point.reference_sentence)}</div>'
            f'<a class="pr-link" href="#{_anchor(index)}">查看题库原文 See it in the bank ↓</a> '
            f'<code class="rag-path">{esc(where)}</code>'
        )
    else:
        body = (
            f'<div class="pr-you"><span class="pr-label">你的回答 You</span> {esc(point.answer_sentence)}</div>'
            f'<div class="pr-ref"><span class="pr-label">参考 Reference</span> {esc(point.reference_sentence)}</div>'
        )
    return f'<li class="pr-point pr-{point.status}" data-status="{point.status}">{head}{body}</li>'


def _check(ok: bool, yes: str, no: str) -> str:
    return f'<span class="pr-ok">✓ {esc(yes)}</span>' if ok else f'<span class="pr-warn">✗ {esc(no)}</span>'


def _delivery_html(feedback: Feedback) -> str:
    d = feedback.delivery
    minutes, seconds = divmod(d.speaking_seconds, 60)
    fillers = "、".join(f"{esc(w)} ×{n}" for w, n in d.fillers.items()) or "无 none"
    rows = [
        ("长度 Length", f"{d.characters} 字 Chinese characters · {d.words} English words"),
        ("口述时长 Speaking time", f"约 about {minutes}:{seconds:02d} (目标 target 2:00)"),
        ("口头禅 Fillers", fillers),
        ("开头 Opening", _check(d.opens_directly, "直接回答 direct answer", "没有直接回答 not a direct answer")
         + f' <q>{esc(d.opening)}</q>'),
        ("结尾 Closing", _check(d.closes_with_stance, "有观点 a stance", "没有结论观点 no closing stance")
         + f' <q>{esc(d.closing)}</q>'),
        ("数字 Numbers", esc("、".join(d.numbers)) if d.numbers else "无 none — 一两个数字会让回答更具体"),
    ]
    items = "".join(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in rows)
    return f'<dl class="pr-delivery">{items}</dl>'


def _reference_html(reference: Reference, feedback: Feedback, corpus_root: str) -> str:
    sections = []
    for index, (point, result) in enumerate(zip(reference.key_points, feedback.points)):
        where = f"{corpus_root}/{point.path or reference.path}:{point.start_line}–{point.end_line}"
        opened = " open" if result.status == "missed" else ""
        sections.append(
            f'<details id="{_anchor(index)}" class="pr-section"{opened}><summary>{esc(point.title)}</summary>'
            f'<div class="rag-md">{markdown_html(point.text)}</div><code class="rag-path">{esc(where)}</code></details>'
        )
    if reference.spoken_text:
        sections.insert(
            0,
            '<details class="pr-section pr-spoken"><summary>两分钟口述版 Two-minute version</summary>'
            f'<div class="rag-md">{markdown_html(reference.spoken_text)}</div></details>',
        )
    heading = "关键点的来源章节 The bank sections the key points come from" if reference.own else (
        "题库参考答案 Reference in the bank"
    )
    return f'<div class="pr-reference"><h4>{heading}</h4>{"".join(sections)}</div>'


def feedback_html(submission: Submission, reference: Reference, corpus_root: str) -> str:
    """Coverage, each key point with the sentences that matched, delivery, and the reference sections."""
    feedback = submission.feedback
    notice = f'<div class="rag-notice" role="status">{esc(feedback.notice)}</div>' if feedback.notice else ""
    points = "".join(_point_html(i, p, corpus_root) for i, p in enumerate(feedback.points))
    counts = {s: sum(p.status == s for p in feedback.points) for s in STATUS_LABELS}
    return (
        f'<div class="pr-feedback" data-coverage="{feedback.coverage}">{notice}'
        '<div class="pr-score"><span class="pr-score-label">覆盖率 Coverage</span>'
        f'<span class="pr-score-num">{feedback.coverage}</span><span class="pr-score-max">/100</span>'
        f'<span class="rag-bar"><span class="rag-bar-fill" style="width:{feedback.coverage}%"></span></span>'
        f'<span class="pr-counts">{counts["covered"]} ✓ · {counts["partly"]} ~ · {counts["missed"]} ✗</span></div>'
        f'<p class="pr-next">已保存 Saved · 下次复习 next review: <b>{esc(submission.due[:10])}</b></p>'
        f'<h4>关键点 Key points</h4><ol class="pr-points">{points}</ol>'
        f"<h4>表达 Delivery</h4>{_delivery_html(feedback)}"
        f"{_reference_html(reference, feedback, corpus_root)}</div>"
    )


def progress_html(rows: list[tuple[Reference, Progress | None]]) -> str:
    """One row per bank question, then per question of your own: attempts, last and best coverage, next due."""
    body = []
    own_seen = False
    for reference, progress in rows:
        if reference.own and not own_seen:
            own_seen = True
            body.append('<tr class="pr-own-head"><th colspan="6">我的题 Your own questions</th></tr>')
        if progress is None:
            cells = '<td class="pr-num">0</td><td>—</td><td>—</td><td>—</td>'
        else:
            cells = (
                f'<td class="pr-num">{progress.attempts}</td><td class="pr-num">{progress.last_coverage}</td>'
                f'<td class="pr-num">{progress.best_coverage}</td><td>{esc(progress.due[:10])}</td>'
            )
        body.append(
            f'<tr data-qid="{esc(reference.question_id)}"><td>{esc(reference.question_id)}</td>'
            f'<td class="pr-q">{esc(reference.question)}</td>{cells}</tr>'
        )
    return (
        '<div class="pr-progress"><table><thead><tr><th>#</th><th>问题 Question</th><th>次数 Attempts</th>'
        "<th>上次 Last</th><th>最好 Best</th><th>下次复习 Next due</th></tr></thead>"
        f'<tbody>{"".join(body)}</tbody></table></div>'
    )


CSS = """
.pr-question h3 { margin: 6px 0 0; font-size: 1.1em; line-height: 1.4; }
.pr-question > span { margin-right: 6px; }
.pr-reason { font-size: .85em; color: var(--body-text-color-subdued); }
.pr-muted { color: var(--body-text-color-subdued); }
.pr-countdown { font-variant-numeric: tabular-nums; font-weight: 700; font-size: 1.3em; }
.pr-countdown.pr-over { color: #b91c1c; }
.pr-feedback, .pr-feedback * { box-sizing: border-box; overflow-wrap: anywhere; }
.pr-score { display: flex; flex-wrap: wrap; align-items: baseline; gap: 6px 10px; }
.pr-score-num { font-size: 2em; font-weight: 700; font-variant-numeric: tabular-nums; }
.pr-score .rag-bar { flex: 0 1 220px; align-self: center; }
.pr-counts { color: var(--body-text-color-subdued); }
.pr-points { padding-left: 1.4em; }
.pr-point { margin: 8px 0; padding: 8px 10px; border-radius: 8px; border: 1px solid var(--border-color-primary); }
.pr-covered { border-left: 4px solid #16a34a; }
.pr-partly { border-left: 4px solid #d97706; }
.pr-missed { border-left: 4px solid #dc2626; }
.pr-point-head { display: flex; flex-wrap: wrap; gap: 4px 10px; font-weight: 600; }
.pr-covered .pr-status { color: #15803d; }
.pr-partly .pr-status { color: #b45309; }
.pr-missed .pr-status { color: #b91c1c; }
.pr-you, .pr-ref, .pr-say { margin-top: 4px; font-size: .93em; }
.pr-label { display: inline-block; min-width: 7.5em; color: var(--body-text-color-subdued); font-size: .9em; }
.pr-link { font-size: .9em; margin-right: 6px; }
.pr-delivery { display: grid; grid-template-columns: max-content 1fr; gap: 4px 14px; margin: 0; }
.pr-delivery dt { font-weight: 600; }
.pr-delivery dd { margin: 0; }
.pr-ok { color: #15803d; }
.pr-warn { color: #b45309; }
.pr-section { margin: 6px 0; }
.pr-section summary { cursor: pointer; font-weight: 600; }
.pr-progress { overflow-x: auto; }
.pr-progress table { border-collapse: collapse; width: 100%; font-size: .9em; }
.pr-progress th, .pr-progress td {
  border-bottom: 1px solid var(--border-color-primary); padding: 4px 6px; text-align: left;
}
.pr-num { text-align: right; font-variant-numeric: tabular-nums; }
.pr-own-note { margin: 6px 0 2px; font-size: .93em; }
.pr-sources { margin: 0; padding-left: 1.4em; font-size: .9em; }
.pr-own-head th { padding-top: 10px; }
@media (max-width: 600px) {
  .pr-delivery { grid-template-columns: 1fr; }
  .pr-q { min-width: 10em; }
}
"""
