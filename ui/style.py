"""The page's CSS: result cards that wrap on a 390 px phone, theme colours, dark mode."""

CSS = """
.gradio-container { max-width: 980px !important; margin: 0 auto !important; }
#rag-title h1 { margin-bottom: .2em; }
#rag-ask, #rag-controls, #rag-practise-row { flex-wrap: wrap; gap: 8px; }
#rag-ask { align-items: flex-end; }
#rag-search { align-self: flex-end; min-height: 46px; margin-bottom: 12px; }

.rag-results { display: flex; flex-direction: column; gap: 14px; }
.rag-results, .rag-results * { box-sizing: border-box; }
.rag-results { overflow-wrap: anywhere; }
#rag-results .html-container { padding-left: 0; padding-right: 0; }
.rag-summary { margin: 0; color: var(--body-text-color-subdued); font-size: .95em; }
.rag-why { margin: .2em 0; color: var(--body-text-color-subdued); font-size: .85em; }
.rag-why summary { cursor: pointer; }
.rag-why ul { margin: .2em 0 .2em 1.2em; padding: 0; }
.rag-glossary { margin: .2em 0 .4em; color: var(--body-text-color-subdued); font-size: .9em; }
.rag-reason { margin: .2em 0 .4em; font-size: .95em; }
.rag-notice {
  padding: 10px 14px; border-radius: 8px;
  background: var(--background-fill-secondary); border: 1px solid var(--border-color-primary);
}
.rag-banner {
  padding: 12px 16px; border-radius: 8px; font-weight: 600;
  background: #fff4e5; color: #7a4200; border: 1px solid #f5b971;
}
.dark .rag-banner { background: #3a2a12; color: #ffd8a8; border-color: #8a5a1c; }
.rag-verdict-match { background: #e8f7ee; color: #14532d; border-color: #86d19f; }
.rag-verdict-related { background: #eef4ff; color: #1e3a8a; border-color: #a5c0f5; }
.dark .rag-verdict-match { background: #12301d; color: #bbf7d0; border-color: #276c3f; }
.dark .rag-verdict-related { background: #15233f; color: #c7d7fe; border-color: #34508a; }
.rag-hit + .rag-hit { margin-top: 12px; padding-top: 10px; border-top: 1px dashed var(--border-color-primary); }
.rag-hit .rag-rank { margin-right: 8px; }
.rag-also, .rag-meta-tag, .rag-dated-tag {
  font-size: .78em; padding: 1px 8px; margin-right: 8px; border-radius: 999px;
  background: var(--background-fill-secondary); border: 1px solid var(--border-color-primary);
}
.rag-also-links { font-size: .85em; }
.rag-also-links a { margin-left: 4px; }
.rag-dated { font-size: .85em; color: var(--neutral-500); margin: 0 0 8px; }

.rag-card {
  border: 1px solid var(--border-color-primary); border-left: 4px solid var(--color-accent);
  border-radius: 10px; padding: 14px 16px; background: var(--background-fill-primary);
  box-shadow: 0 1px 3px rgba(0, 0, 0, .06); max-width: 100%;
}
.rag-weak .rag-card { opacity: .55; border-left-color: #9ca3af; border-color: #d1d5db; box-shadow: none; }
.dark .rag-weak .rag-card { border-color: #4b5563; }
.rag-card-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: 6px 10px; }
.rag-rank { font-weight: 700; color: var(--color-accent); }
.rag-qid, .rag-part {
  font-size: .8em; padding: 1px 8px; border-radius: 999px;
  background: var(--background-fill-secondary); border: 1px solid var(--border-color-primary);
}
.rag-qid { font-weight: 700; }
.rag-card-head .rag-question { flex: 1 1 100%; margin: 4px 0 0; font-size: 1.08em; line-height: 1.4; }
.rag-section { margin-top: 6px; font-size: .9em; color: var(--neutral-600); }
.dark .rag-section, .dark .rag-source { color: var(--neutral-400); }

.rag-score { display: flex; align-items: center; gap: 8px; margin: 8px 0 4px; font-size: .85em; }
.rag-score-label { color: var(--body-text-color-subdued); white-space: nowrap; flex: none; }
.rag-bar {
  position: relative; flex: 0 1 180px; min-width: 60px; height: 8px; border-radius: 999px; overflow: hidden;
  background: var(--background-fill-secondary); border: 1px solid var(--border-color-primary);
}
.rag-bar-fill { position: absolute; left: 0; top: 0; bottom: 0; border-radius: 999px; background: #16a34a; }
.rag-score-low .rag-bar-fill { background: #9ca3af; }
.rag-score-num { font-variant-numeric: tabular-nums; font-weight: 600; white-space: nowrap; flex: none; }

.rag-md { line-height: 1.6; }
.rag-md p { margin: .4em 0; }
.rag-md ul, .rag-md ol { margin: .3em 0; padding-left: 1.4em; }
.rag-md h2 { font-size: 1.05em; margin: .9em 0 .3em; }
.rag-md h3, .rag-md h4 { font-size: 1em; margin: .8em 0 .3em; }
.rag-md pre { white-space: pre-wrap; }
.rag-results mark { background: #fde68a; color: inherit; padding: 0 1px; border-radius: 2px; }
.dark .rag-results mark { background: #854d0e; }

.rag-source { margin-top: 8px; font-size: .85em; color: var(--neutral-600); }
.rag-source code { font-size: .95em; }
.rag-link { margin-left: 6px; white-space: nowrap; }
.rag-card-head > span { white-space: nowrap; }
.rag-full { margin-top: 8px; border-top: 1px dashed var(--border-color-primary); padding-top: 6px; }
.rag-full summary { cursor: pointer; font-weight: 600; color: var(--color-accent); }
.rag-full-body { margin-top: 6px; }
.rag-muted { color: var(--body-text-color-subdued); }

.rag-status dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 14px; margin: 0; }
.rag-status dt { font-weight: 600; }
.rag-status dd { margin: 0; overflow-wrap: anywhere; }
.rag-stale { color: #b45309; }
.rag-fresh { color: #15803d; }

@media (max-width: 600px) {
  .rag-card { padding: 12px; }
  .rag-status dl { grid-template-columns: 1fr; }
  .rag-status dd { margin-bottom: 6px; }
}
"""

# Gradio scopes ``css`` rules to the app's content, so page-level rules go into the page head.
HEAD = """<style>
@media (max-width: 600px) {
  .gradio-container .main { padding-left: 10px !important; padding-right: 10px !important; }
}
</style>"""
