/**
 * Where a run's report lives: `runs/<id>/report.json` (the figures) and `runs/<id>/report.html` (the
 * page). The JSON is written first and the HTML last, so an HTML object means the report is complete.
 */
import type { BlobStore } from '../store/blobs.js';
import type { ReportFigures } from './figures.js';
import { renderReportHtml } from './html.js';

export const reportKeys = {
  json: (runId: string) => `runs/${runId}/report.json`,
  html: (runId: string) => `runs/${runId}/report.html`,
};

export async function storeReport(blobs: BlobStore, figures: ReportFigures): Promise<{ jsonKey: string; htmlKey: string }> {
  const html = renderReportHtml(figures);
  const jsonKey = reportKeys.json(figures.run.id);
  const htmlKey = reportKeys.html(figures.run.id);
  await blobs.putJson(jsonKey, figures);
  await blobs.put(htmlKey, html, 'text/html; charset=utf-8');
  return { jsonKey, htmlKey };
}

/** Whether the run's report is complete in S3. */
export async function reportExists(blobs: BlobStore, runId: string): Promise<boolean> {
  return (await blobs.size(reportKeys.html(runId))) !== undefined;
}
