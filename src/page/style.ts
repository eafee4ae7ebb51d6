/** The page's styles, put in a <style> at start (the HTML file holds no markup of its own). */
export const STYLE = `
:root { color-scheme: light; --ink: #1d232b; --muted: #5d6875; --line: #d8dde3; --accent: #b3261e; --bg: #fbfbfa; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: var(--bg); }
header { padding: 14px 22px 0; border-bottom: 1px solid var(--line); background: #fff; }
header h1 { font-size: 18px; margin: 0 0 2px; }
header .sub { color: var(--muted); font-size: 13px; margin-bottom: 10px; }
nav { display: flex; gap: 4px; }
nav button { font: inherit; border: 1px solid transparent; border-bottom: none; background: none; padding: 7px 14px; cursor: pointer; color: var(--muted); border-radius: 6px 6px 0 0; }
nav button[aria-selected="true"] { background: var(--bg); border-color: var(--line); color: var(--ink); font-weight: 600; margin-bottom: -1px; }
main { padding: 16px 22px 40px; max-width: 1100px; }
section[hidden] { display: none; }
textarea { width: 100%; min-height: 96px; font: 14px/1.4 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; padding: 8px; border: 1px solid var(--line); border-radius: 6px; resize: vertical; }
.controls { display: flex; flex-wrap: wrap; gap: 10px 18px; align-items: center; margin: 10px 0; font-size: 14px; }
.controls input[type=number] { width: 5.5em; }
.controls input[type=text] { width: 16em; }
input, select, button { font: inherit; }
button.go { background: var(--ink); color: #fff; border: none; border-radius: 6px; padding: 6px 16px; cursor: pointer; }
.coloured { font: 15px/1.9 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; white-space: pre-wrap; word-break: break-all; background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; min-height: 3em; }
.coloured span.t { border-radius: 2px; cursor: default; unicode-bidi: isolate; }
.coloured span.eos { color: #8a94a0; font-size: 12px; }
.coloured span.unk { outline: 1px dashed #8a94a0; }
.totals { font-size: 14px; color: var(--muted); margin: 8px 0; }
.totals b { color: var(--ink); }
.legend { display: inline-flex; align-items: center; gap: 6px; font-size: 12px; color: var(--muted); }
.legend i { display: inline-block; width: 90px; height: 10px; border: 1px solid var(--line); }
#tip { position: fixed; pointer-events: none; background: #fff; border: 1px solid var(--line); box-shadow: 0 4px 16px rgba(0,0,0,.12); border-radius: 6px; padding: 8px 10px; font-size: 13px; z-index: 10; min-width: 210px; }
#tip table { border-collapse: collapse; width: 100%; font-family: ui-monospace, Menlo, Consolas, monospace; }
#tip td { padding: 0 4px; }
#tip b { unicode-bidi: isolate; }
#tip td.p { text-align: right; }
#tip tr.this { background: #fde7e5; font-weight: 600; }
.units { display: grid; grid-template-columns: minmax(0, 1fr) 250px; gap: 16px; }
.ranking { font: 13px/1.5 ui-monospace, Menlo, Consolas, monospace; border: 1px solid var(--line); border-radius: 6px; background: #fff; max-height: 520px; overflow: auto; }
.ranking div { padding: 1px 8px; cursor: pointer; display: flex; justify-content: space-between; }
.ranking div[aria-selected="true"] { background: #e8eef7; font-weight: 600; }
.ranking div:hover { background: #f2f4f7; }
.samples div.sample { font: 15px/1.5 ui-monospace, Menlo, Consolas, monospace; white-space: pre-wrap; background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; margin: 8px 0; }
.samples .meta { color: var(--muted); font-size: 12px; }
.error { color: var(--accent); font-size: 14px; margin: 6px 0; }
pre.card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 12px; overflow: auto; font-size: 13px; }
img.curve { max-width: 100%; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
.note { color: var(--muted); font-size: 13px; }
`;
