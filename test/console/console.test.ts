/**
 * The web console in real Chromium, end to end on the local runtime: the same server `npm start` runs
 * serves the built console at `/` and the API at `/graphql`, with the demo data created through the API.
 * Screenshots of each page go to test-artifacts/console/.
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsole } from '../../console/build.js';
import { OPERATIONS } from '../../console/src/operations.js';
import { ensureDemoDatasets, type DemoDatasets } from '../../infra/local/demo.js';
import type { LocalRuntime } from '../../infra/local/runtime.js';
import { launchHeadlessBrowser } from '../support/browser.js';
import { graphql } from '../support/graphql.js';
import { startTestRuntime } from '../support/runtime.js';

// Browser-side expressions are given as text: this file is type-checked without the DOM library.
const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'console');

let runtime: LocalRuntime;
let browser: Browser;
let demo: DemoDatasets;
let origin: string;
let dataDir: string;

beforeAll(async () => {
  await buildConsole();
  await mkdir(ARTIFACTS, { recursive: true });
  dataDir = await mkdtemp(join(tmpdir(), 'winnow-console-'));
  runtime = await startTestRuntime();
  origin = new URL('/', runtime.url).href;
  [demo, browser] = await Promise.all([ensureDemoDatasets(runtime.url, runtime.apiKey, dataDir), launchHeadlessBrowser()]);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

/** A page in a fresh context (its own sessionStorage, as a new tab of a new browser session). */
async function newPage(): Promise<Page> {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1366, height: 900 } });
  return context.newPage();
}

