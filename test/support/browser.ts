/**
 * Headless Chromium for tests, installed by `npm ci`: the browser shipped inside `@sparticuz/chromium`
 * (brotli-packed in the npm package), driven by playwright-core, which downloads nothing. Nothing comes
 * from apt. `WINNOW_CHROMIUM=/path/to/chromium` uses another browser instead.
 *
 * The package unpacks into `os.tmpdir()` at fixed names, with no guard against two processes unpacking
 * at once (test files run in parallel processes, and other checkouts share /tmp): one could start a
 * half-written binary. So each process unpacks into a private staging folder, and the first to finish
 * renames it into place — a rename is atomic; the losers throw their copy away and use the winner's.
 * A fresh profile per launch; nothing reaches the network except what a test allows.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

const require = createRequire(import.meta.url);

/** Flags for a browser on a machine without a display, sandbox helper or GPU. */
const ARGS = [
  '--no-sandbox',
  '--no-zygote',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

let unpacked: Promise<string> | undefined;

async function unpackChromium(): Promise<string> {
  // The package exports no package.json: read it beside its entry point (build/index.js).
  const manifest = join(dirname(require.resolve('@sparticuz/chromium')), '..', 'package.json');
  const { version } = JSON.parse(await readFile(manifest, 'utf8')) as { version: string };
  const home = join(tmpdir(), `winnow-chromium-${version}`);
  const binary = join(home, 'chromium');
  if (existsSync(binary)) return binary;
  const staging = await mkdtemp(join(tmpdir(), 'winnow-chromium-unpack-'));
  // The package reads os.tmpdir() (TMPDIR) on every call: point it at the staging folder while it unpacks.
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = staging;
  try {
    const { default: packaged } = await import('@sparticuz/chromium');
    await packaged.executablePath();
  } finally {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
  }
  try {
    await rename(staging, home);
  } catch (error) {
    // Another process got there first with a complete copy.
    await rm(staging, { recursive: true, force: true });
    if (!existsSync(binary)) throw error;
  }
  return binary;
}

/** The Chromium executable: `WINNOW_CHROMIUM` when set, else the one from `@sparticuz/chromium`, unpacked once per machine. */
export function chromiumExecutable(): Promise<string> {
  if (process.env.WINNOW_CHROMIUM) return Promise.resolve(process.env.WINNOW_CHROMIUM);
  unpacked ??= unpackChromium();
  return unpacked;
}

/** A headless browser with a fresh profile; `close()` ends it and removes the profile. */
export async function launchBrowser(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const executablePath = await chromiumExecutable();
  const profile = await mkdtemp(join(tmpdir(), 'winnow-chromium-profile-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath, headless: true, args: ARGS });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** A headless browser whose contexts a test opens itself (one per case, each with its own storage). */
export async function launchHeadlessBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: await chromiumExecutable(), headless: true, args: ARGS });
}
