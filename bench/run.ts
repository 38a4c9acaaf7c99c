/**
 * `npm run bench`: runs every `bench/*.bench.ts` (or those named on the command line) in turn. Each
 * benchmark uses fixed seeds and prints its own figures; none of them is part of `npm test`.
 *
 * `npm run bench -- --only NAME` runs the one benchmark NAME of the files that list it in their exported
 * `names` (e.g. `--only kcenter`, `--only knn`).
 */
import { readdirSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface BenchModule {
  run?: (only?: string) => Promise<void>;
  names?: readonly string[];
}

// Relaxed SIMD (the neighbour filter's fused multiply-add) runs by default from V8 11.4 (Node 22, the
// Lambda runtime); Node 20's V8 11.3 has it behind a flag, set here before any module is compiled so
// that the figures are the Lambda's. `WINNOW_RELAXED_SIMD=off` measures without it.
const [v8Major, v8Minor] = process.versions.v8.split('.').map(Number) as [number, number];
if (v8Major < 11 || (v8Major === 11 && v8Minor < 4)) setFlagsFromString('--experimental-wasm-relaxed-simd');

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? args[onlyAt + 1] : undefined;
if (onlyAt >= 0 && !only) throw new Error('--only needs a benchmark name, e.g. --only kcenter');
const wanted = onlyAt >= 0 ? args.filter((_, i) => i !== onlyAt && i !== onlyAt + 1) : args;
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)))
  .sort();

let ran = 0;
for (const file of files) {
  const mod = (await import(pathToFileURL(join(here, file)).href)) as BenchModule;
  if (typeof mod.run !== 'function') throw new Error(`${file} must export run()`);
  if (only !== undefined && !mod.names?.includes(only)) continue;
  // With --only the JSON line must stay alone on stdout: the heading goes to stderr.
  (only === undefined ? console.log : console.error)(`\n== ${file}`);
  await mod.run(only);
  ran++;
}
if (only !== undefined && ran === 0) throw new Error(`no benchmark named ${only}`);
