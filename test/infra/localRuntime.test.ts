/**
 * `npm start` as a user runs it: a child process, with NODE_ENV unset (as in a terminal — the suite's own
 * NODE_ENV=test would hide signal handling that only exists outside tests), that prints its URL, serves,
 * keeps its data across restarts, and stops on real signals within 5 s in every state:
 * - Ctrl-C in a terminal (SIGINT to the whole process group) and SIGTERM from a supervisor (to npm alone);
 * - idle, while the demo is being created, during a selection run and an upload's commit;
 * - a client stuck mid-upload to S3 holds the orderly stop: a second Ctrl-C exits at once, and without
 *   one the stop deadline ends the process.
 * "Stopped" means: the process group is empty and every endpoint the banner printed refuses connections.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO } from '../../infra/local/demo.js';
import { commitUpload, createDataset, createUpload, inlineUpload, lightlyUploadFiles, presignedUpload, putUpload, tagFileNames } from '../support/datasets.js';
import { graphql, registerApiKey } from '../support/graphql.js';
import { startSelection, waitForRun, type RunView } from '../support/runs.js';

/** The promise to users: stopped within this long after the signal. */
const STOP_WITHIN_MS = 5_000;

interface StartedServer {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  readonly url: string;
  readonly key: string;
  /** Every endpoint the banner printed: GraphQL, DynamoDB, S3, Step Functions. */
  readonly endpoints: string[];
  output(): string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
}

const children: ChildProcessByStdio<null, Readable, Readable>[] = [];
const dirs: string[] = [];

async function dataDirectory(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'winnow-start-'));
  dirs.push(dir);
  return dir;
}

/** The environment of a terminal: the suite's own, without NODE_ENV. */
function terminalEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', WINNOW_API_KEY: '', ...extra };
  delete env.NODE_ENV;
  return env;
}

async function npmStart(env: Record<string, string>): Promise<StartedServer> {
  // Its own process group, as a terminal gives it: a signal to the group reaches npm and everything under it.
  const child = spawn('npm', ['start', '--silent'], { env: terminalEnv(env), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  children.push(child);
  let output = '';
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer) => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  const waitFor = (pattern: RegExp, timeoutMs = 120_000) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(output);
        if (match) {
          listeners.delete(check);
          clearTimeout(timer);
          resolve(match);
        }
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`${pattern} not printed:\n${output}`));
      }, timeoutMs);
      listeners.add(check);
      check();
    });
  const banner = await waitFor(/GraphQL API:\s+(http:\/\/\S+\/graphql)\s+API key:\s+(\S+)[\s\S]*DynamoDB:\s+(\S+)[\s\S]*S3:\s+(\S+)[\s\S]*Step Functions:\s+(\S+)\n/);
  const [, url, key, dynamodb, s3, sfn] = banner as unknown as [string, string, string, string, string, string];
  registerApiKey(url, key);
  return { child, url, key, endpoints: [url, dynamodb, s3, sfn], output: () => output, waitFor };
}

const groupAlive = (pgid: number) => {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
};

