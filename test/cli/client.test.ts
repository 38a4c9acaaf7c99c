/**
 * The API client commands end to end: the `winnow` bin runs as a subprocess (real exit codes, stdout and
 * stderr, its own HOME) against the local runtime — login, upload, select --wait, runs, tags,
 * download-tag, report — and its failures: wrong key, unreachable server, rejected upload, failed run (no report),
 * and an upload killed mid-transfer that a rerun resumes.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.js';
import type { LocalTaskHandler } from '../../infra/local/stepFunctions.js';
import { writeLightlyFolder } from '../../infra/local/lightlyFolder.js';
import { createDataset, datasetState, tagFileNames } from '../support/datasets.js';
import { graphql, uniqueName } from '../support/graphql.js';
import { startTestRuntime } from '../support/runtime.js';

const BIN = join(import.meta.dirname, '../../functions/cli/winnow.js');

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the bin; `onStderr` sees stderr as it arrives and may kill the process. */
function winnow(args: readonly string[], options: { env?: NodeJS.ProcessEnv; input?: string; onStderr?: (soFar: string, kill: () => void) => void } = {}): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: options.env ?? env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      options.onStderr?.(stderr, () => child.kill('SIGKILL'));
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

const scratch: string[] = [];
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
};

/** While set, every Shard task throws: a run that FAILS for real in the workflow. */
let failShards = false;
const wrapTask =
  (state: string, handler: LocalTaskHandler): LocalTaskHandler =>
  async (input) => {
    if (state === 'Shard' && failShards) throw new Error('disk on fire');
    return handler(input);
  };

