/**
 * `npm run build:console`: builds the console (Vite) into `console/dist/`, which `npm start` serves at `/`
 * and the stack uploads. Skips the build when `dist/` was made from the same sources (a hash of them is
 * kept in `dist/.source-hash`), so `npm start`, `npm test` and `cdk synth` may all call it cheaply.
 * The new build is written beside the old one and swapped in, so a server reading `dist/` meanwhile never
 * sees it half-written.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const CONSOLE_ROOT = fileURLToPath(new URL('.', import.meta.url));
const REPOSITORY_ROOT = join(CONSOLE_ROOT, '..');
/** The built console: static files only. */
export const CONSOLE_DIST = join(CONSOLE_ROOT, 'dist');
export const SOURCE_HASH_FILE = '.source-hash';

/** Everything the bundle is made from: the console's own files, the engine modules it bundles, the templates, the locked versions. */
const SOURCES = [
  'console/index.html',
  'console/vite.config.ts',
  'console/src',
  'functions/selection/config.ts',
  'functions/selection/errors.ts',
  'functions/selection/jsonc.ts',
  // config.ts reads the strategy registry, whose definitions bring these.
  'functions/selection/strategies',
  'functions/selection/approximateKnn.ts',
  'functions/selection/random.ts',
  'functions/selection/units.ts',
  'demo',
  'test/fixtures/seeds',
  'package-lock.json',
];

function filesUnder(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => filesUnder(join(path, name)));
}

function sourceHash(): string {
  const hash = createHash('sha256');
  for (const source of SOURCES) {
    for (const file of filesUnder(join(REPOSITORY_ROOT, source))) hash.update(relative(REPOSITORY_ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

/** Builds the console when it is out of date; true when it was built. */
export async function buildConsole(): Promise<boolean> {
  const hash = sourceHash();
  const hashFile = join(CONSOLE_DIST, SOURCE_HASH_FILE);
  if (existsSync(hashFile) && readFileSync(hashFile, 'utf8').trim() === hash) return false;
  const { build } = await import('vite');
  const staging = join(CONSOLE_ROOT, `dist.building-${process.pid}`);
  await build({ configFile: join(CONSOLE_ROOT, 'vite.config.ts'), build: { outDir: staging, emptyOutDir: true } });
  writeFileSync(join(staging, SOURCE_HASH_FILE), `${hash}\n`);
  const retired = join(CONSOLE_ROOT, `dist.old-${process.pid}`);
  if (existsSync(CONSOLE_DIST)) renameSync(CONSOLE_DIST, retired);
  renameSync(staging, CONSOLE_DIST);
  rmSync(retired, { recursive: true, force: true });
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = Date.now();
  if (await buildConsole()) console.error(`console built in ${((Date.now() - started) / 1000).toFixed(1)} s (console/dist)`);
}
