/** Selection-run helpers for tests: start over GraphQL, wait for a final status. */
import { graphql } from './graphql.js';

export const RUN_FIELDS = `id status phase failureReason resultTagName shardsTotal shardsDone picksSoFar
  summary { poolSize requested selected preselected stopReason notes dropped { reason count } }
  timings { phase milliseconds }
  resultTag { name count }`;

export interface RunView {
  id: string;
  status: string;
  phase: string | null;
  failureReason: string | null;
  resultTagName: string;
  shardsTotal: number | null;
  shardsDone: number | null;
  picksSoFar: number | null;
  summary: { poolSize: number; requested: number; selected: number; preselected: number; stopReason: string; notes: string[]; dropped: { reason: string; count: number }[] } | null;
  timings: { phase: string; milliseconds: number }[];
  resultTag: { name: string; count: number } | null;
}

export async function startSelection(url: string, args: Record<string, unknown>) {
  return graphql<{ startSelection: RunView }>(
    url,
    `mutation ($d: ID!, $c: JSON, $t: String!, $i: String, $p: String, $k: String) {
      startSelection(datasetId: $d, config: $c, resultTagName: $t, inputTagName: $i, preselectedTagName: $p, idempotencyKey: $k) { ${RUN_FIELDS} } }`,
    args,
  );
}

export async function waitForRun(url: string, id: string, timeoutMs = 120_000): Promise<RunView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await graphql<{ selectionRun: RunView }>(url, `query ($id: ID!) { selectionRun(id: $id) { ${RUN_FIELDS} } }`, { id });
    if (!result.data) throw new Error(JSON.stringify(result.errors));
    const run = result.data.selectionRun;
    if (['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(run.status)) return run;
    if (Date.now() > deadline) throw new Error(`run ${id} still ${run.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
