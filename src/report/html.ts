/**
 * The report as one self-contained HTML file: styles, every chart's SVG, the trial data (as JSON)
 * and the one small script that turns that data into a sortable trial table are all inlined. The
 * page fetches nothing; charts are visible with scripts off.
 */
import type { Gallery, ReportModel, Section } from './build.ts';
import { formatNumber, renderSvg, type Chart } from './render.ts';

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** JSON that is safe inside a <script> element (no `</script>`, no HTML comment openers). */
export function inlineJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

const STYLE = `
body{font-family:system-ui,sans-serif;margin:0 auto;max-width:960px;padding:1.5rem;color:#222;background:#fff}
h1{margin:0 0 .3rem}h2{margin:2rem 0 .5rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}h3{margin:.8rem 0 .2rem;font-size:1rem}
.caption{color:#555;font-size:.85rem;margin:.1rem 0 .4rem}.note{color:#8a5300;font-size:.9rem}
.charts{display:flex;flex-wrap:wrap;gap:.6rem}.chart svg{display:block;max-width:100%;height:auto}
.holdout{border:3px double #7a3e9d;border-radius:6px;padding:0 1rem 1rem;margin-top:2.5rem;background:#fbf7fd}
table{border-collapse:collapse;font-size:.85rem}td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left}th{cursor:pointer;background:#f4f4f4}
nav a{margin-right:.8rem;font-size:.9rem}
.overlays{display:flex;flex-wrap:wrap;gap:.6rem}.overlay{margin:0;width:170px;font-size:.72rem;color:#333;word-break:break-all}.overlay img{display:block;image-rendering:pixelated;border:2px solid #c0392b}.overlay[data-kind="minority found"] img{border-color:#2e7d32}
`;

/** Sorts the trial table by a clicked column; builds it from the inlined JSON. */
const SCRIPT = `
(function(){
  var data = JSON.parse(document.getElementById('skewer-data').textContent);
  var host = document.getElementById('trial-table');
  var names = [];
  data.trials.forEach(function(t){ Object.keys(t.params).forEach(function(k){ if (names.indexOf(k) < 0) names.push(k); }); });
  var columns = ['number','state','value','agent','attempts'].concat(names);
  var key = 'number', dir = 1;
  function cell(t, c){ var v = c in t.params ? t.params[c] : t[c]; return v === undefined || v === null ? '' : v; }
  function draw(){
    var rows = data.trials.slice().sort(function(a,b){ var x = cell(a,key), y = cell(b,key); return (x < y ? -1 : x > y ? 1 : 0) * dir; });
    var table = document.createElement('table');
    var head = table.insertRow();
    columns.forEach(function(c){ var th = document.createElement('th'); th.textContent = c + (c === key ? (dir > 0 ? ' ▲' : ' ▼') : ''); th.onclick = function(){ dir = key === c ? -dir : 1; key = c; draw(); }; head.appendChild(th); });
    rows.forEach(function(t){ var tr = table.insertRow(); columns.forEach(function(c){ var v = cell(t,c); tr.insertCell().textContent = typeof v === 'number' && !Number.isInteger(v) ? v.toPrecision(4) : String(v); }); });
    host.replaceChildren(table);
  }
  draw();
})();
`;

function chartHtml(chart: Chart): string {
  return `<figure class="chart" id="chart-${escapeHtml(chart.id)}" data-chart="${escapeHtml(chart.id)}" style="margin:0;width:${chart.width}px;max-width:100%">
<h3>${escapeHtml(chart.title)}</h3><p class="caption">${escapeHtml(chart.caption)}</p>
${renderSvg(chart)}
</figure>`;
}

function galleryHtml(gallery: Gallery): string {
  const notes = gallery.notes.map((n) => `<p class="note">${escapeHtml(n)}</p>`).join('');
  const images = gallery.images
    .map((image) => `<figure class="overlay" data-kind="${escapeHtml(image.kind)}"><img src="data:image/png;base64,${image.png.toString('base64')}" width="${image.width}" height="${image.height}" alt="${escapeHtml(image.lines.join(', '))}">` +
      `<figcaption>${image.lines.map((line) => `<span>${escapeHtml(line)}</span>`).join('<br>')}</figcaption></figure>`)
    .join('\n');
  return `<div class="gallery" id="${escapeHtml(gallery.id)}"><h3>${escapeHtml(gallery.title)}</h3><p class="caption">${escapeHtml(gallery.caption)}</p>${notes}<div class="overlays">${images}</div></div>`;
}

function sectionHtml(section: Section): string {
  const facts = section.facts?.length
    ? `<table>${section.facts.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</table>`
    : '';
  const notes = section.notes.map((n) => `<p class="note">${escapeHtml(n)}</p>`).join('');
  const body = `<h2 id="${escapeHtml(section.id)}">${escapeHtml(section.title)}</h2>${notes}${facts}<div class="charts">${section.charts.map(chartHtml).join('\n')}</div>${section.gallery ? galleryHtml(section.gallery) : ''}`;
  return section.id === 'retrain' ? `<section class="holdout">${body}</section>` : `<section>${body}</section>`;
}

export function renderReportHtml(model: ReportModel): string {
  const counts = Object.entries(model.counts).filter(([, n]) => n > 0).map(([state, n]) => `${n} ${state}`).join(', ');
  const best = model.best ? `best: trial #${model.best.number}, ${escapeHtml(model.valueLabel)} ${formatNumber(model.best.value)}` : 'no complete trial yet';
  const data = { study: model.study, valueLabel: model.valueLabel, direction: model.direction, importance: model.importance, trials: model.trials };
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>skewer report: ${escapeHtml(model.study)}</title><style>${STYLE}</style></head>
<body>
<h1>Study ${escapeHtml(model.study)}</h1>
<p>${escapeHtml(model.valueLabel)} (${model.direction}); ${escapeHtml(counts || 'no trials')}; ${best}. Generated ${escapeHtml(model.generatedAt)} by skewer report.</p>
<nav>${model.sections.map((s) => `<a href="#${escapeHtml(s.id)}">${escapeHtml(s.title)}</a>`).join('')}<a href="#trials">Trials</a></nav>
${model.sections.map(sectionHtml).join('\n')}
<section><h2 id="trials">Trials</h2><p class="caption">Click a column to sort.</p><div id="trial-table"></div></section>
<script type="application/json" id="skewer-data">${inlineJson(data)}</script>
<script>${SCRIPT}</script>
</body></html>
`;
}
