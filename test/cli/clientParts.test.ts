/** The client's parts that need no server: login resolution, resume decisions, error lines, progress output. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveApiTarget, saveApiTarget } from '../../functions/cli/client/config.js';
import { formatGraphqlError } from '../../functions/cli/client/transport.js';
import type { CliIo } from '../../functions/cli/io.js';
import { byteProgress, statusLine } from '../../functions/cli/progress.js';
import { whyNotResumable, type UploadState } from '../../functions/cli/upload/resumeState.js';
import { pendingSteps } from '../../functions/cli/upload/transfer.js';

const home = mkdtempSync(join(tmpdir(), 'winnow-cli-parts-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('login resolution', () => {
  it('takes the saved login, with WINNOW_API_URL / WINNOW_API_KEY overriding each value', () => {
    process.env.XDG_CONFIG_HOME = join(home, 'config');
    saveApiTarget({ url: 'http://127.0.0.1:4000/graphql', key: 'wn_saved' });
    expect(resolveApiTarget({})).toEqual({ url: 'http://127.0.0.1:4000/graphql', key: 'wn_saved' });
    expect(resolveApiTarget({ WINNOW_API_KEY: 'wn_env' })).toEqual({ url: 'http://127.0.0.1:4000/graphql', key: 'wn_env' });
    expect(resolveApiTarget({ WINNOW_API_URL: 'https://api.example.test/graphql' }).url).toBe('https://api.example.test/graphql');
    expect(() => resolveApiTarget({ WINNOW_API_URL: 'not a url' })).toThrow(/"not a url" is not a URL/);
  });
});

describe('resuming', () => {
  const state: UploadState = {
    version: 1,
    apiUrl: 'http://x/graphql',
    datasetId: 'd',
    dir: '/data',
    uploadId: 'u',
    expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    files: [
      { path: 'embeddings.csv', size: 10, mtimeMs: 1, url: 'http://s3/e', sent: true },
      { path: 'embeddings/t.csv', size: 250, mtimeMs: 2, partSize: 100, parts: [1, 2, 3].map((partNumber) => ({ partNumber, url: `http://s3/p${partNumber}`, ...(partNumber === 2 ? { etag: '"x"' } : {}) })) },
    ],
  };
  const local = [
    { path: 'embeddings.csv', absolutePath: '/data/embeddings.csv', size: 10, mtimeMs: 1 },
    { path: 'embeddings/t.csv', absolutePath: '/data/embeddings/t.csv', size: 250, mtimeMs: 2 },
  ];

  it('resumes only the same files with URLs that are still good', () => {
    expect(whyNotResumable(state, local)).toBeUndefined();
    expect(whyNotResumable(state, [local[0]!, { ...local[1]!, mtimeMs: 3 }])).toBe('embeddings/t.csv has changed');
    expect(whyNotResumable(state, [local[0]!])).toBe('the folder has changed');
    expect(whyNotResumable({ ...state, expiresAt: new Date(Date.now() + 60_000).toISOString() }, local)).toBe('its upload URLs have expired');
  });

  it('sends only the parts and files without an acknowledgement, the last part short', () => {
    expect(pendingSteps(state).map((s) => [s.label, s.bytes])).toEqual([
      ['embeddings/t.csv part 1/3', 100],
      ['embeddings/t.csv part 3/3', 50],
    ]);
  });
});

describe('error lines', () => {
  it('name the code, the argument or query path, and the file and line of an upload', () => {
    expect(formatGraphqlError({ message: 'bad', extensions: { code: 'BAD_USER_INPUT', path: 'files[0].path' } })).toBe('bad [BAD_USER_INPUT, at files[0].path]');
    expect(formatGraphqlError({ message: 'gone', path: ['dataset', 'tag'], extensions: { code: 'NOT_FOUND' } })).toBe('gone [NOT_FOUND, in dataset.tag]');
    expect(formatGraphqlError({ message: 'nan', extensions: { code: 'BAD_USER_INPUT', path: 'files', file: 'embeddings.csv', line: 7 } })).toBe(
      'nan [BAD_USER_INPUT, at files, file embeddings.csv:7]',
    );
    expect(formatGraphqlError({ message: 'config', extensions: { code: 'BAD_USER_INPUT', problems: [{ path: 'config.n_samples', message: 'must be a number' }] } })).toBe(
      'config [BAD_USER_INPUT]\n  config.n_samples: must be a number',
    );
  });
});

function capture(tty: boolean): { io: CliIo; lines: string[]; drawn: () => string } {
  const lines: string[] = [];
  let drawn = '';
  const terminal = Object.assign(new PassThrough(), { isTTY: tty, columns: 120, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
  terminal.on('data', (chunk: Buffer) => (drawn += chunk.toString()));
  return { io: { stdout: () => undefined, stderr: (t) => void lines.push(t), terminal }, lines, drawn: () => drawn };
}

describe('progress', () => {
  it('without a terminal prints the given lines, and status lines only when they change', () => {
    const { io, lines } = capture(false);
    const bar = byteProgress(io, 100, 'uploading');
    bar.update(50, 'a', 'sent a');
    bar.update(60, 'b');
    bar.stop();
    const status = statusLine(io);
    status.show('run r: RUNNING');
    status.show('run r: RUNNING');
    status.show('run r: SUCCEEDED');
    expect(lines).toEqual(['sent a\n', 'run r: RUNNING\n', 'run r: SUCCEEDED\n']);
  });

  it('on a terminal draws a bar with the percentage and bytes, and nothing as plain lines', () => {
    const { io, lines, drawn } = capture(true);
    const bar = byteProgress(io, 2048, 'uploading');
    bar.update(1024, 'embeddings.csv', 'sent embeddings.csv');
    bar.stop();
    expect(lines).toEqual([]);
    expect(drawn()).toMatch(/uploading \[[^\]]+\] 50% 1\.0 KiB\/2\.0 KiB embeddings\.csv/);
  });
});
