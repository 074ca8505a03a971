/** The dashboard's one stylesheet, served from /dashboard/assets/ (no CDN, no build step). */
export const STYLES = `
:root { --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --bg: #fff; --soft: #f6f8fa; --accent: #0b5cad; --danger: #b42318; --ok: #1a7f37; }
* { box-sizing: border-box; }
html { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
body { margin: 0; }
a { color: var(--accent); }
:focus-visible { outline: 3px solid #f2b300; outline-offset: 2px; }
.skip { position: absolute; left: -9999px; }
.skip:focus { left: 1rem; top: .5rem; background: var(--bg); padding: .25rem .5rem; z-index: 10; }
header.top { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; align-items: center; padding: .6rem 1.25rem; border-bottom: 1px solid var(--line); background: var(--soft); }
header.top .brand { font-weight: 700; text-decoration: none; color: var(--fg); }
header.top nav { display: flex; gap: 1rem; flex: 1; }
header.top form { margin: 0; }
nav.project { display: flex; flex-wrap: wrap; gap: .25rem; padding: 0 1.25rem; border-bottom: 1px solid var(--line); }
nav.project a { padding: .55rem .8rem; text-decoration: none; border-bottom: 3px solid transparent; color: var(--fg); }
nav.project a[aria-current="page"] { border-color: var(--accent); font-weight: 600; }
main { padding: 1rem 1.25rem 3rem; max-width: 72rem; }
h1 { font-size: 1.45rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.1rem; margin: 1.75rem 0 .6rem; }
section.card { border: 1px solid var(--line); border-radius: 8px; padding: .25rem 1rem 1rem; margin-bottom: 1rem; }
label { display: block; font-weight: 600; margin: .6rem 0 .2rem; }
label.inline { display: inline-flex; gap: .4rem; align-items: center; font-weight: 400; }
input[type=text], input[type=email], input[type=password], input[type=search], input[type=url], textarea, select {
  font: inherit; padding: .4rem .5rem; border: 1px solid #8c959f; border-radius: 6px; width: 100%; max-width: 36rem; background: var(--bg); }
textarea { min-height: 8rem; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .85rem; }
button, .button { font: inherit; padding: .4rem .9rem; border-radius: 6px; border: 1px solid #8c959f; background: var(--soft); color: var(--fg); cursor: pointer; text-decoration: none; display: inline-block; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button.danger { background: var(--bg); border-color: var(--danger); color: var(--danger); }
.row { display: flex; flex-wrap: wrap; gap: .5rem; align-items: flex-end; }
.row > * { margin: 0; }
.actions { display: flex; flex-wrap: wrap; gap: .5rem; margin-top: .8rem; }
.actions form { margin: 0; }
.copy { display: flex; gap: .4rem; max-width: 44rem; }
.copy input { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .85rem; }
pre { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: .75rem; overflow-x: auto; font-size: .85rem; white-space: pre; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .93rem; }
caption { text-align: left; padding: .2rem 0; }
th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
td.num { font-variant-numeric: tabular-nums; }
.muted { color: var(--muted); }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 999px; border: 1px solid var(--line); font-size: .8rem; }
.badge.ok { color: var(--ok); border-color: var(--ok); }
.badge.bad { color: var(--danger); border-color: var(--danger); }
.notice { border-left: 4px solid var(--ok); background: #eefbf1; padding: .6rem .9rem; margin: 0 0 1rem; }
.notice:empty { display: none; }
.error { border-left: 4px solid var(--danger); background: #fdf0ef; padding: .6rem .9rem; margin: 0 0 1rem; }
.once { border: 2px solid #f2b300; background: #fffbea; padding: .6rem 1rem; border-radius: 8px; margin-bottom: 1rem; }
.pager { display: flex; gap: 1rem; margin-top: .8rem; }
svg.lag { width: 100%; max-width: 22rem; height: 3rem; background: var(--soft); border: 1px solid var(--line); border-radius: 4px; }
svg.lag polyline { fill: none; stroke: var(--accent); stroke-width: 2; }
progress { width: 100%; max-width: 28rem; height: 1.1rem; }
.signin { max-width: 28rem; margin: 4rem auto; padding: 0 1rem; }
@media (max-width: 640px) {
  html { font-size: 14px; }
  main { padding: .75rem .75rem 2rem; }
  header.top, nav.project { padding-left: .75rem; padding-right: .75rem; }
  th, td { padding: .35rem .4rem; }
  table.responsive thead { display: none; }
  table.responsive tr { display: block; border-bottom: 1px solid var(--line); padding: .3rem 0; }
  table.responsive td { display: flex; gap: .5rem; border: 0; padding: .15rem .4rem; }
  table.responsive td::before { content: attr(data-label); font-weight: 600; min-width: 7rem; }
}
`;