async function groupGone(pgid: number, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (groupAlive(pgid)) {
    if (Date.now() - started > timeoutMs) return Number.POSITIVE_INFINITY;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return Date.now() - started;
}

/** Sends the signal as a terminal (`group`) or a supervisor (`npm`) does; resolves with the ms until everything is gone. */
async function stopBy(server: StartedServer, signal: NodeJS.Signals, target: 'group' | 'npm'): Promise<number> {
  const pid = server.child.pid!;
  process.kill(target === 'group' ? -pid : pid, signal);
  const elapsed = await groupGone(pid, STOP_WITHIN_MS + 10_000);
  return elapsed;
}

async function expectEndpointsClosed(server: StartedServer): Promise<void> {
  for (const endpoint of server.endpoints) await expect(fetch(endpoint, { method: 'POST' }), endpoint).rejects.toThrow();
}

afterAll(async () => {
  for (const child of children) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

interface DemoIds {
  demo: string;
  queries: string;
}
const demoIds = async (server: StartedServer): Promise<DemoIds> => {
  const match = await server.waitFor(/dataset demo \(.*id (\S+)\)\n\s+dataset demo-queries .*\(id (\S+)\)/);
  return { demo: match[1]!, queries: match[2]! };
};

describe('npm start keeps its data', () => {
  it('a restart finds the datasets, tags, runs and demo of the last one; Ctrl-C and SIGTERM stop it while idle', async () => {
    const dataDir = await dataDirectory();
    const first = await npmStart({ WINNOW_DATA_DIR: dataDir });
    // The banner says where the data and the key live; the key file holds the key it printed.
    expect(first.output()).toContain(`Key file:     ${join(dataDir, 'api-key')}`);
    expect(first.output()).toContain(`Data:         ${dataDir} (kept across restarts`);
    expect((await readFile(join(dataDir, 'api-key'), 'utf8')).trim()).toBe(first.key);
    const refused = await graphql(first.url, '{ datasets { items { id } } }', {}, { authorization: 'Bearer wn_not_a_key' });
    expect(refused.status).toBe(401);
    expect(refused.errors![0]!.extensions).toEqual({ code: 'UNAUTHENTICATED' });

    const demo = await demoIds(first);
    expect(first.output()).toMatch(/Demo data \(created demo, demo-queries/);
    await first.waitFor(/Press Ctrl-C to stop/);
    const datasetId = await createDataset(first.url, 'kept-across-restarts');
    const upload = await inlineUpload(first.url, datasetId, lightlyUploadFiles({ samples: 60, dim: 4 }).files);
    expect(upload.data?.uploadInline.status).toBe('COMMITTED');
    const started = await startSelection(first.url, {
      d: datasetId,
      c: { n_samples: 7, strategies: [{ input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } }] },
      t: 'kept-tag',
    });
    const run = await waitForRun(first.url, started.data!.startSelection.id);
    expect(run.status).toBe('SUCCEEDED');
    const picks = await tagFileNames(first.url, datasetId, 'kept-tag');
    expect(picks).toHaveLength(7);

    // Ctrl-C in a terminal, idle.
    expect(await stopBy(first, 'SIGINT', 'group')).toBeLessThan(STOP_WITHIN_MS);
    expect(first.output()).toMatch(/SIGINT: stopping…[\s\S]*\nstopped\n/);
    expect(first.output()).not.toContain('exiting');
    await expectEndpointsClosed(first);
    expect(await readdir(dataDir)).toEqual(expect.arrayContaining(['api-key', 'dynamodb', 's3']));

    const second = await npmStart({ WINNOW_DATA_DIR: dataDir });
    expect(second.key).toBe(first.key);
    // The demo is there: not created again, same ids.
    expect(await demoIds(second)).toEqual(demo);
    expect(second.output()).toContain('Demo data (already there');
    await second.waitFor(/Press Ctrl-C to stop/);
    const listed = await graphql<{ datasets: { items: { id: string; name: string; sampleCount: number }[] } }>(second.url, '{ datasets { items { id name sampleCount } } }');
    expect(listed.data!.datasets.items).toEqual(
      expect.arrayContaining([
        { id: datasetId, name: 'kept-across-restarts', sampleCount: 60 },
        { id: demo.demo, name: DEMO.datasetName, sampleCount: DEMO.samples },
      ]),
    );
    expect(listed.data!.datasets.items).toHaveLength(3);
    const again = await graphql<{ selectionRun: RunView }>(second.url, 'query ($id: ID!) { selectionRun(id: $id) { id status resultTag { name count } } }', { id: run.id });
    expect(again.data!.selectionRun).toEqual({ id: run.id, status: 'SUCCEEDED', resultTag: { name: 'kept-tag', count: 7 } });
    expect(await tagFileNames(second.url, datasetId, 'kept-tag')).toEqual(picks);

    // SIGTERM from a supervisor reaches npm alone.
    expect(await stopBy(second, 'SIGTERM', 'npm')).toBeLessThan(STOP_WITHIN_MS);
    expect(second.output()).toMatch(/SIGTERM: stopping…[\s\S]*\nstopped\n/);
    await expectEndpointsClosed(second);
  }, 400_000);
});

describe('npm start stops on a signal', () => {
  it('SIGTERM to npm while the demo is being created; a throwaway instance (WINNOW_EPHEMERAL=1) leaves no data behind', async () => {
    const dataDir = await dataDirectory();
    const server = await npmStart({ WINNOW_DATA_DIR: dataDir, WINNOW_EPHEMERAL: '1' });
    expect(server.output()).toContain('Data:         temporary (WINNOW_EPHEMERAL)');
    // The demo's creation starts right after the banner and takes seconds.
    expect(server.output()).not.toContain('Demo data');
    expect(await stopBy(server, 'SIGTERM', 'npm')).toBeLessThan(STOP_WITHIN_MS);
    expect(server.output()).toMatch(/SIGTERM: stopping…[\s\S]*\nstopped\n/);
    // Cut short on purpose: no complaint about the demo.
    expect(server.output()).not.toContain('could not be created');
    await expectEndpointsClosed(server);
    // Only the key (and the demo's config, when written) — no tables, no objects.
    expect(existsSync(join(dataDir, 'dynamodb'))).toBe(false);
    expect(existsSync(join(dataDir, 's3'))).toBe(false);
  }, 300_000);

  it('Ctrl-C during a selection run and an upload being committed', async () => {
    const dataDir = await dataDirectory();
    const server = await npmStart({ WINNOW_DATA_DIR: dataDir, WINNOW_DEMO: '0' });
    const datasetId = await createDataset(server.url, 'busy');
    const upload = await presignedUpload(server.url, datasetId, lightlyUploadFiles({ samples: 4_000, dim: 32, layout: 'jsonl' }).files);
    expect(upload.commit.data?.commitUpload.status).toBe('COMMITTED');
    const started = await startSelection(server.url, {
      d: datasetId,
      c: {
        n_samples: 1_500,
        strategies: [
          { input: { type: 'EMBEDDINGS' }, strategy: { type: 'TYPICALITY' } },
          { input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } },
        ],
      },
      t: 'interrupted',
    });
    const runId = started.data!.startSelection.id;
    for (let status = ''; status !== 'RUNNING'; ) {
      const run = await graphql<{ selectionRun: { status: string } }>(server.url, 'query ($id: ID!) { selectionRun(id: $id) { status } }', { id: runId });
      status = run.data!.selectionRun.status;
      expect(['QUEUED', 'RUNNING']).toContain(status);
    }
    // A second upload, still being committed when the signal comes.
    const other = await createDataset(server.url, 'busy-upload');
    const sent = await putUpload(server.url, other, lightlyUploadFiles({ samples: 4_000, dim: 32, seed: 7, layout: 'jsonl' }).files);
    const committing = commitUpload(server.url, other, sent.upload.id).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const tookMs = await stopBy(server, 'SIGINT', 'group');
    expect(tookMs, server.output().slice(-2_000)).toBeLessThan(STOP_WITHIN_MS);
    // The orderly stop, not the deadline: nothing in flight (a socket kept alive by a client) holds it.
    expect(server.output()).toMatch(/SIGINT: stopping…[\s\S]*\nstopped\n/);
    await committing;
    await expectEndpointsClosed(server);
  }, 300_000);

  /** A client that has begun a PUT to a presigned S3 URL and sends nothing more: S3 waits for the rest. */
  async function stuckS3Upload(server: StartedServer): Promise<void> {
    const datasetId = await createDataset(server.url, 'stuck');
    const created = await createUpload(server.url, datasetId, [{ path: 'embeddings.csv', size: 1 << 20 }]);
    const target = new URL(created.data!.createUpload.files[0]!.url!);
    await new Promise<void>((resolve, reject) => {
      const put = request(target, { method: 'PUT', headers: { 'content-length': String(1 << 20) } });
      put.on('error', () => undefined); // the server goes away mid-request: expected
      put.write('filenames,embedding_0,labels\n', (error) => (error ? reject(error) : resolve()));
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
  }

  it('a second Ctrl-C exits at once while the orderly stop waits; without one the deadline ends it', async () => {
    const [waited, forced] = await Promise.all([
      npmStart({ WINNOW_DATA_DIR: await dataDirectory(), WINNOW_DEMO: '0' }),
      npmStart({ WINNOW_DATA_DIR: await dataDirectory(), WINNOW_DEMO: '0' }),
    ]);
    await Promise.all([stuckS3Upload(waited), stuckS3Upload(forced)]);

    // One Ctrl-C: the orderly stop waits for the upload, then gives up at its deadline.
    const deadline = stopBy(waited, 'SIGINT', 'group');
    // Ctrl-C, then Ctrl-C again a moment later.
    process.kill(-forced.child.pid!, 'SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(groupAlive(forced.child.pid!)).toBe(true);
    expect(await stopBy(forced, 'SIGINT', 'group')).toBeLessThan(1_000);
    expect(forced.output()).toMatch(/SIGINT: stopping…[\s\S]*SIGINT again: exiting now/);
    await expectEndpointsClosed(forced);

    expect(await deadline).toBeLessThan(STOP_WITHIN_MS);
    expect(waited.output()).toMatch(/SIGINT: stopping…[\s\S]*not stopped after 4 s: exiting anyway/);
    await expectEndpointsClosed(waited);
  }, 300_000);
});
