"""The HTML plan's colours and style sheet (screen, phone and paper).

The colours are shared with the charts (:mod:`html_charts`), so a bar and the
session row it stands for are the same colour.
"""

from __future__ import annotations

# Okabe-Ito blue and vermillion: distinguishable with the common colour-vision
# deficiencies and at least 3:1 against white, as WCAG asks of graphics.
WALK_COLOUR = "#0072B2"
RUN_COLOUR = "#D55E00"
INK = "#1a1a1a"
MUTED = "#4d4d4d"
GRID = "#d0d0d0"

CSS = f"""
:root {{ color-scheme: light; }}
* {{ box-sizing: border-box; }}
html {{ -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }}
body {{ margin: 0 auto; max-width: 1120px; padding: 24px; background: #fff; color: {INK};
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }}
h1 {{ font-size: 1.7em; margin: 0 0 .2em; line-height: 1.2; }}
h2 {{ font-size: 1.3em; margin: 1.6em 0 .5em; padding-bottom: .2em; border-bottom: 2px solid {INK}; }}
h3 {{ font-size: 1.05em; margin: 1.2em 0 .4em; }}
p {{ margin: .4em 0 .8em; }}
.asof, .muted, .reason, .src, figcaption, .week-sum {{ color: {MUTED}; }}
.reason, .src, .week-sum {{ font-size: .85em; }}
.week-sum {{ display: block; font-weight: normal; }}
.facts {{ display: flex; flex-wrap: wrap; gap: 4px 24px; margin: .6em 0; }}
.facts div {{ display: flex; gap: 6px; }}
.facts dt {{ font-weight: 600; }}
.facts dt::after {{ content: ":"; }}
.facts dd {{ margin: 0; }}
.cards {{ display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 10px; margin: 12px 0; }}
.card {{ border: 1px solid #8c8c8c; border-radius: 6px; padding: 8px 12px; }}
.card-k {{ font-size: .8em; text-transform: uppercase; letter-spacing: .04em; color: {MUTED}; }}
.card-v {{ font-size: 1.1em; font-weight: 600; }}
table {{ width: 100%; border-collapse: collapse; margin: .4em 0 1em; }}
th, td {{ text-align: left; vertical-align: top; padding: 5px 8px; border-bottom: 1px solid {GRID};
  overflow-wrap: break-word; }}
th {{ font-size: .85em; border-bottom: 1.5px solid {INK}; }}
table.sessions {{ table-layout: fixed; }}
table.sessions th:nth-child(1) {{ width: 8.5em; }}
table.sessions th:nth-child(2) {{ width: 25%; }}
table.sessions th:nth-child(4) {{ width: 17%; }}
table.sessions th:nth-child(5) {{ width: 6em; }}
.status {{ margin-top: 2px; }}
table.gate th:nth-child(1) {{ width: 7em; }}
table.gate th:nth-child(2) {{ width: 22%; }}
table.gate th:nth-child(4) {{ width: 24%; }}
table.decisions, table.gate, table.done {{ table-layout: fixed; }}
table.decisions th:nth-child(1) {{ width: 6.5em; }}
table.decisions th:nth-child(2) {{ width: 8em; }}
table.decisions th:nth-child(3) {{ width: 6.5em; }}
table.decisions th:nth-child(4) {{ width: 13%; }}
table.decisions th:nth-child(6) {{ width: 20%; }}
table.done th:nth-child(1) {{ width: 7.5em; }}
table.done th:nth-child(2), table.done th:nth-child(3) {{ width: 10%; }}
table.done th:nth-child(4) {{ width: 18%; }}
table.done th:nth-child(6) {{ width: 10.5em; }}
/* File names break at dots, never one letter per line. */
.from {{ font-size: .85em; overflow-wrap: normal; word-break: normal; hyphens: none; }}
tr.kind-rest td {{ color: {MUTED}; }}
tr.kind-walk_run td:first-child, tr.kind-run td:first-child {{ box-shadow: inset 4px 0 0 {RUN_COLOUR}; }}
tr.kind-brisk_walk td:first-child {{ box-shadow: inset 4px 0 0 {WALK_COLOUR}; }}
tr.is-projected td {{ font-style: italic; }}
tr.is-projected td .badge {{ font-style: normal; }}
ol.steps {{ margin: 0; padding-left: 1.2em; }}
ol.steps li {{ margin: 0 0 2px; }}
.badge {{ display: inline-block; border: 1px solid currentColor; border-radius: 999px; padding: 0 7px;
  font-size: .8em; white-space: nowrap; margin: 0 2px 2px 0; }}
.b-met, .b-confirmed {{ color: #1b6e35; }}
.b-unmet, .warn {{ color: #b0192b; }}
.b-provisional, .b-projected {{ color: {MUTED}; border-style: dashed; }}
.b-today {{ color: {INK}; font-weight: 600; border-width: 2px; }}
a {{ color: {WALK_COLOUR}; }}
figure.chart {{ margin: 0 0 1.2em; }}
.chart-svg {{ display: block; width: 100%; height: auto; font-size: 12px; font-family: inherit; }}
.chart-svg text {{ fill: {INK}; }}
.chart-svg .note {{ fill: {MUTED}; font-size: 11px; }}
.chart-svg .axis-title {{ fill: {MUTED}; }}
.chart-svg .grid {{ stroke: {GRID}; stroke-width: 1; }}
.chart-svg .axis-line {{ stroke: {INK}; stroke-width: 1; }}
figcaption {{ font-size: .85em; margin-top: 4px; }}
.swipe-hint, .print-only, .phone-legend, .print-ref {{ display: none; }}
details.chart-data summary {{ cursor: pointer; }}
ul.warnings {{ padding-left: 1.2em; }}
footer {{ margin-top: 2em; padding-top: .6em; border-top: 1px solid {GRID}; font-size: .85em; color: {MUTED}; }}
@media (max-width: 600px) {{
  body {{ padding: 12px; font-size: 15px; }}
  h1 {{ font-size: 1.4em; }}
  .cards {{ grid-template-columns: 1fr 1fr; }}
  .facts {{ display: block; }}
  .chart-scroll {{ overflow-x: auto; }}
  .chart-svg {{ min-width: 640px; }}
  table.stack, table.stack tbody, table.stack tr, table.stack td {{ display: block; width: 100%; }}
  table.stack thead {{ position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }}
  table.stack tr {{ border-bottom: 1px solid #8c8c8c; padding: 6px 0; }}
  table.stack td {{ border: 0; padding: 2px 0 2px 7.5em; position: relative; min-height: 1.4em; }}
  table.stack td::before {{ content: attr(data-label); position: absolute; left: 0; width: 7em;
    font-weight: 600; font-size: .85em; color: {MUTED}; }}
  table.stack td.empty {{ display: none; }}
  tr.kind-walk_run td:first-child, tr.kind-run td:first-child, tr.kind-brisk_walk td:first-child {{
    box-shadow: none; }}
  tr.kind-walk_run, tr.kind-run {{ border-left: 4px solid {RUN_COLOUR}; padding-left: 8px !important; }}
  tr.kind-brisk_walk {{ border-left: 4px solid {WALK_COLOUR}; padding-left: 8px !important; }}
  .swipe-hint {{ display: block; }}
  /* The chart scrolls sideways on a phone; its legend must not scroll out of view. */
  .chart-svg .legend {{ display: none; }}
  .phone-legend {{ display: flex; flex-wrap: wrap; gap: 2px 14px; list-style: none; margin: 0 0 4px; padding: 0;
    font-size: .85em; }}
  .phone-legend li {{ display: flex; align-items: center; gap: 5px; }}
}}
@media print {{
  @page {{ margin: 12mm 10mm; }}
  body {{ max-width: none; padding: 0; font-size: 8.5pt; line-height: 1.25; }}
  table.sessions th:nth-child(1) {{ width: 7.5em; }}
  table.sessions th:nth-child(2) {{ width: 30%; }}
  ol.steps li {{ margin: 0; }}
  table.sessions td:nth-child(4), table.sessions td:nth-child(5) {{ font-size: .9em; }}
  h2 {{ margin-top: 1em; }}
  th, td {{ padding: 3px 5px; }}
  .reason, .src, .week-sum, figcaption {{ font-size: .8em; }}
  .week {{ margin-bottom: 6px; }}
  table {{ margin-bottom: .4em; }}
  h2 {{ break-after: avoid; page-break-after: avoid; }}
  h3 {{ break-after: avoid; page-break-after: avoid; }}
  /* Weeks may run across a page (rows never do): keeping each week whole left half pages empty. */
  figure.chart, tr, .card {{ break-inside: avoid; page-break-inside: avoid; }}
  .chart-svg {{ max-height: 120mm; }}
  details.chart-data {{ display: none; }}
  .cards {{ grid-template-columns: repeat(4, minmax(0, 1fr)); }}
  a {{ color: inherit; text-decoration: none; }}
  /* Paper: one or two lines per session. Steps run inline, the effort phrase is said
     once above the weeks, provisional sessions are italics instead of a badge line. */
  .print-only {{ display: block; }}
  ol.steps {{ padding-left: 0; list-style: none; }}
  ol.steps li {{ display: inline; }}
  ol.steps li + li::before {{ content: " · "; color: {MUTED}; }}
  table.sessions th:nth-child(4), table.sessions td:nth-child(4) {{ display: none; }}
  table.sessions th:nth-child(1) {{ width: 6.8em; }}
  table.sessions th:nth-child(2) {{ width: 34%; }}
  table.sessions th:nth-child(5) {{ width: 4.5em; }}
  .status .b-provisional, .status .b-confirmed {{ display: none; }}
  tr.is-provisional td {{ font-style: italic; }}
  tr.kind-rest td {{ padding-top: 1px; padding-bottom: 1px; }}
  .week h3 {{ margin: .6em 0 .2em; }}
  .week.later {{ display: none; }}
  table.decisions .src {{ display: none; }}
  table.decisions .print-ref {{ display: inline; }}
  table.decisions th:nth-child(6) {{ width: 4.6em; }}
  ol.refs {{ font-size: .85em; padding-left: 1.6em; }}
  table.grid {{ table-layout: fixed; font-size: .9em; }}
  table.grid th:first-child {{ width: 5.5em; }}
  table.grid td, table.grid th {{ padding: 2px 3px; line-height: 1.2; }}
}}
"""
