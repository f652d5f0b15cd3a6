// The one HTML page; the script draws everything. Colours follow prefers-color-scheme, each pair
// at 4.5:1 or more (WCAG AA for text; test/ui/browser.test.ts measures them in both schemes).
const STYLE = `
:root { color-scheme: light dark; --bg: #fff; --fg: #1b1f24; --muted: #57606a; --ok: #116329; --bad: #a40e26; --warn: #7d4e00; --line: #d0d7de; --link: #0550ae; --code: #f6f8fa; }
@media (prefers-color-scheme: dark) { :root { --bg: #0d1117; --fg: #e6edf3; --muted: #9da7b3; --ok: #56d364; --bad: #ff7b72; --warn: #e3b341; --line: #30363d; --link: #79c0ff; --code: #161b22; } }
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; background: var(--bg); color: var(--fg); }
a { color: var(--link); } nav { margin-bottom: 1rem; } nav a { margin-right: 1rem; } nav a[aria-current="page"] { font-weight: bold; }
table { border-collapse: collapse; width: 100%; } td.source { min-width: 16rem; } td.actions, td.name { white-space: nowrap; } th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
.True, .Current, .created { color: var(--ok); } .False, .Failed, .NotFound, .pruned, .delete, .error-action { color: var(--bad); }
.Unknown, .suspended, .InProgress, .Terminating, .configured, .update, .skip, .orphaned { color: var(--warn); } .create { color: var(--ok); } .muted { color: var(--muted); }
.error { color: var(--bad); border: 1px solid var(--bad); padding: .5rem; margin: .5rem 0; }
input, select { font: inherit; padding: .3rem; margin: 0 .5rem .8rem 0; color: var(--fg); background: var(--bg); border: 1px solid var(--muted); } input { width: 20rem; }
button { font: inherit; margin-right: .3rem; color: var(--fg); background: var(--code); border: 1px solid var(--muted); border-radius: 4px; padding: .15rem .5rem; cursor: pointer; }
:focus-visible { outline: 2px solid var(--link); outline-offset: 2px; } h1:focus { outline: none; }
code, pre { font-family: ui-monospace, monospace; font-size: 12px; } pre { margin: 0; white-space: pre-wrap; } pre.diff { background: var(--code); padding: .5rem; overflow-x: auto; }
section { margin: 1.5rem 0; } h2 { font-size: 1.1rem; border-bottom: 1px solid var(--line); padding-bottom: .2rem; } h2 button { font-size: 12px; margin-left: .5rem; } h3 { font-size: 1rem; }
ul.tree, ul.tree ul { list-style: none; padding-left: 1.2rem; } ul.tree > li { margin: .3rem 0; } .ns { font-weight: 600; } .health { display: inline-block; min-width: 6.5rem; font-weight: 600; }
ul.changes { list-style: none; padding-left: 0; } .change.error { border: 0; padding: 0; margin: 0; } ul.changes > li { margin: .2rem 0; } .change { display: inline-block; min-width: 7rem; font-weight: 600; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; } dl.facts dd { margin: 0; }
.environments { display: grid; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); gap: 1rem; } .environment { border: 1px solid var(--line); border-radius: 6px; padding: .5rem 1rem; margin: 0; } .environment h2 { border: 0; text-transform: capitalize; }
`;

/** The page, telling the script whether to draw actions (the agent's pages are read-only). */
export function pageHtml(readOnly: boolean): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Strata</title>
<style>${STYLE}</style></head>
<body><main id="app" data-read-only="${readOnly}">Loading…</main><script type="module" src="/app.js"></script></body></html>
`;
}
