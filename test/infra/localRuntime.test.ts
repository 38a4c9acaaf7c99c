/** `npm start` as a user runs it: a child process that prints its URL, serves, and stops on Ctrl-C. */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { graphql, registerApiKey } from '../support/graphql.js';

describe('npm start', () => {
  it('serves /graphql on the stand-ins and stops cleanly on SIGINT', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'winnow-start-'));
    const child = spawn('npm', ['start', '--silent'], {
      // Without the demo data (test/infra/demo.test.ts covers it), the key's tenant starts empty.
      env: { ...process.env, PORT: '0', WINNOW_DATA_DIR: dataDir, WINNOW_API_KEY: '', WINNOW_DEMO: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    try {
      const { url, key } = await new Promise<{ url: string; key: string }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL printed:\n${output}`)), 90_000);
        child.stdout.on('data', () => {
          const match = /GraphQL API:\s+(http:\/\/\S+\/graphql)\s+API key:\s+(\S+)/.exec(output);
          if (match) {
            clearTimeout(timer);
            resolve({ url: match[1]!, key: match[2]! });
          }
        });
      });
      // The development key is kept under the data directory for the next start.
      expect((await readFile(join(dataDir, 'api-key'), 'utf8')).trim()).toBe(key);
      const refused = await graphql(url, '{ datasets { items { id } } }');
      expect(refused.status).toBe(401);
      expect(refused.errors![0]!.extensions).toEqual({ code: 'UNAUTHENTICATED' });
      registerApiKey(url, key);
      const created = await graphql<{ createDataset: { id: string } }>(url, 'mutation { createDataset(name: "from-npm-start") { id } }');
      expect(created.errors).toBeUndefined();
      const listed = await graphql<{ datasets: { items: { id: string; name: string }[] } }>(url, '{ datasets { items { id name } } }');
      expect(listed.data!.datasets.items).toEqual([{ id: created.data!.createDataset.id, name: 'from-npm-start' }]);
      // Ctrl-C reaches the whole process group, as in a terminal.
      process.kill(-child.pid!, 'SIGINT');
      await exited;
      // npm itself ends by the signal; the server underneath must have shut down in order.
      expect(output).toContain('SIGINT: stopping');
      expect(output).toMatch(/\nstopped\n/);
      await expect(fetch(url, { method: 'POST' })).rejects.toThrow();
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