async function signIn(page: Page, key: string): Promise<void> {
  await page.goto(origin);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

/** The GraphQL operations a page sent, by operation name. */
function recordOperations(page: Page): string[] {
  const sent: string[] = [];
  page.on('request', (request) => {
    if (new URL(request.url()).pathname !== '/graphql') return;
    const body = request.postData();
    const match = body ? /^\s*(?:query|mutation)\s+(\w+)/.exec((JSON.parse(body) as { query: string }).query) : null;
    sent.push(match?.[1] ?? '(unnamed)');
  });
  return sent;
}

describe('web console', () => {
  it('is served at / with a same-origin Content-Security-Policy, and refuses a bad key with a clear message', async () => {
    const index = await fetch(origin);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    expect(index.headers.get('content-security-policy')).toContain("connect-src 'self'");
    expect(await index.text()).toContain('<div id="app">');
    // Nothing outside the built files.
    expect((await fetch(new URL('/../package.json', origin))).status).toBe(404);
    expect((await fetch(new URL('/.source-hash', origin))).status).toBe(404);

    const page = await newPage();
    await signIn(page, 'wn_00000000000000000000000000000000_not-a-key');
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.textContent()).toContain('The API refused this key (HTTP 401, UNAUTHENTICATED)');
    await shot(page, '01-bad-key');
    // Still on the sign-in form, and the refused key was not kept.
    expect(await page.getByLabel('API key').isVisible()).toBe(true);
    expect(await page.evaluate('sessionStorage.length + localStorage.length')).toBe(0);
    await page.context().close();
  });

  it('signs in, opens the demo dataset, runs a selection from a template to SUCCEEDED, shows its report and tag, and downloads the tag', async () => {
    const page = await newPage();
    await signIn(page, runtime.apiKey);
    const demoRow = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'demo', exact: true }) });
    await demoRow.waitFor();
    expect(await demoRow.textContent()).toContain('1,500');
    await shot(page, '02-datasets');
    // The key lives in this tab's sessionStorage only: no cookie, nothing in localStorage or the URL.
    expect(await page.evaluate('Object.keys(sessionStorage)')).toEqual(['winnow.apiKey']);
    expect(await page.evaluate('localStorage.length')).toBe(0);
    expect(await page.context().cookies()).toEqual([]);
    expect(page.url()).not.toContain(runtime.apiKey);

    await page.getByRole('link', { name: 'demo', exact: true }).click();
    await page.getByRole('heading', { name: 'Tags' }).waitFor();
    expect(await page.getByRole('row', { name: /initial-tag/ }).textContent()).toContain('1,500');
    await shot(page, '03-dataset');

    await page.getByRole('link', { name: 'New selection' }).click();
    await page.getByLabel('Start from').selectOption('demo/active-learning');
    expect(await page.getByLabel(/Selection config/).inputValue()).toContain('uncertainty_entropy');
    await expect.poll(() => page.locator('#config-problems').textContent()).toContain('The config is valid.');
    await page.getByLabel('Result tag').fill('console-picks');
    await shot(page, '04-new-selection');
    await page.getByRole('button', { name: 'Start selection' }).click();

    await page.waitForURL(/#\/runs\//);
    const status = page.locator('#run-status');
    await status.filter({ hasText: 'SUCCEEDED' }).waitFor({ timeout: 90_000 });
    expect(await page.locator('#summary-selected').textContent()).toBe('50');
    const report = page.frameLocator('iframe[title="Selection report"]');
    await report.locator('svg').first().waitFor();
    expect(await report.locator('body').textContent()).toContain('demo');
    await shot(page, '05-run-succeeded');

    await page.getByRole('link', { name: /console-picks \(50 samples\)/ }).click();
    await page.getByRole('heading', { name: 'Tag console-picks' }).waitFor();
    expect(await page.locator('#tag-count').textContent()).toContain('50 samples, made by selection:');
    const shown = await page.locator('ol.file-names li').allTextContents();
    expect(shown).toHaveLength(50);
    await shot(page, '06-tag');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /Download file names/ }).click()]);
    expect(download.suggestedFilename()).toBe('console-picks.txt');
    const downloaded = (await readFile((await download.path())!, 'utf8')).trim().split('\n');
    expect(downloaded).toEqual(shown);
    // The same names the API gives.
    const api = await graphql<{ dataset: { tag: { fileNames: { items: string[] } } } }>(runtime.url, 'query ($d: ID!) { dataset(id: $d) { tag(name: "console-picks") { fileNames(first: 1000) { items } } } }', {
      d: demo.datasetId,
    });
    expect(downloaded).toEqual(api.data!.dataset.tag.fileNames.items);

    // Tag arithmetic: everything the selection did not pick.
    await page.goto(`${origin}#/datasets/${demo.datasetId}/combine`);
    await page.getByLabel('First tag').selectOption('initial-tag');
    await page.getByLabel(/difference/).check();
    await page.getByLabel('Second tag').selectOption('console-picks');
    await page.getByLabel('New tag').fill('not-picked');
    await shot(page, '07-combine-tags');
    await page.getByRole('button', { name: 'Create tag' }).click();
    await page.getByRole('heading', { name: 'Tag not-picked' }).waitFor();
    expect(await page.locator('#tag-count').textContent()).toContain('1,450 samples');
    // Paged: 100 names a page, the second page follows the first.
    const firstPage = await page.locator('ol.file-names li').allTextContents();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('heading', { name: /File names 101–200 of 1,450/ }).waitFor();
    const secondPage = await page.locator('ol.file-names li').allTextContents();
    expect(firstPage).toHaveLength(100);
    expect(secondPage).toHaveLength(100);
    expect(secondPage.filter((name) => firstPage.includes(name) || shown.includes(name))).toEqual([]);

    // Signing out forgets the key; a new session starts at the sign-in form.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    await page.context().close();
    const fresh = await newPage();
    await fresh.goto(`${origin}#/datasets/${demo.datasetId}`);
    await fresh.getByLabel('API key').waitFor();
    expect(await fresh.getByRole('heading', { name: 'Tags' }).count()).toBe(0);
    await fresh.context().close();
  }, 150_000);

  it('shows the thumbnails of uploaded images beside their file names, loaded from the bucket', async () => {
    const page = await newPage();
    await signIn(page, runtime.apiKey);
    await page.getByRole('link', { name: 'demo', exact: true }).waitFor();
    await page.goto(`${origin}#/datasets/${demo.queryDatasetId}/tags/${demo.queryTagName}`);
    await page.getByRole('heading', { name: `Tag ${demo.queryTagName}` }).waitFor();
    const api = await graphql<{ dataset: { tag: { fileNames: { items: string[] } } } }>(runtime.url, 'query ($d: ID!, $t: String!) { dataset(id: $d) { tag(name: $t) { fileNames { items } } } }', {
      d: demo.queryDatasetId,
      t: demo.queryTagName,
    });
    const names = api.data!.dataset.tag.fileNames.items;
    expect(names).toHaveLength(4);
    await expect.poll(() => page.locator('ol.file-names img').count()).toBe(names.length);
    expect(await page.locator('ol.file-names li').allTextContents()).toEqual(names);
    // Each thumbnail is lazy, named by its file name, and was fetched and decoded by the browser from the
    // bucket's presigned URL (a policy or CORS refusal would leave it at naturalWidth 0).
    const thumbnails = () =>
      page.evaluate(
        `[...document.querySelectorAll('ol.file-names img')].map((img) => ({ alt: img.alt, loading: img.getAttribute('loading'), loaded: img.complete && img.naturalWidth > 0, from: new URL(img.src).pathname.includes('/thumbnails/') }))`,
      );
    await expect.poll(thumbnails, { timeout: 20_000 }).toEqual(names.map((alt) => ({ alt, loading: 'lazy', loaded: true, from: true })));
    await shot(page, '09-tag-thumbnails');
    await page.context().close();
  }, 60_000);

  it('shows each config fault at its JSON path and sends nothing', async () => {
    const page = await newPage();
    await signIn(page, runtime.apiKey);
    await page.getByRole('link', { name: 'demo', exact: true }).waitFor();
    const before = await graphql<{ dataset: { selectionRuns: { items: unknown[] } } }>(runtime.url, 'query ($d: ID!) { dataset(id: $d) { selectionRuns { items { id } } } }', { d: demo.datasetId });
    const sent = recordOperations(page);
    await page.goto(`${origin}#/datasets/${demo.datasetId}/select`);
    await page.getByLabel(/Selection config/).fill(
      '{ "n_samples": 0, "strategies": [ { "input": { "type": "EMBEDDINGS" }, "strategy": { "type": "DIVERSITEE" } } ] }',
    );
    await page.getByLabel('Result tag').fill('never-made');
    await page.getByRole('button', { name: 'Start selection' }).click();
    const problems = page.locator('#config-problems');
    await expect.poll(() => problems.textContent()).toContain('nothing was sent');
    const items = await problems.locator('li').allTextContents();
    expect(items.some((item) => item.startsWith('config.nSamples') || item.startsWith('config.n_samples'))).toBe(true);
    expect(items.some((item) => item.startsWith('config.strategies[0].strategy.type'))).toBe(true);
    await shot(page, '08-bad-config');
    // A syntax error names its line and column.
    await page.getByLabel(/Selection config/).fill('{\n  "n_samples": 5,\n  "strategies": [ }\n');
    await expect.poll(() => problems.textContent()).toMatch(/line 3, column \d+/);
    await page.getByRole('button', { name: 'Start selection' }).click();
    expect(sent).not.toContain('StartSelection');
    expect(page.url()).toContain('/select');
    const after = await graphql<{ dataset: { selectionRuns: { items: unknown[] } } }>(runtime.url, 'query ($d: ID!) { dataset(id: $d) { selectionRuns { items { id } } } }', { d: demo.datasetId });
    expect(after.data!.dataset.selectionRuns.items).toHaveLength(before.data!.dataset.selectionRuns.items.length);

    // What only the server can check (a task the dataset lacks) comes back at its path too.
    await page.getByLabel(/Selection config/).fill(
      '{ "n_samples": 5, "strategies": [ { "input": { "type": "SCORES", "task": "no_such_task", "score": "uncertainty_entropy" }, "strategy": { "type": "WEIGHTS" } } ] }',
    );
    await page.getByRole('button', { name: 'Start selection' }).click();
    await expect.poll(() => problems.textContent()).toContain('config.strategies[0].input.task');
    expect(sent).toContain('StartSelection');
    await page.context().close();
  }, 60_000);

  it('reaches nothing without a valid key: every operation the console sends is refused with 401', async () => {
    const variables = { id: demo.datasetId, datasetId: demo.datasetId, name: 'initial-tag', config: { n_samples: 1, strategies: [] } };
    for (const [name, query] of Object.entries(OPERATIONS)) {
      for (const authorization of [undefined, 'Bearer wn_00000000000000000000000000000000_not-a-key', `Basic ${runtime.apiKey}`]) {
        const response = await fetch(runtime.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
          body: JSON.stringify({ query, variables }),
        });
        const body = (await response.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[] };
        expect({ name, authorization, status: response.status, code: body.errors?.[0]?.extensions?.code, data: body.data ?? null }).toEqual({
          name,
          authorization,
          status: 401,
          code: 'UNAUTHENTICATED',
          data: null,
        });
      }
    }
  });
});