let runtime: LocalRuntime;
let home: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  runtime = await startTestRuntime({ wrapTask });
  home = tempDir('winnow-cli-home-');
  const { WINNOW_API_URL: _url, WINNOW_API_KEY: _key, ...inherited } = process.env;
  env = { ...inherited, HOME: home, XDG_CONFIG_HOME: join(home, 'config'), XDG_DATA_HOME: join(home, 'data') };
});
afterAll(async () => {
  await runtime.stop();
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

const DIVERSE = `// the documentation's first example, comments and all
{ "n_samples": 12, "strategies": [ { "input": { "type": "EMBEDDINGS" }, "strategy": { "type": "DIVERSITY" } }, ] }`;

async function datasetIdOf(name: string): Promise<string> {
  const result = await graphql<{ datasets: { items: { id: string; name: string }[] } }>(runtime.url, '{ datasets(first: 100) { items { id name } } }');
  return result.data!.datasets.items.find((d) => d.name === name)!.id;
}

describe('winnow client: the main flow', () => {
  it('logs in, uploads a folder, selects on the server, lists runs and tags, downloads the tag and the report', { timeout: 180_000 }, async () => {
    // login: a wrong key is refused and nothing is saved; the right one (on stdin) is saved, mode 0600.
    const configFile = join(home, 'config', 'winnow', 'config.json');
    const wrong = await winnow(['login', '--url', runtime.url, '--key', 'wn_0000_wrong']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/API key was refused .*HTTP 401, UNAUTHENTICATED/);
    expect(existsSync(configFile)).toBe(false);
    const login = await winnow(['login', '--url', runtime.url], { input: `${runtime.apiKey}\n` });
    expect(login.code, login.stderr).toBe(0);
    expect(JSON.parse(readFileSync(configFile, 'utf8'))).toEqual({ url: runtime.url, key: runtime.apiKey });
    expect(statSync(configFile).mode & 0o777).toBe(0o600);

    // upload: creates the dataset, skips the tags, commits every sample.
    const name = uniqueName('cli-flow');
    const folder = writeLightlyFolder({ samples: 90, dim: 6, layout: 'jsonl' });
    scratch.push(folder.dir);
    // An unknown name is refused without --create (a typo makes no dataset).
    const typo = await winnow(['upload', folder.dir, '--dataset', name]);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toMatch(new RegExp(`no dataset named "${name}": add --create to create it`));
    expect((await winnow(['datasets'])).stdout).not.toContain(name);
    const upload = await winnow(['upload', folder.dir, '--dataset', name, '--create']);
    expect(upload.code, upload.stderr).toBe(0);
    expect(upload.stderr).toMatch(new RegExp(`created dataset ${name}`));
    expect(upload.stderr).toMatch(/skipping \d+ files? outside the upload layout \(e\.g\. \.lightly\/tags\//);
    expect(upload.stderr).toMatch(/committed: 90 samples added/);
    const datasetId = await datasetIdOf(name);
    const state = await datasetState(runtime.url, datasetId);
    expect(state.sampleCount).toBe(90);
    expect(state.metadataKeys.map((k) => k.name)).toContain('weather.description');
    expect(state.tasks.length).toBeGreaterThan(0);

    const datasets = await winnow(['datasets']);
    expect(datasets.code).toBe(0);
    expect(datasets.stdout).toMatch(new RegExp(`^${name}\\s+90\\s+${datasetId}`, 'm'));

    // select --wait: the run id on stdout, progress and the summary on stderr.
    const config = join(tempDir('winnow-cli-config-'), 'diverse.jsonc');
    writeFileSync(config, DIVERSE);
    const select = await winnow(['select', '--dataset', name, '--config', config, '--tag', 'diverse', '--wait']);
    expect(select.code, select.stderr).toBe(0);
    const runId = select.stdout.trim();
    expect(runId).toMatch(/^[0-9a-f-]{36}$/);
    expect(select.stderr).toMatch(new RegExp(`run ${runId}: (QUEUED|RUNNING)`));
    expect(select.stderr).toMatch(/SUCCEEDED: selected 12 \(pool 90, before thresholds; .*tag "diverse" has 12 samples/);

    const runs = await winnow(['runs', '--dataset', name]);
    expect(runs.code).toBe(0);
    expect(runs.stdout).toMatch(new RegExp(`^${runId}\\s+SUCCEEDED\\s+diverse\\s+12\\s`, 'm'));
    const tags = await winnow(['tags', '--dataset', name]);
    expect(tags.code).toBe(0);
    expect(tags.stdout).toMatch(new RegExp(`^diverse\\s+12\\s+selection:${runId}`, 'm'));
    expect(tags.stdout).toMatch(/^initial-tag\s+90\s+system/m);

    const download = await winnow(['download-tag', '--dataset', name, 'diverse']);
    expect(download.code, download.stderr).toBe(0);
    const expected = await tagFileNames(runtime.url, datasetId, 'diverse');
    expect(expected).toHaveLength(12);
    expect(download.stdout).toBe(expected.map((n) => `${n}\n`).join(''));

    // The run's report: the HTML page and its figures, written where asked, the path on stdout.
    const cwd = tempDir('winnow-cli-report-');
    const out = join(cwd, 'report.html');
    const figures = join(cwd, 'report.json');
    const report = await winnow(['report', runId, '--out', out, '--json', figures]);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toContain(out);
    // --open on a machine without a display says so instead of claiming it opened anything.
    const headless = await winnow(['report', runId, '--out', out, '--open'], { env: { ...env, DISPLAY: '', WAYLAND_DISPLAY: '' } });
    expect(headless.code, headless.stderr).toBe(0);
    expect(headless.stderr).toMatch(/not opened: this machine has no display .*; open .*report\.html yourself/);
    expect(headless.stderr).not.toMatch(/^opened/m);
    expect(readFileSync(out, 'utf8')).toContain('<svg');
    const json = JSON.parse(readFileSync(figures, 'utf8')) as { run: { id: string }; summary: { selected: number } };
    expect(json.run.id).toBe(runId);
    expect(json.summary.selected).toBe(12);

    // Errors name what is wrong: an existing tag (--tag), an unknown dataset, an unknown tag.
    const again = await winnow(['select', '--dataset', name, '--config', config, '--tag', 'diverse']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/--tag: tag 'diverse' already exists.*\[CONFLICT, at resultTagName\]/);
    const badConfig = join(tempDir('winnow-cli-config-'), 'bad.json');
    writeFileSync(badConfig, '{ "n_samples": 5, "strategies": [ { "input": { "type": "EMBEDDINGS" }, "strategy": { "type": "DIVERSTY" } } ] }');
    const rejected = await winnow(['select', '--dataset', name, '--config', badConfig, '--tag', 'never']);
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toContain(`${badConfig}: `);
    expect(rejected.stderr).toMatch(/BAD_USER_INPUT, at config\.strategies\[0\]\.strategy\.type/);
    const noDataset = await winnow(['tags', '--dataset', 'no-such-dataset']);
    expect([noDataset.code, noDataset.stderr]).toEqual([1, expect.stringMatching(/no dataset named "no-such-dataset"/)]);
    const noTag = await winnow(['download-tag', '--dataset', name, 'no-such-tag']);
    expect([noTag.code, noTag.stderr]).toEqual([1, expect.stringMatching(/NOT_FOUND/)]);
  });

  it('select --wait exits 1 with the reason when the run FAILS', async () => {
    const name = uniqueName('cli-fail');
    const folder = writeLightlyFolder({ samples: 30, dim: 4, layout: 'jsonl' });
    scratch.push(folder.dir);
    expect((await winnow(['upload', folder.dir, '--dataset', name, '--create'], { env: { ...env, WINNOW_API_URL: runtime.url, WINNOW_API_KEY: runtime.apiKey } })).code).toBe(0);
    const config = join(tempDir('winnow-cli-config-'), 'c.json');
    writeFileSync(config, DIVERSE);
    failShards = true;
    try {
      const run = await winnow(['select', '--dataset', name, '--config', config, '--tag', 'doomed', '--wait'], {
        env: { ...env, WINNOW_API_URL: runtime.url, WINNOW_API_KEY: runtime.apiKey },
      });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/winnow select: run [0-9a-f-]{36} FAILED: .*disk on fire/);
      // A failed run has no report: a clear message, exit 1, no file written.
      const runId = /run ([0-9a-f-]{36}) FAILED/.exec(run.stderr)![1]!;
      const out = join(tempDir('winnow-cli-report-'), 'report.html');
      const report = await winnow(['report', runId, '--out', out], { env: { ...env, WINNOW_API_URL: runtime.url, WINNOW_API_KEY: runtime.apiKey } });
      expect(report.code).toBe(1);
      expect(report.stderr).toMatch(new RegExp(`winnow report: run ${runId} has no report`));
      expect(existsSync(out)).toBe(false);
    } finally {
      failShards = false;
    }
  });
});

describe('winnow login without the key on the command line', () => {
  /** The key file as `npm start` leaves it, in a data directory of its own. */
  const dataDirWithKey = () => {
    const dataDir = tempDir('winnow-cli-data-');
    writeFileSync(join(dataDir, 'api-key'), `${runtime.apiKey}\n`, { mode: 0o600 });
    return dataDir;
  };
  const saved = (home: string) => JSON.parse(readFileSync(join(home, 'config', 'winnow', 'config.json'), 'utf8')) as unknown;
  const freshHome = () => {
    const fresh = tempDir('winnow-cli-login-');
    return { fresh, env: { ...env, HOME: fresh, XDG_CONFIG_HOME: join(fresh, 'config'), XDG_DATA_HOME: join(fresh, 'data') } };
  };

  it('through npm run, finds the local key in $WINNOW_DATA_DIR/api-key; npm never prints it', async () => {
    const { fresh, env: loginEnv } = freshHome();
    const dataDir = dataDirWithKey();
    // As the README has it, without -s: npm's banner shows the command line, which holds no key.
    const npm = await new Promise<Finished>((resolve, reject) => {
      const child = spawn('npm', ['run', 'winnow', '--', 'login', '--url', runtime.url], { env: { ...loginEnv, WINNOW_DATA_DIR: dataDir }, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
      child.stdin.end();
    });
    expect(npm.code, npm.stderr).toBe(0);
    expect(npm.stdout).toContain(`login --url ${runtime.url}`); // the banner was printed …
    expect(npm.stdout + npm.stderr).not.toContain(runtime.apiKey); // … and the key appears nowhere
    expect(npm.stderr).toContain(`using the API key in ${join(dataDir, 'api-key')}`);
    expect(saved(fresh)).toEqual({ url: runtime.url, key: runtime.apiKey });
  });

  it('takes --key-file; a data directory without a key, or a remote URL, is not guessed at', async () => {
    const { fresh, env: loginEnv } = freshHome();
    const keyFile = join(dataDirWithKey(), 'api-key');
    const fromFile = await winnow(['login', '--url', runtime.url, '--key-file', keyFile], { env: loginEnv });
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect(fromFile.stdout + fromFile.stderr).not.toContain(runtime.apiKey);
    expect(saved(fresh)).toEqual({ url: runtime.url, key: runtime.apiKey });

    const missing = await winnow(['login', '--url', runtime.url, '--key-file', join(fresh, 'nope')], { env: loginEnv });
    expect([missing.code, missing.stderr]).toEqual([1, expect.stringContaining(`${join(fresh, 'nope')}: cannot read the API key (ENOENT)`)]);
    const both = await winnow(['login', '--url', runtime.url, '--key', 'x', '--key-file', keyFile], { env: loginEnv });
    expect([both.code, both.stderr]).toEqual([2, expect.stringMatching(/give --key or --key-file, not both/)]);

    // WINNOW_DATA_DIR names where the key is: an empty data directory has none, and .winnow is not tried.
    const empty = tempDir('winnow-cli-data-');
    const noKey = await winnow(['login', '--url', runtime.url], { env: { ...loginEnv, WINNOW_DATA_DIR: empty } });
    expect([noKey.code, noKey.stderr]).toEqual([2, expect.stringContaining(`start the local server so that ${join(empty, 'api-key')} exists`)]);
    // A server elsewhere never gets the local key.
    const remote = await winnow(['login', '--url', 'https://winnow.example.com/graphql'], { env: { ...loginEnv, WINNOW_DATA_DIR: dataDirWithKey() } });
    expect(remote.code).toBe(2);
    expect(remote.stderr).toMatch(/no API key given: use --key-file FILE, send it on standard input\n/);
  });
});

describe('winnow client: failures', () => {
  it('an unreachable server fails at once with a clear message', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const run = await winnow(['datasets'], { env: { ...env, WINNOW_API_URL: `http://127.0.0.1:${port}/graphql`, WINNOW_API_KEY: 'wn_x' } });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `winnow datasets: cannot reach the Winnow API at http://127.0.0.1:${port}/graphql: connection refused (is the server running, and is the URL right? see "winnow login" or WINNOW_API_URL)\n`,
    );
  });

  it('a wrong key (WINNOW_API_KEY overrides the login) gives a clear 401 message', async () => {
    const run = await winnow(['datasets'], { env: { ...env, WINNOW_API_URL: runtime.url, WINNOW_API_KEY: 'wn_00000000000000000000000000000000_nope' } });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^winnow datasets: the API key was refused by .* \(HTTP 401, UNAUTHENTICATED: .*\); run "winnow login" with a valid key or set WINNOW_API_KEY\n$/);
  });

  it('without a login it says how to log in; a URL that is not the API is named as such', async () => {
    const fresh = tempDir('winnow-cli-nohome-');
    const { WINNOW_API_URL: _u, WINNOW_API_KEY: _k, ...rest } = env;
    const noLogin = await winnow(['runs', '--dataset', 'x'], { env: { ...rest, HOME: fresh, XDG_CONFIG_HOME: join(fresh, 'c') } });
    expect(noLogin.code).toBe(1);
    expect(noLogin.stderr).toMatch(/no API URL configured: run "winnow login --url URL"/);
    const wrongPath = await winnow(['datasets'], { env: { ...env, WINNOW_API_URL: runtime.url.replace('/graphql', '/'), WINNOW_API_KEY: runtime.apiKey } });
    expect(wrongPath.code).toBe(1);
    expect(wrongPath.stderr).toMatch(/did not answer as a GraphQL API \(HTTP 404.*the URL usually ends in \/graphql/);
  });

  it('a rejected upload names the file and line; the dataset created for it is deleted again', async () => {
    const name = uniqueName('cli-bad');
    const folder = writeLightlyFolder({ samples: 20, dim: 4, layout: 'jsonl' });
    scratch.push(folder.dir);
    const csv = join(folder.dir, 'embeddings.csv');
    writeFileSync(csv, readFileSync(csv, 'utf8').replace(/\n([^,\n]+),[^,\n]+,/, '\n$1,oops,'));
    const apiEnv = { ...env, WINNOW_API_URL: runtime.url, WINNOW_API_KEY: runtime.apiKey };
    const run = await winnow(['upload', folder.dir, '--dataset', name, '--create'], { env: apiEnv });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/the upload was rejected, nothing was added: .*"oops".*\[BAD_USER_INPUT, .*file embeddings\.csv:2\].*the dataset .* created for it was deleted again/);
    expect((await winnow(['datasets'], { env: apiEnv })).stdout).not.toContain(name);
    // Into an existing dataset, a rejected upload leaves it as it was.
    const existing = await createDataset(runtime.url, uniqueName('cli-bad-existing'));
    const existingName = (await graphql<{ dataset: { name: string } }>(runtime.url, 'query ($id: ID!) { dataset(id: $id) { name } }', { id: existing })).data!.dataset.name;
    const again = await winnow(['upload', folder.dir, '--dataset', existingName], { env: apiEnv });
    expect(again.code).toBe(1);
    expect(again.stderr).not.toMatch(/deleted again/);
    expect((await datasetState(runtime.url, existing)).sampleCount).toBe(0);
  });

  it('refuses bad usage with exit code 2', async () => {
    const noMode = await winnow(['select', '--config', 'c.json']);
    expect([noMode.code, noMode.stderr]).toEqual([2, expect.stringMatching(/give --input DIR .* or --dataset NAME --tag NAME/)]);
    const noDataset = await winnow(['upload', '.']);
    expect([noDataset.code, noDataset.stderr]).toEqual([2, expect.stringMatching(/--dataset is required/)]);
    const help = await winnow(['--help']);
    expect(help.code).toBe(0);
    for (const verb of ['login', 'datasets', 'upload', 'select', 'runs', 'tags', 'download-tag', 'report', 'apikey']) {
      expect(help.stdout).toMatch(new RegExp(`^  ${verb} `, 'm'));
    }
  });
});

/** An embeddings.csv of `bytes` or a little more: dimension 256, 15-digit values, deterministic. */
async function writeLargeEmbeddings(file: string, bytes: number): Promise<number> {
  const dim = 256;
  const out = createWriteStream(file);
  const write = (text: string) => (out.write(text) ? Promise.resolve() : new Promise<void>((resolve) => out.once('drain', () => resolve())));
  await write(`filenames,${Array.from({ length: dim }, (_, i) => `embedding_${i}`).join(',')},labels\n`);
  let seed = 12345;
  let written = 0;
  let rows = 0;
  while (written < bytes) {
    const values: string[] = [];
    for (let i = 0; i < dim; i++) {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      values.push((seed / 2 ** 32).toFixed(15));
    }
    const line = `img_${String(rows).padStart(6, '0')}.jpg,${values.join(',')},0\n`;
    await write(line);
    written += line.length;
    rows += 1;
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return rows;
}

describe('winnow upload: resuming', () => {
  it('an upload killed after its first part resumes on rerun without sending that part again', async () => {
    const dir = tempDir('winnow-cli-big-');
    // Two parts of the server's 64 MiB: the kill lands while the second (8 MiB) is in flight.
    const rows = await writeLargeEmbeddings(join(dir, 'embeddings.csv'), 72 * 1024 * 1024);
    const name = uniqueName('cli-resume');
    const apiEnv = { ...env, WINNOW_API_URL: runtime.url, WINNOW_API_KEY: runtime.apiKey };

    const first = await winnow(['upload', dir, '--dataset', name, '--create', '--concurrency', '1'], {
      env: apiEnv,
      onStderr: (soFar, kill) => {
        if (soFar.includes('sent embeddings.csv part 1/2')) kill();
      },
    });
    expect(first.signal, first.stderr).toBe('SIGKILL');
    expect(first.stderr).not.toMatch(/committ/);
    const uploadId = /upload ([0-9a-f-]{36}): 1 file/.exec(first.stderr)![1]!;
    const datasetId = await datasetIdOf(name);
    expect((await datasetState(runtime.url, datasetId)).sampleCount).toBe(0);
    const uploads = join(home, 'data', 'winnow', 'uploads');
    const saved = readdirSync(uploads).filter((f) => f.endsWith('.json'));
    expect(saved).toHaveLength(1);
    expect(statSync(join(uploads, saved[0]!)).mode & 0o777).toBe(0o600);

    const second = await winnow(['upload', dir, '--dataset', name, '--concurrency', '1'], { env: apiEnv });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(new RegExp(`resuming upload ${uploadId}: 64\\.0 MiB of 72\\.0 MiB already sent`));
    expect(second.stderr).not.toMatch(/part 1\/2/);
    expect(second.stderr).toMatch(/sent embeddings\.csv part 2\/2/);
    expect(second.stderr).toMatch(new RegExp(`committed: ${rows} samples added to ${name} \\(now ${rows}\\)`));
    const state = await datasetState(runtime.url, datasetId);
    expect(state.sampleCount).toBe(rows);
    expect(state.uploads.map((u) => [u.id, u.status])).toEqual([[uploadId, 'COMMITTED']]);
    expect(state.embeddingDimension).toBe(256);

    // Done: the saved state is gone.
    expect(readdirSync(uploads).filter((f) => f.endsWith('.json'))).toEqual([]);
  });
});

describe('winnow upload: a large upload committed in the background', () => {
  let background: LocalRuntime;
  beforeAll(async () => {
    // Every upload counts as large here: the server answers COMMITTING and converts after the request.
    background = await startTestRuntime({ syncCommitBytes: 0 });
  });
  afterAll(() => background.stop());

  it('follows the commit to its end: the rows added, or the rejection with file and line and exit code 1', async () => {
    const apiEnv = { ...env, WINNOW_API_URL: background.url, WINNOW_API_KEY: background.apiKey };
    const folder = writeLightlyFolder({ samples: 30, dim: 4, layout: 'jsonl' });
    scratch.push(folder.dir);
    const name = uniqueName('cli-async');
    const ok = await winnow(['upload', folder.dir, '--dataset', name, '--create'], { env: apiEnv });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toMatch(/converting the upload in the background/);
    expect(ok.stderr).toMatch(new RegExp(`committed: 30 samples added to ${name} \\(now 30\\)`));

    const bad = writeLightlyFolder({ samples: 20, dim: 4, layout: 'jsonl' });
    scratch.push(bad.dir);
    const csv = join(bad.dir, 'embeddings.csv');
    writeFileSync(csv, readFileSync(csv, 'utf8').replace(/\n([^,\n]+),[^,\n]+,/, '\n$1,oops,'));
    const badName = uniqueName('cli-async-bad');
    const refused = await winnow(['upload', bad.dir, '--dataset', badName, '--create'], { env: apiEnv });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/the upload was rejected, nothing was added: embeddings\.csv:2: .*"oops"/);
    const ids = await graphql<{ datasets: { items: { id: string; name: string; sampleCount: number }[] } }>(background.url, '{ datasets(first: 100) { items { id name sampleCount } } }');
    // The dataset created for the rejected upload is gone again.
    expect(ids.data!.datasets.items.find((d) => d.name === badName)).toBeUndefined();
  });
});
