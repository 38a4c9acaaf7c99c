/**
 * The web console in real Chromium, end to end on the local runtime: the same server `npm start` runs
 * serves the built console at `/` and the API at `/graphql`, with the demo data created through the API.
 * What each page shows is checked against what the API answers for the same data. Screenshots of each
 * page go to test-artifacts/console/.
 *
 * Runs to watch live or cancel are held at their Shard task while the browser looks (a slow task, made
 * by wrapping the handler, as the workflow tests inject hangs): without that, a demo run can finish
 * between two polls and the test would depend on the machine's speed.
 */
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsole } from '../../console/build.js';
import { OPERATIONS } from '../../console/src/operations.js';
import { ensureDemoDatasets, type DemoDatasets } from '../../infra/local/demo.js';
import type { LocalRuntime } from '../../infra/local/runtime.js';
import type { LocalTaskHandler } from '../../infra/local/stepFunctions.js';
import { WORKFLOW_STATES } from '../../infra/workflow.js';
import { launchHeadlessBrowser } from '../support/browser.js';
import { tagFileNames } from '../support/datasets.js';
import { graphql } from '../support/graphql.js';
import { waitForRun } from '../support/runs.js';
import { startTestRuntime } from '../support/runtime.js';

// Browser-side expressions are given as text: this file is type-checked without the DOM library.
const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'console');
const BAD_KEY = 'wn_00000000000000000000000000000000_not-a-key';

let runtime: LocalRuntime;
let browser: Browser;
let demo: DemoDatasets;
let origin: string;
let dataDir: string;
/** Every GraphQL operation any page sent, by name. */
const sentOperations = new Set<string>();
const screenshots: string[] = [];

/** While set, every Shard task waits for it: the run stays RUNNING in phase SHARDS. */
let shardHold: { promise: Promise<void>; release: () => void } | undefined;
function holdShards(): () => void {
  let release!: () => void;
  const promise = new Promise<void>((resolve) => (release = resolve));
  shardHold = { promise, release };
  return () => {
    shardHold = undefined;
    release();
  };
}
const wrapTask =
  (state: string, handler: LocalTaskHandler): LocalTaskHandler =>
  async (input) => {
    if (state === WORKFLOW_STATES.shard && shardHold) await shardHold.promise;
    return handler(input);
  };

beforeAll(async () => {
  await buildConsole();
  await rm(ARTIFACTS, { recursive: true, force: true });
  await mkdir(ARTIFACTS, { recursive: true });
  dataDir = await mkdtemp(join(tmpdir(), 'winnow-console-'));
  runtime = await startTestRuntime({ wrapTask });
  origin = new URL('/', runtime.url).href;
  [demo, browser] = await Promise.all([ensureDemoDatasets(runtime.url, runtime.apiKey, dataDir), launchHeadlessBrowser()]);
}, 180_000);

afterAll(async () => {
  shardHold?.release();
  await browser?.close();
  await runtime?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

/** The API's answer (with the suite's key), or a failure naming its errors. */
async function api<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const answer = await graphql<T>(runtime.url, query, variables);
  if (!answer.data) throw new Error(JSON.stringify(answer.errors));
  return answer.data;
}

/** A page in a fresh context (its own sessionStorage, as a new tab of a new browser session). */
async function newPage(): Promise<Page> {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1366, height: 900 } });
  context.on('request', (request) => {
    if (new URL(request.url()).pathname !== '/graphql') return;
    const body = request.postData();
    const match = body ? /^\s*(?:query|mutation)\s+(\w+)/.exec((JSON.parse(body) as { query: string }).query) : null;
    sentOperations.add(match?.[1] ?? '(unnamed)');
  });
  return context.newPage();
}

