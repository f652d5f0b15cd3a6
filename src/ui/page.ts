// The one HTML page; the script draws everything. Colours follow prefers-color-scheme.
export const PAGE_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Strata</title>
<style>
:root { color-scheme: light dark; --bg: #fff; --fg: #1b1f24; --muted: #57606a; --ok: #116329; --bad: #a40e26; --warn: #7d4e00; --line: #d0d7de; }
@media (prefers-color-scheme: dark) { :root { --bg: #0d1117; --fg: #e6edf3; --muted: #9da7b3; --ok: #56d364; --bad: #ff7b72; --warn: #e3b341; --line: #30363d; } }
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; background: var(--bg); color: var(--fg); }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
.True { color: var(--ok); } .False { color: var(--bad); } .Unknown, .suspended { color: var(--warn); } .muted { color: var(--muted); }
.error { color: var(--bad); border: 1px solid var(--bad); padding: .5rem; margin: .5rem 0; }
input { font: inherit; padding: .3rem; margin-bottom: .8rem; width: 20rem; } button { font: inherit; margin-right: .3rem; }
button:focus-visible, input:focus-visible { outline: 2px solid var(--fg); }
</style></head>
<body><main id="app">Loading…</main><script type="module" src="/app.js"></script></body></html>
`;
