/**
 * `report.html`: one self-contained page (inline CSS and SVG, no script, no external resource; a
 * Content-Security-Policy forbids loading anything, so it renders the same offline) drawn from the
 * figures of `report.json`.
 */
import type { BalanceFigure, ContributionFigure, MetadataFigure, ReportFigures, ScoreFigure } from './figures.js';
import type { HistogramBin } from './distributions.js';
import { barChart, escapeXml, formatNumber, scatterChart, SERIES, type BarGroup } from './svg.js';

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px auto; max-width: 1040px; color: #1f2933; padding: 0 16px; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 18px; margin-top: 32px; border-bottom: 1px solid #d9e2ec; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 18px 0 4px; } .muted { color: #616e7c; } .figure { margin: 8px 0 16px; }
table { border-collapse: collapse; margin: 8px 0; } td, th { border: 1px solid #d9e2ec; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f5f7fa; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
pre { background: #f5f7fa; padding: 10px; overflow: auto; max-height: 360px; } svg { max-width: 100%; height: auto; }
.kv { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; } .kv div:nth-child(odd) { color: #616e7c; }
`;

const esc = escapeXml;
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const share = (count: number, total: number) => (total > 0 ? count / total : 0);

function table(head: readonly string[], rows: readonly (readonly (string | number)[])[], cls = ''): string {
  const cell = (v: string | number) => (typeof v === 'number' ? `<td class="num">${esc(formatNumber(v))}</td>` : `<td>${esc(v)}</td>`);
  return `<table class="${cls}"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map(cell).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

function summarySection(f: ReportFigures): string {
  const s = f.summary;
  const kv = (pairs: [string, string | number | undefined][]) =>
    `<div class="kv">${pairs
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `<div>${esc(k)}</div><div>${esc(String(v))}</div>`)
      .join('')}</div>`;
  const dropped = s.dropped.length
    ? table(['dropped rows', 'count'], s.dropped.map((d) => [d.reason, d.count]), 'dropped')
    : '<p class="muted">No rows were dropped.</p>';
  const notes = s.notes.length ? `<ul class="notes">${s.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : '';
  return `<section id="summary"><h2>Summary</h2>
${kv([
  ['dataset', `${f.run.datasetName} (${f.run.datasetId})`],
  ['result tag', f.run.resultTagName],
  ['input tag', f.run.inputTagName ?? 'initial-tag'],
  ['preselected tag', f.run.preselectedTagName],
  ['pool (before thresholds)', s.poolSize],
  ['candidates (the pool less the rows outside the input tag, lacking a value or removed by a threshold)', s.candidates],
  ['requested', s.requested],
  ['selected', s.selected],
  ['preselected', s.preselected],
  ['stop reason', s.stopReason],
  ['created', f.run.createdAt],
  ['finished', f.run.finishedAt],
])}
${dropped}${notes}
<h3>Timings</h3>${table(['phase', 'milliseconds'], f.timings.map((t) => [t.phase, Math.round(t.milliseconds)]), 'timings')}
</section>`;
}

function projectionSection(f: ReportFigures): string {
  const p = f.projection;
  const variance = p.explainedVariance.length ? ` PC1 ${pct(p.explainedVariance[0]!)}, PC2 ${pct(p.explainedVariance[1] ?? 0)} of the variance.` : '';
  const chart = scatterChart(
    p.points.map((pt) => ({ x: pt.x, y: pt.y, picked: pt.picked, row: pt.row, label: `${pt.fileName}${pt.picked ? ' (picked)' : ''}` })),
    { 'data-chart': 'projection' },
  );
  return `<section id="projection"><h2>Embeddings (PCA)</h2>
<p class="muted">${p.poolShown} of ${p.poolTotal - p.picksTotal} candidates that were not picked (a seeded sample, at most ${f.caps.projectionPool}) and ${p.picksShown} of ${p.picksTotal} picks (the first ${f.caps.projectionPicks} in pick order), projected on the sample's two principal components.${variance}</p>
<div class="figure">${chart}</div></section>`;
}

function contributionSection(contributions: readonly ContributionFigure[]): string {
  if (!contributions.length) return '';
  const groups: BarGroup[] = contributions.map((c) => ({ label: `[${c.strategy}] ${c.type}`, values: [{ value: c.share }] }));
  return `<section id="contributions"><h2>What each strategy contributed</h2>
<p class="muted">A pick's score is Σ strength × ln(objective), each objective ≤ 1 for the best candidate of its strategy. Share: this strategy's term summed over the picks (absolute value), against all strategies'. A strategy whose picks were all its best candidates (objective 1) adds nothing to the score: it had its way at no cost.</p>
<div class="figure">${barChart(groups, [{ name: 'share of the score', color: SERIES.picks.color }], { 'data-chart': 'contributions' }, { percent: true })}</div>
${table(
  ['strategy', 'input', 'strength', 'mean objective', 'mean strength × ln(objective)', 'share'],
  contributions.map((c) => [`[${c.strategy}] ${c.type}`, c.input, c.strength, c.meanObjective, c.meanContribution, pct(c.share)]),
)}</section>`;
}

function balanceSection(figures: readonly BalanceFigure[]): string {
  if (!figures.length) return '';
  const charts = figures.map((b) => {
    const groups: BarGroup[] = b.classes.map((c) => ({ label: c.name, values: [{ value: c.pool }, { value: c.picks }, { value: c.target }] }));
    return `<h3>[${b.strategy}] BALANCE on ${esc(b.input)} <span class="muted">(${esc(b.distribution)})</span></h3>
<div class="figure">${barChart(groups, [SERIES.pool, SERIES.picks, SERIES.target], { 'data-chart': 'balance', 'data-strategy': String(b.strategy) }, { percent: true })}</div>
${table(['class', 'candidates', 'picks', 'target'], b.classes.map((c) => [c.name, pct(c.pool), pct(c.picks), pct(c.target)]))}`;
  });
  return `<section id="balance"><h2>Class shares: candidates, picks, target</h2>${charts.join('')}</section>`;
}

/** Candidates and picks as shares of their own totals, so a few picks compare with many candidates. */
function histogramGroups(bins: readonly HistogramBin[]): BarGroup[] {
  const poolTotal = bins.reduce((n, b) => n + b.pool, 0);
  const pickTotal = bins.reduce((n, b) => n + b.picks, 0);
  return bins.map((b) => ({
    label: `${formatNumber(b.from)}–${formatNumber(b.to)}`,
    tick: formatNumber(b.from),
    values: [
      { value: share(b.pool, poolTotal), count: b.pool },
      { value: share(b.picks, pickTotal), count: b.picks },
    ],
  }));
}

const missingNote = (m: { pool: number; picks: number }) => (m.pool || m.picks ? `<p class="muted">Without a value: ${m.pool} candidates, ${m.picks} picks.</p>` : '');

function scoreSection(figures: readonly ScoreFigure[]): string {
  if (!figures.length) return '';
  const charts = figures.map(
    (s) => `<h3>[${s.strategy}] ${esc(s.type)} on ${esc(s.input)}</h3>
<div class="figure">${barChart(histogramGroups(s.bins), [SERIES.pool, SERIES.picks], { 'data-chart': 'scores', 'data-strategy': String(s.strategy) }, { percent: true })}</div>${missingNote(s.missing)}`,
  );
  return `<section id="scores"><h2>Scores and weights: candidates vs picks</h2><p class="muted">Share of each series per bin.</p>${charts.join('')}</section>`;
}

function metadataSection(figures: readonly MetadataFigure[]): string {
  if (!figures.length) return '';
  const charts = figures.map((m) => {
    let groups: BarGroup[];
    if (m.kind === 'numeric') groups = histogramGroups(m.bins ?? []);
    else {
      const categories = m.categories ?? [];
      const poolTotal = categories.reduce((n, c) => n + c.pool, 0);
      const pickTotal = categories.reduce((n, c) => n + c.picks, 0);
      groups = categories.map((c) => ({
        label: c.name,
        values: [
          { value: share(c.pool, poolTotal), count: c.pool },
          { value: share(c.picks, pickTotal), count: c.picks },
        ],
      }));
    }
    const used = m.strategies.map((s) => `strategies[${s}]`).join(', ');
    return `<h3>${esc(m.key)} <span class="muted">(${m.kind}; read by ${esc(used)})</span></h3>
<div class="figure">${barChart(groups, [SERIES.pool, SERIES.picks], { 'data-chart': 'metadata', 'data-key': m.key }, { percent: true })}</div>${missingNote(m.missing)}`;
  });
  return `<section id="metadata"><h2>Metadata: candidates vs picks</h2><p class="muted">Share of each series per value.</p>${charts.join('')}</section>`;
}

function picksSection(f: ReportFigures): string {
  const more = f.summary.selected > f.topPicks.length ? `<p class="muted">The first ${f.topPicks.length} of ${f.summary.selected}; all of them are in the result tag and in the run's picks.</p>` : '';
  return `<section id="picks"><h2>First picks</h2>${table(['rank', 'file name', 'score'], f.topPicks.map((p) => [p.rank, p.fileName, p.score]), 'picks')}${more}</section>`;
}

function sequencesSection(f: ReportFigures): string {
  const s = f.sequences;
  if (!s) return '';
  const more = s.total > s.picked.length ? `<p class="muted">The first ${s.picked.length} of ${s.total}; all of them are in the result tag.</p>` : '';
  return `<section id="sequences"><h2>Picked sequences</h2><p class="muted">Clips of ${s.length} consecutive frames, in pick order; the result tag holds every frame.</p>${table(
    ['video', 'first frame', 'last frame', 'frames'],
    s.picked.map((p) => [p.video, p.firstFrame, p.lastFrame, p.frames]),
    'sequences',
  )}${more}</section>`;
}

function duplicatesSection(f: ReportFigures): string {
  const d = f.duplicates;
  if (!d) return '';
  const more = d.count > d.listed.length ? `<p class="muted">The first ${d.listed.length} of ${d.count}.</p>` : '';
  return `<section id="duplicates"><h2>Exact duplicates removed</h2><p class="muted">Each removed sample's embedding row is bit-identical to the one it duplicates, which was kept (the first in upload order).</p>${table(
    ['removed sample', 'duplicate of'],
    d.listed.map((x) => [x.fileName, x.duplicateOf]),
    'duplicates',
  )}${more}</section>`;
}

export function renderReportHtml(f: ReportFigures): string {
  const title = `Selection ${f.run.resultTagName} — ${f.run.datasetName}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><style>${STYLE}</style></head>
<body data-run="${esc(f.run.id)}">
<h1>${esc(title)}</h1>
<p class="muted">Run ${esc(f.run.id)} · ${f.summary.selected} picked of ${f.summary.candidates} candidates (pool ${f.summary.poolSize}) · stop reason ${esc(f.summary.stopReason)} · report generated ${esc(f.generatedAt)}</p>
${summarySection(f)}
${projectionSection(f)}
${contributionSection(f.contributions)}
${balanceSection(f.balance)}
${scoreSection(f.scores)}
${metadataSection(f.metadata)}
${picksSection(f)}
${sequencesSection(f)}
${duplicatesSection(f)}
<section id="config"><h2>Config</h2><pre>${esc(JSON.stringify(f.config, null, 2))}</pre></section>
<p class="muted">The same figures are in report.json next to this file.</p>
</body></html>
`;
}
