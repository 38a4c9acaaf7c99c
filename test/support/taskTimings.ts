/** Reading a run's task timings over GraphQL, and an embeddings CSV big enough for several shards. */
import { graphql } from './graphql.js';

export interface TaskTimingView {
  task: string;
  shard: number | null;
  hop: number | null;
  milliseconds: number;
  peakRssMb: number;
}

export async function taskTimings(url: string, runId: string): Promise<TaskTimingView[]> {
  const answer = await graphql<{ selectionRun: { taskTimings: TaskTimingView[] } }>(
    url,
    'query ($id: ID!) { selectionRun(id: $id) { taskTimings { task shard hop milliseconds peakRssMb } } }',
    { id: runId },
  );
  if (!answer.data) throw new Error(JSON.stringify(answer.errors));
  return answer.data.selectionRun.taskTimings;
}

/**
 * The run's task timings once Finish's entry is there: it is written as the task ends, just after the
 * run turns SUCCEEDED.
 */
export async function finishedTaskTimings(url: string, runId: string, timeoutMs = 10_000): Promise<TaskTimingView[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const timings = await taskTimings(url, runId);
    if (timings.some((t) => t.task === 'finish') || Date.now() > deadline) return timings;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** `rows` rows of `dim` embeddings around 8 centres, from a fixed-seed generator. */
export function clusteredEmbeddingsCsv(rows: number, dim: number): Buffer {
  let state = 3;
  const random = () => ((state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32);
  const centers = Array.from({ length: 8 * dim }, () => random() * 2 - 1);
  const lines = ['filenames,' + Array.from({ length: dim }, (_, d) => `embedding_${d}`).join(',') + ',labels'];
  for (let i = 0; i < rows; i++) {
    const center = (i % 8) * dim;
    lines.push(`frame_${i}.jpg,${Array.from({ length: dim }, (_, d) => (centers[center + d]! + (random() - 0.5) * 0.3).toFixed(4)).join(',')},0`);
  }
  return Buffer.from(lines.join('\n') + '\n');
}