async function signIn(page: Page, key: string): Promise<void> {
  await page.goto(origin);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/**
 * Checks what every page owes keyboard and screen-reader users (one h1, a label on every control, text
 * on every button, alt text on every image), then saves a screenshot.
 */
async function shot(page: Page, name: string): Promise<void> {
  const faults = await page.evaluate(`(() => {
    const faults = [];
    if (document.querySelectorAll('h1').length !== 1) faults.push('h1 count ' + document.querySelectorAll('h1').length);
    for (const el of document.querySelectorAll('input, select, textarea'))
      if (el.labels.length === 0 && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby')) faults.push('no label: ' + el.outerHTML.slice(0, 80));
    for (const el of document.querySelectorAll('button')) if (!el.textContent.trim()) faults.push('no text: ' + el.outerHTML.slice(0, 80));
    for (const el of document.querySelectorAll('img')) if (!el.alt) faults.push('no alt: ' + el.outerHTML.slice(0, 80));
    return faults;
  })()`);
  expect({ page: name, faults }).toEqual({ page: name, faults: [] });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  screenshots.push(name);
}

/** Whether the element has the keyboard focus (the function runs in the page; this file has no DOM types). */
const isFocused = (locator: Locator) => locator.evaluate((element: unknown) => element === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement);

/** Presses Tab until `target` has the focus (as a keyboard user would), or fails after `limit` presses. */
async function tabTo(page: Page, target: Locator, limit = 40): Promise<void> {
  for (let presses = 0; presses < limit; presses++) {
    await page.keyboard.press('Tab');
    if (await isFocused(target)) return;
  }
  throw new Error(`${target.toString()} never had the focus after ${limit} presses of Tab`);
}

/** The breadcrumb trail, item by item (it names the dataset once loaded; the last item is this page). */
const crumbs = (page: Page) => page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('listitem').allTextContents();
const count = (n: number) => n.toLocaleString('en-US');

interface ApiRun {
  id: string;
  status: string;
  inputTagName: string | null;
  preselectedTagName: string | null;
  shardsTotal: number | null;
  summary: { poolSize: number; selected: number; preselected: number; stopReason: string } | null;
  resultTag: { name: string; count: number } | null;
}
const apiRun = async (id: string) =>
  (
    await api<{ selectionRun: ApiRun }>(
      'query ($id: ID!) { selectionRun(id: $id) { id status inputTagName preselectedTagName shardsTotal summary { poolSize selected preselected stopReason } resultTag { name count } } }',
      { id },
    )
  ).selectionRun;
const runIdOf = (page: Page) => decodeURIComponent(/#\/runs\/([^/]+)$/.exec(page.url())![1]!);
const tagCount = async (name: string) =>
  (await api<{ dataset: { tag: { count: number } } }>('query ($d: ID!, $t: String!) { dataset(id: $d) { tag(name: $t) { count } } }', { d: demo.datasetId, t: name })).dataset.tag.count;
/** The file names the tag page shows now. */
const shownNames = (page: Page) => page.locator('ol.file-names li').allTextContents();

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
    await signIn(page, BAD_KEY);
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.textContent()).toContain('The API refused this key (HTTP 401, UNAUTHENTICATED)');
    await shot(page, '01-bad-key');
    // Still on the sign-in form, and the refused key was not kept.
    expect(await page.getByLabel('API key').isVisible()).toBe(true);
    expect(await page.evaluate('sessionStorage.length + localStorage.length')).toBe(0);
    await page.context().close();
  });

  it('is operable by keyboard alone: the skip link, signing in, and starting a selection with an input tag', async () => {
    const page = await newPage();
    await page.goto(origin);
    const skip = page.getByRole('link', { name: 'Skip to content' });
    await page.keyboard.press('Tab');
    expect(await isFocused(skip)).toBe(true);
    await page.keyboard.press('Enter');
    // The skip link moves the focus past the header without touching the route in the hash.
    expect(await page.evaluate('document.activeElement.id')).toBe('content');
    expect(new URL(page.url()).hash).toBe('');
    await page.keyboard.press('Tab');
    expect(await isFocused(page.getByLabel('API key'))).toBe(true);
    await page.keyboard.type(runtime.apiKey);
    await page.keyboard.press('Enter');

    const demoLink = page.getByRole('link', { name: 'demo', exact: true });
    await demoLink.waitFor();
    await tabTo(page, demoLink);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'demo' }).waitFor();
    const newSelection = page.getByRole('link', { name: 'New selection' });
    await tabTo(page, newSelection);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'New selection on demo' }).waitFor();

    // A select is changed with the arrow keys; the first tag of the list becomes the input tag.
    const inputTag = page.getByLabel('Choose among');
    await tabTo(page, inputTag);
    expect(await inputTag.inputValue()).toBe('');
    await page.keyboard.press('ArrowDown');
    const chosen = await inputTag.inputValue();
    expect(chosen).toBe('initial-tag');
    const resultTag = page.getByLabel('Result tag');
    await tabTo(page, resultTag);
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type('keyboard-picks');
    // Enter in a field submits the form.
    await page.keyboard.press('Enter');
    await page.waitForURL(/#\/runs\//);
    await page.locator('#run-status').filter({ hasText: 'SUCCEEDED' }).waitFor({ timeout: 60_000 });
    const run = await apiRun(runIdOf(page));
    expect(run).toMatchObject({ status: 'SUCCEEDED', inputTagName: chosen, preselectedTagName: null, resultTag: { name: 'keyboard-picks' } });
    await page.context().close();
  }, 90_000);

  it('lists the datasets (samples, tags, last run) and shows a dataset (tags with counts, uploads and runs with status); the key stays in the tab', async () => {
    const page = await newPage();
    await signIn(page, runtime.apiKey);
    await page.getByRole('link', { name: 'demo', exact: true }).waitFor();
    const { datasets } = await api<{
      datasets: { items: { id: string; name: string; sampleCount: number; tags: { items: unknown[] }; selectionRuns: { items: { status: string; resultTagName: string }[] } }[] };
    }>('{ datasets(first: 50) { items { id name sampleCount tags(first: 100) { items { name } } selectionRuns(first: 1) { items { status resultTagName } } } } }');
    expect(datasets.items.map((d) => d.name)).toEqual(expect.arrayContaining(['demo', 'demo-queries']));
    for (const dataset of datasets.items) {
      const cells = await page.getByRole('row').filter({ has: page.getByRole('link', { name: dataset.name, exact: true }) }).getByRole('cell').allTextContents();
      const last = dataset.selectionRuns.items[0];
      expect({ name: dataset.name, samples: cells[0], tags: cells[1], lastRun: cells[2] }).toEqual({
        name: dataset.name,
        samples: count(dataset.sampleCount),
        tags: String(dataset.tags.items.length),
        lastRun: last ? expect.stringContaining(`${last.status} ${last.resultTagName}`) : 'none',
      });
    }
    expect(datasets.items.find((d) => d.name === 'demo')!.selectionRuns.items[0]).toEqual({ status: 'SUCCEEDED', resultTagName: 'keyboard-picks' });
    await shot(page, '02-datasets');

    // The key lives in this tab's sessionStorage only: no cookie, nothing in localStorage or the URL.
    expect(await page.evaluate('Object.keys(sessionStorage)')).toEqual(['winnow.apiKey']);
    expect(await page.evaluate('localStorage.length')).toBe(0);
    expect(await page.context().cookies()).toEqual([]);
    expect(page.url()).not.toContain(runtime.apiKey);

    await page.getByRole('link', { name: 'demo', exact: true }).click();
    await page.getByRole('heading', { name: 'Tags' }).waitFor();
    await expect.poll(() => crumbs(page)).toEqual(['Datasets', 'demo']);
    const dataset = (
      await api<{ dataset: { tags: { items: { name: string; count: number }[] }; uploads: { id: string; status: string }[]; selectionRuns: { items: { id: string; status: string }[] } } }>(
        'query ($d: ID!) { dataset(id: $d) { tags(first: 100) { items { name count } } uploads { id status } selectionRuns(first: 50) { items { id status } } } }',
        { d: demo.datasetId },
      )
    ).dataset;
    const rowOf = (section: string, name: string) => page.getByRole('region', { name: section }).getByRole('row').filter({ has: page.getByRole('rowheader', { name, exact: true }) });
    for (const tag of dataset.tags.items) expect(await rowOf('Tags', tag.name).getByRole('cell').first().textContent()).toBe(count(tag.count));
    expect(dataset.uploads.length).toBeGreaterThan(0);
    for (const upload of dataset.uploads) expect(await rowOf('Uploads', upload.id.slice(0, 8)).getByRole('cell').first().textContent()).toBe(upload.status);
    expect(dataset.selectionRuns.items.length).toBeGreaterThan(0);
    for (const run of dataset.selectionRuns.items) expect(await rowOf('Selection runs', run.id.slice(0, 8)).getByRole('cell').first().textContent()).toContain(run.status);
    await shot(page, '03-dataset');

    // A reload keeps the session (same tab); a new browser session is signed out, even at a deep link.
    await page.reload();
    await page.getByRole('heading', { name: 'Tags' }).waitFor();
    const fresh = await newPage();
    await fresh.goto(`${origin}#/datasets/${demo.datasetId}`);
    await fresh.getByLabel('API key').waitFor();
    expect(await fresh.getByRole('heading', { name: 'Tags' }).count()).toBe(0);
    expect(await fresh.evaluate('sessionStorage.length + localStorage.length')).toBe(0);
    await fresh.context().close();
    // Signing out forgets the key.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    await page.context().close();
  });

  it('starts a selection from a template with input and preselected tags, follows its phase and shards live to SUCCEEDED, with summary and report', async () => {
    const page = await newPage();
    await signIn(page, runtime.apiKey);
    await page.getByRole('link', { name: 'demo', exact: true }).waitFor();
    await page.goto(`${origin}#/datasets/${demo.datasetId}/select`);
    await expect.poll(() => crumbs(page)).toEqual(['Datasets', 'demo', 'New selection']);
    await page.getByLabel('Start from').selectOption('demo/weather-balance');
    await page.getByLabel('Start from').selectOption('demo/active-learning');
    const template = await readFile(join(process.cwd(), 'demo', 'active-learning.jsonc'), 'utf8');
    const editor = page.getByLabel(/Selection config/);
    expect(await editor.inputValue()).toBe(template);
    // Preselected samples count toward n_samples: ask for more than the 50 already picked.
    await editor.fill(template.replace('"n_samples": 50', '"n_samples": 80'));
    await expect.poll(() => page.locator('#config-problems').textContent()).toContain('The config is valid.');
    await page.getByLabel('Choose among').selectOption('initial-tag');
    await page.getByLabel('Already picked').selectOption('keyboard-picks');
    await page.getByLabel('Result tag').fill('console-picks');
    await shot(page, '04-new-selection');

    const release = holdShards();
    try {
      await page.getByRole('button', { name: 'Start selection' }).click();
      await page.waitForURL(/#\/runs\//);
      await page.evaluate('window.sameDocument = true');
      const runId = runIdOf(page);
      const status = page.locator('#run-status');
      await status.filter({ hasText: 'RUNNING' }).filter({ hasText: 'phase SHARDS' }).waitFor();
      const held = await apiRun(runId);
      expect(held.status).toBe('RUNNING');
      expect(held.shardsTotal).toBeGreaterThan(0);
      expect(await status.textContent()).toBe(`RUNNING phase SHARDS, shards 0 of ${held.shardsTotal}`);
      expect(await page.getByRole('progressbar', { name: 'Shards done' }).getAttribute('max')).toBe(String(held.shardsTotal));
      expect(await page.getByRole('button', { name: 'Cancel selection' }).isVisible()).toBe(true);
      await expect.poll(() => crumbs(page)).toEqual(['Datasets', 'demo', `Selection ${runId.slice(0, 8)}`]);
      await shot(page, '05-run-live');
    } finally {
      release();
    }
    // The same page, polling, reaches the end without a reload.
    const status = page.locator('#run-status');
    await status.filter({ hasText: 'SUCCEEDED' }).waitFor({ timeout: 60_000 });
    expect(await page.evaluate('window.sameDocument')).toBe(true);
    expect(await page.getByRole('button', { name: 'Cancel selection' }).count()).toBe(0);
    const run = await apiRun(runIdOf(page));
    expect(run).toMatchObject({ status: 'SUCCEEDED', inputTagName: 'initial-tag', preselectedTagName: 'keyboard-picks' });
    const summary = page.getByRole('region', { name: 'Summary' });
    const fact = async (term: string) => (await summary.locator('dt', { hasText: new RegExp(`^${term}$`) }).locator('xpath=following-sibling::dd[1]').textContent())?.trim();
    expect({ pool: await fact('Pool'), selected: await fact('Selected'), preselected: await fact('Preselected'), stop: await fact('Stopped because') }).toEqual({
      pool: count(run.summary!.poolSize),
      selected: count(run.summary!.selected),
      preselected: count(run.summary!.preselected),
      stop: run.summary!.stopReason,
    });
    expect(run.summary!.preselected).toBe(await tagCount('keyboard-picks'));
    const report = page.frameLocator('iframe[title="Selection report"]');
    await report.locator('svg').first().waitFor();
    expect(await report.locator('body').textContent()).toContain('demo');
    await shot(page, '06-run-succeeded');

    // The result tag, from the run's page.
    await page.getByRole('link', { name: `console-picks (${count(run.resultTag!.count)} samples)` }).click();
    await page.getByRole('heading', { name: 'Tag console-picks' }).waitFor();
    expect(await page.locator('#tag-count').textContent()).toContain(`${count(run.resultTag!.count)} samples, made by selection:`);
    await page.context().close();
  }, 90_000);

  it('cancels a running selection from its page: CANCELLED, and no result tag', async () => {
    const page = await newPage();
    await signIn(page, runtime.apiKey);
    await page.getByRole('link', { name: 'demo', exact: true }).waitFor();
    await page.goto(`${origin}#/datasets/${demo.datasetId}/select`);
    await page.getByLabel('Start from').selectOption('demo/weather-balance');
    await page.getByLabel('Result tag').fill('cancelled-picks');
    const release = holdShards();
    try {
      await page.getByRole('button', { name: 'Start selection' }).click();
      await page.waitForURL(/#\/runs\//);
      const cancel = page.getByRole('button', { name: 'Cancel selection' });
      await cancel.click();
      await page.locator('#run-status').filter({ hasText: 'CANCELLED' }).waitFor();
      expect(await cancel.count()).toBe(0);
      expect(await apiRun(runIdOf(page))).toMatchObject({ status: 'CANCELLED', resultTag: null });
      await shot(page, '07-run-cancelled');
    } finally {
      release();
    }
    // Still CANCELLED once the held task has gone on, and its tag never made.
    expect((await waitForRun(runtime.url, runIdOf(page))).status).toBe('CANCELLED');
    const tag = await graphql(runtime.url, 'query ($d: ID!) { dataset(id: $d) { tag(name: "cancelled-picks") { name } } }', { d: demo.datasetId });
    expect(tag.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    await page.context().close();
  }, 60_000);

  it('combines tags: union, intersection and difference, each as the API counts it', async () => {
    const page = await newPage();
    await signIn(page, runtime.apiKey);
    await page.getByRole('link', { name: 'demo', exact: true }).waitFor();
    const names = async (tag: string) => new Set(await tagFileNames(runtime.url, demo.datasetId, tag));
    const [all, keyboard, picks] = await Promise.all([names('initial-tag'), names('keyboard-picks'), names('console-picks')]);
    const cases = [
      { made: 'either-picks', first: 'keyboard-picks', operation: /union/, second: 'console-picks', expected: new Set([...keyboard, ...picks]) },
      { made: 'both-picks', first: 'either-picks', operation: /intersection/, second: 'keyboard-picks', expected: keyboard },
      { made: 'not-picked', first: 'initial-tag', operation: /difference/, second: 'console-picks', expected: new Set([...all].filter((n) => !picks.has(n))) },
    ];
    for (const { made, first, operation, second, expected } of cases) {
      await page.goto(`${origin}#/datasets/${demo.datasetId}/combine`);
      await page.getByLabel('First tag').selectOption(first);
      await page.getByLabel(operation).check();
      await page.getByLabel('Second tag').selectOption(second);
      await page.getByLabel('New tag').fill(made);
      await expect.poll(() => crumbs(page)).toEqual(['Datasets', 'demo', 'Combine tags']);
      if (made === 'not-picked') await shot(page, '08-combine-tags');
      await page.getByRole('button', { name: 'Create tag' }).click();
      await page.getByRole('heading', { name: `Tag ${made}` }).waitFor();
      expect(await tagCount(made)).toBe(expected.size);
      expect(new Set(await tagFileNames(runtime.url, demo.datasetId, made))).toEqual(expected);
      expect(await page.locator('#tag-count').textContent()).toContain(`${count(expected.size)} samples`);
    }
    await page.context().close();
  });

  it('pages through a tag, keeps each tag to its own pages, and downloads the tag as its file names', async () => {
    const page = await newPage();
    await signIn(page, runtime.apiKey);
    await page.getByRole('link', { name: 'demo', exact: true }).waitFor();
    const [notPicked, all] = await Promise.all([tagFileNames(runtime.url, demo.datasetId, 'not-picked'), tagFileNames(runtime.url, demo.datasetId, 'initial-tag')]);
    expect(notPicked.length).toBeGreaterThan(200);
    const heading = (from: number, to: number, of: number) => page.getByRole('heading', { name: `File names ${count(from)}–${count(to)} of ${count(of)}` });

    await page.goto(`${origin}#/datasets/${demo.datasetId}/tags/not-picked`);
    await page.evaluate('window.sameDocument = true');
    await heading(1, 100, notPicked.length).waitFor();
    await expect.poll(() => crumbs(page)).toEqual(['Datasets', 'demo', 'Tag not-picked']);
    expect(await shownNames(page)).toEqual(notPicked.slice(0, 100));
    await page.getByRole('button', { name: 'Next' }).click();
    await heading(101, 200, notPicked.length).waitFor();
    expect(await shownNames(page)).toEqual(notPicked.slice(100, 200));
    await shot(page, '09-tag-page-2');

    // Another tag (a link followed within the page): it starts at its own first page, not at page 2.
    await page.evaluate(`location.hash = ${JSON.stringify(`#/datasets/${demo.datasetId}/tags/initial-tag`)}`);
    await page.getByRole('heading', { name: 'Tag initial-tag' }).waitFor();
    await heading(1, 100, all.length).waitFor();
    expect(await shownNames(page)).toEqual(all.slice(0, 100));
    await page.getByRole('button', { name: 'Next' }).click();
    await heading(101, 200, all.length).waitFor();
    expect(await shownNames(page)).toEqual(all.slice(100, 200));
    // Back to the first tag: its first page again, with its own names.
    await page.goBack();
    await page.getByRole('heading', { name: 'Tag not-picked' }).waitFor();
    await heading(1, 100, notPicked.length).waitFor();
    expect(await shownNames(page)).toEqual(notPicked.slice(0, 100));
    expect(await page.evaluate('window.sameDocument')).toBe(true);

    // The download holds the tag's file names, as the API lists them.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /Download file names/ }).click()]);
    expect(download.suggestedFilename()).toBe('not-picked.txt');
    const downloaded = (await readFile((await download.path())!, 'utf8')).trim().split('\n');
    expect(downloaded).toEqual(notPicked);
    await page.context().close();
  });

  it('shows the thumbnails of uploaded images beside their file names, loaded from the bucket', async () => {
    const page = await newPage();
    await signIn(page, runtime.apiKey);
    await page.getByRole('link', { name: 'demo', exact: true }).waitFor();
    await page.goto(`${origin}#/datasets/${demo.queryDatasetId}/tags/${demo.queryTagName}`);
    await page.getByRole('heading', { name: `Tag ${demo.queryTagName}` }).waitFor();
    await expect.poll(() => crumbs(page)).toEqual(['Datasets', 'demo-queries', `Tag ${demo.queryTagName}`]);
    const names = await tagFileNames(runtime.url, demo.queryDatasetId, demo.queryTagName);
    expect(names.length).toBeGreaterThan(0);
    await expect.poll(() => page.locator('ol.file-names img').count()).toBe(names.length);
    expect(await shownNames(page)).toEqual(names);
    // Each thumbnail is lazy, named by its file name, and was fetched and decoded by the browser from the
    // bucket's presigned URL (a policy or CORS refusal would leave it at naturalWidth 0).
    const thumbnails = () =>
      page.evaluate(
        `[...document.querySelectorAll('ol.file-names img')].map((img) => ({ alt: img.alt, loading: img.getAttribute('loading'), loaded: img.complete && img.naturalWidth > 0, from: new URL(img.src).pathname.includes('/thumbnails/') }))`,
      );
    await expect.poll(thumbnails, { timeout: 20_000 }).toEqual(names.map((alt) => ({ alt, loading: 'lazy', loaded: true, from: true })));
    await shot(page, '10-tag-thumbnails');
    // The demo dataset has no images: names only.
    await page.goto(`${origin}#/datasets/${demo.datasetId}/tags/keyboard-picks`);
    await page.getByRole('heading', { name: 'Tag keyboard-picks' }).waitFor();
    await expect.poll(() => shownNames(page)).toHaveLength(await tagCount('keyboard-picks'));
    expect(await page.locator('ol.file-names img').count()).toBe(0);
    await page.context().close();
  });

  it('shows each config fault at its JSON path and sends nothing', async () => {
    const page = await newPage();
    await signIn(page, runtime.apiKey);
    await page.getByRole('link', { name: 'demo', exact: true }).waitFor();
    const runsOf = async () =>
      (await api<{ dataset: { selectionRuns: { items: { id: string }[] } } }>('query ($d: ID!) { dataset(id: $d) { selectionRuns(first: 50) { items { id } } } }', { d: demo.datasetId })).dataset.selectionRuns.items;
    const before = await runsOf();
    const sent: string[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/graphql') sent.push(request.postData() ?? '');
    });
    await page.goto(`${origin}#/datasets/${demo.datasetId}/select`);
    await page.getByLabel(/Selection config/).fill('{ "n_samples": 0, "strategies": [ { "input": { "type": "EMBEDDINGS" }, "strategy": { "type": "DIVERSITEE" } } ] }');
    await page.getByLabel('Result tag').fill('never-made');
    await page.getByRole('button', { name: 'Start selection' }).click();
    const problems = page.locator('#config-problems');
    await expect.poll(() => problems.textContent()).toContain('nothing was sent');
    const items = await problems.locator('li').allTextContents();
    expect(items.some((item) => item.startsWith('config.nSamples') || item.startsWith('config.n_samples'))).toBe(true);
    expect(items.some((item) => item.startsWith('config.strategies[0].strategy.type'))).toBe(true);
    await shot(page, '11-bad-config');
    // A syntax error names its line and column.
    await page.getByLabel(/Selection config/).fill('{\n  "n_samples": 5,\n  "strategies": [ }\n');
    await expect.poll(() => problems.textContent()).toMatch(/line 3, column \d+/);
    await page.getByRole('button', { name: 'Start selection' }).click();
    expect(sent.filter((body) => body.includes('startSelection'))).toEqual([]);
    expect(page.url()).toContain('/select');
    expect(await runsOf()).toEqual(before);
    const tag = await graphql(runtime.url, 'query ($d: ID!) { dataset(id: $d) { tag(name: "never-made") { name } } }', { d: demo.datasetId });
    expect(tag.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

    // What only the server can check (a task the dataset lacks) comes back at its path too.
    await page.getByLabel(/Selection config/).fill(
      '{ "n_samples": 5, "strategies": [ { "input": { "type": "SCORES", "task": "no_such_task", "score": "uncertainty_entropy" }, "strategy": { "type": "WEIGHTS" } } ] }',
    );
    await page.getByRole('button', { name: 'Start selection' }).click();
    await expect.poll(() => problems.textContent()).toContain('config.strategies[0].input.task');
    expect(sent.filter((body) => body.includes('startSelection'))).toHaveLength(1);
    expect(await runsOf()).toEqual(before);
    await page.context().close();
  }, 60_000);

  it('reaches nothing without a valid key: every operation the console sends is refused with 401', async () => {
    // The list checked here is every operation the pages above sent, and each of them was sent.
    const names = Object.values(OPERATIONS).map((query) => /^\s*(?:query|mutation)\s+(\w+)/.exec(query)![1]);
    expect([...sentOperations].sort()).toEqual([...names].sort());
    const variables = { id: demo.datasetId, datasetId: demo.datasetId, name: 'initial-tag', config: { n_samples: 1, strategies: [] } };
    for (const [name, query] of Object.entries(OPERATIONS)) {
      for (const authorization of [undefined, `Bearer ${BAD_KEY}`, `Basic ${runtime.apiKey}`]) {
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

  it('saved a screenshot of every page', async () => {
    expect(screenshots).toHaveLength(11);
    for (const name of screenshots) expect((await stat(join(ARTIFACTS, `${name}.png`))).size, name).toBeGreaterThan(10_000);
  });
});
