/**
 * Charts as inline SVG strings, drawn on the server: the report needs no script and no network, and every
 * point is a `<circle>` and every bar a `<rect class="bar">` with data attributes, so the figures can be
 * checked in the DOM. Legend swatches are `<rect class="swatch">`.
 */

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(2));
const num = (v: number) => (Math.abs(v) >= 1e5 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(2) : Number(v.toPrecision(4)).toString());

export interface Series {
  readonly name: string;
  readonly color: string;
}

export const SERIES = {
  // The rows the selection chose from (the report's "candidates"; the pool is counted before thresholds).
  pool: { name: 'candidates', color: '#9aa5b1' },
  picks: { name: 'picks', color: '#d9480f' },
  target: { name: 'target', color: '#1971c2' },
} as const satisfies Record<string, Series>;

function legend(series: readonly Series[], x: number, y: number): string {
  return series
    .map(
      (s, i) =>
        `<rect class="swatch" x="${x + i * 90}" y="${y}" width="12" height="12" fill="${s.color}"/>` +
        `<text x="${x + i * 90 + 16}" y="${y + 10}" font-size="12">${escapeXml(s.name)}</text>`,
    )
    .join('');
}

export interface ScatterPoint {
  readonly x: number;
  readonly y: number;
  readonly picked: boolean;
  readonly row: number;
  readonly label: string;
}

/** A scatter plot of the projection; picks drawn larger, on top, in the picks' colour. */
export function scatterChart(points: readonly ScatterPoint[], attributes: Record<string, string>, width = 640, height = 480): string {
  const pad = 28;
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const [x0, x1] = points.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  const [y0, y1] = points.length ? [Math.min(...ys), Math.max(...ys)] : [0, 1];
  const sx = (v: number) => pad + ((v - x0) / (x1 - x0 || 1)) * (width - 2 * pad);
  const sy = (v: number) => height - pad - ((v - y0) / (y1 - y0 || 1)) * (height - 2 * pad - 20);
  const circles = points
    .map(
      (p) =>
        `<circle cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="${p.picked ? 4 : 2.5}" fill="${p.picked ? SERIES.picks.color : SERIES.pool.color}"` +
        ` fill-opacity="${p.picked ? 0.95 : 0.55}" data-row="${p.row}" data-picked="${p.picked}"><title>${escapeXml(p.label)}</title></circle>`,
    )
    .join('');
  return svg(attributes, width, height, `${legend([SERIES.pool, SERIES.picks], pad, 4)}<g>${circles}</g>`);
}

export interface BarGroup {
  readonly label: string;
  /** Text under the group when shorter than the label (a bin's lower edge); default the label. */
  readonly tick?: string;
  /** One value per series, in the series' order; `count` is what the value was computed from, if any. */
  readonly values: readonly { readonly value: number; readonly count?: number }[];
}

/**
 * Grouped vertical bars, one group per label (a bin, a class, a strategy), one bar per series. Values are
 * drawn on a shared linear axis from 0 to the largest value.
 */
export function barChart(groups: readonly BarGroup[], series: readonly Series[], attributes: Record<string, string>, options: { width?: number; height?: number; percent?: boolean } = {}): string {
  const width = options.width ?? Math.max(360, Math.min(960, 60 + groups.length * (series.length * 14 + 10)));
  const height = options.height ?? 260;
  const left = 44;
  const top = 24;
  const bottom = 64;
  const plotHeight = height - top - bottom;
  const max = Math.max(1e-12, ...groups.flatMap((g) => g.values.map((v) => v.value)));
  const groupWidth = (width - left - 8) / Math.max(1, groups.length);
  const barWidth = Math.max(2, (groupWidth - 6) / series.length);
  const label = (v: number) => (options.percent ? `${(v * 100).toFixed(1)}%` : num(v));
  const bars = groups
    .map((group, g) => {
      const x = left + g * groupWidth + 3;
      const rects = group.values
        .map((v, s) => {
          const h = (Math.max(0, v.value) / max) * plotHeight;
          const count = v.count !== undefined ? ` data-count="${v.count}"` : '';
          return (
            `<rect class="bar" x="${(x + s * barWidth).toFixed(1)}" y="${(top + plotHeight - h).toFixed(1)}" width="${(barWidth - 1).toFixed(1)}" height="${h.toFixed(1)}"` +
            ` fill="${series[s]!.color}" data-series="${escapeXml(series[s]!.name)}" data-group="${escapeXml(group.label)}" data-value="${v.value}"${count}>` +
            `<title>${escapeXml(`${group.label} — ${series[s]!.name}: ${label(v.value)}${v.count !== undefined ? ` (${v.count})` : ''}`)}</title></rect>`
          );
        })
        .join('');
      const tick = group.tick ?? group.label;
      const text = tick.length > 14 ? `${tick.slice(0, 13)}…` : tick;
      const tx = x + (groupWidth - 6) / 2;
      const ty = top + plotHeight + 12;
      return `${rects}<text x="${tx.toFixed(1)}" y="${ty}" font-size="10" text-anchor="end" transform="rotate(-35 ${tx.toFixed(1)} ${ty})">${escapeXml(text)}</text>`;
    })
    .join('');
  const axis =
    `<line x1="${left}" y1="${top + plotHeight}" x2="${width - 4}" y2="${top + plotHeight}" stroke="#555"/>` +
    `<text x="${left - 4}" y="${top + 4}" font-size="10" text-anchor="end">${label(max)}</text>` +
    `<text x="${left - 4}" y="${top + plotHeight}" font-size="10" text-anchor="end">0</text>`;
  return svg(attributes, width, height, `${legend(series, left, 2)}${axis}${bars}`);
}

function svg(attributes: Record<string, string>, width: number, height: number, body: string): string {
  const attrs = Object.entries(attributes)
    .map(([k, v]) => ` ${k}="${escapeXml(v)}"`)
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img"${attrs}>${body}</svg>`;
}

export { fmt as formatCount, num as formatNumber };
