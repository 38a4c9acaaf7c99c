/**
 * `winnow select`: run a selection config over a Lightly-layout folder, offline.
 *
 * Prints the selected file names, one per line, in pick order (or writes them to `--out`), and a one-line
 * summary on stderr; `--explain` writes the engine's per-pick explanation as JSON. A selection on object
 * embeddings picks objects; the output lists their images, each once, in the order of their first pick.
 */
import { realpathSync, writeFileSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadLightlyFolder, type LoadedFolder } from '../folder.js';
import { EXIT, UsageError, type CliIo, type Command } from '../io.js';
import type { MemorySource } from '../../selection/memorySource.js';
import { ConfigMismatchError, type EngineResult, type SelectionEngine } from '../engine.js';
import { REMOTE_SELECT_USAGE, runRemoteSelect } from './remoteSelect.js';

export const SELECT_USAGE = `Usage: winnow select --config CONFIG --input DIR [options]   (offline, on a folder)
       winnow select --dataset NAME --config FILE --tag NAME [--wait]   (on the server; see below)

Offline: selects samples of the Lightly-layout dataset folder DIR with a selection config (JSON; comments and
trailing commas allowed) and prints the selected file names, one per line. Sequences (selected_sequence_length)
and exact-duplicate removal work as on the server; an image in DIR/images/ that cannot be decoded marks its
sample corrupt: never selected, and listed on stderr and in the --explain JSON (corruptSamples).

Options:
  --config FILE            the selection config (required)
  --input DIR              the dataset folder: embeddings.csv, embeddings/<task>.csv, .lightly/… (required)
  --out FILE               write the selected file names to FILE instead of stdout
  --explain FILE           write the explanation of every pick (JSON) to FILE
  --dataset ID=DIR         a dataset that a config's "dataset_id" refers to (similarity query sets); its
                           tags are DIR/.lightly/tags/<tag>.txt. Repeatable. An ID naming DIR itself refers
                           to the input dataset.
  --input-tag NAME         select among the samples of tag NAME only (DIR/.lightly/tags/NAME.txt)
  --preselected-tag NAME   samples of tag NAME count as already selected
  -h, --help               show this help

Exit codes: 0 success, 1 bad config or data (the message names the file, line and JSON path), 2 bad usage.

${REMOTE_SELECT_USAGE}`;

/** Offline when a folder is given (--input); on the server when a result tag is (--tag). */
function isRemote(argv: readonly string[]): boolean {
  const given = (option: string) => argv.some((a) => a === option || a.startsWith(`${option}=`));
  if (given('--input')) return false;
  if (given('--tag')) return true;
  if (given('--help') || given('-h')) return false;
  throw new UsageError('give --input DIR to select offline on a folder, or --dataset NAME --tag NAME to select on the server');
}

export interface SelectArgs {
  readonly config: string;
  readonly input: string;
  readonly out: string | undefined;
  readonly explain: string | undefined;
  readonly datasets: ReadonlyMap<string, string>;
  readonly inputTag: string | undefined;
  readonly preselectedTag: string | undefined;
}

export function parseSelectArgs(argv: readonly string[]): SelectArgs | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: 'string' },
        input: { type: 'string' },
        out: { type: 'string' },
        explain: { type: 'string' },
        dataset: { type: 'string', multiple: true },
        'input-tag': { type: 'string' },
        'preselected-tag': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (values.help) return 'help';
  if (!values.config) throw new UsageError('--config is required');
  if (!values.input) throw new UsageError('--input is required');
  const datasets = new Map<string, string>();
  for (const spec of values.dataset ?? []) {
    const eq = spec.indexOf('=');
    if (eq <= 0 || eq === spec.length - 1) throw new UsageError(`--dataset must be ID=FOLDER, got "${spec}"`);
    const id = spec.slice(0, eq);
    if (datasets.has(id)) throw new UsageError(`--dataset ${id} is given twice`);
    datasets.set(id, spec.slice(eq + 1));
  }
  return {
    config: values.config,
    input: values.input,
    out: values.out,
    explain: values.explain,
    datasets,
    inputTag: values['input-tag'],
    preselectedTag: values['preselected-tag'],
  };
}

const samePath = (a: string, b: string) => {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
};

function tagRows(source: MemorySource, name: string, dir: string, option: string): Int32Array {
  const rows = source.tagRows(name);
  if (!rows) throw new Error(`${option} ${name}: no such tag in ${dir}/.lightly/tags (tags: ${source.tagNames().join(', ')})`);
  return rows;
}

/** The `--explain` JSON: the run's inputs, the engine's summary, every pick, the corrupt samples. */
function writeExplanation(args: SelectArgs, source: MemorySource, names: readonly string[], result: EngineResult, corrupt: LoadedFolder['corruptSamples']): void {
  const explanation = {
    config: args.config,
    input: args.input,
    ...(args.inputTag !== undefined ? { inputTag: args.inputTag } : {}),
    ...(args.preselectedTag !== undefined ? { preselectedTag: args.preselectedTag } : {}),
    rowCount: source.rowCount,
    selected: names.length,
    summary: result.summary,
    corruptSamples: corrupt.map(({ fileName, reason }) => ({ fileName, reason })),
    picks: result.picks.map((pick) => ({ ...pick, fileName: source.fileName(pick.row) })),
  };
  writeFileSync(args.explain!, JSON.stringify(explanation, null, 2) + '\n');
}

export function makeSelectCommand(engine: () => Promise<SelectionEngine>): Command {
  return {
    name: 'select',
    summary: 'run a selection config on the server (--dataset) or offline on a folder (--input)',
    usage: SELECT_USAGE,
    async run(argv: string[], io: CliIo): Promise<number> {
      if (isRemote(argv)) return runRemoteSelect(argv, io);
      const args = parseSelectArgs(argv);
      if (args === 'help') {
        io.stdout(SELECT_USAGE);
        return EXIT.ok;
      }
      const selection = await engine();

      // The config first: a bad config fails fast, before any data is read.
      let configText: string;
      try {
        configText = readFileSync(args.config, 'utf8');
      } catch (err) {
        throw new Error(`${args.config}: cannot read the config (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
      }
      const parsed = selection.parseConfig(configText, args.config);
      if (!parsed.ok) {
        io.stderr(parsed.errors.map((e) => `${args.config}: ${e.path}: ${e.message}\n`).join(''));
        return EXIT.failure;
      }

      // Query datasets (embeddings and tags only), then the input dataset.
      let selfId: string | undefined;
      const others = new Map<string, MemorySource>();
      for (const [id, dir] of args.datasets) {
        if (samePath(dir, args.input)) {
          selfId ??= id;
          continue;
        }
        others.set(id, (await loadLightlyFolder(dir, { id, embeddingsOnly: true })).source);
      }
      const loaded = await loadLightlyFolder(args.input, {
        ...(selfId !== undefined ? { id: selfId } : {}),
        resolveDataset: (id) => others.get(id),
      });
      const source = loaded.source;
      const inputRows = args.inputTag !== undefined ? tagRows(source, args.inputTag, args.input, '--input-tag') : undefined;
      const preselectedRows = args.preselectedTag !== undefined ? tagRows(source, args.preselectedTag, args.input, '--preselected-tag') : undefined;

      let result;
      try {
        result = selection.run(parsed.config, source, {
          ...(inputRows ? { inputRows } : {}),
          ...(preselectedRows ? { preselectedRows } : {}),
          ...(loaded.corruptSamples.length > 0 ? { corruptRows: new Map(loaded.corruptSamples.map((c) => [c.row, c.reason])) } : {}),
        });
      } catch (err) {
        if (!(err instanceof ConfigMismatchError)) throw err;
        io.stderr(err.problems.map((e) => `${args.config}: ${e.path}: ${e.message}\n`).join(''));
        for (const [, id] of err.message.matchAll(/dataset '([^']+)'/g)) {
          if (!args.datasets.has(id!)) io.stderr(`hint: name the folder of dataset "${id}" with --dataset ${id}=FOLDER\n`);
        }
        return EXIT.failure;
      }

      // File names, each once, in pick order.
      const seen = new Set<number>();
      const names: string[] = [];
      for (const row of result.rows) {
        if (seen.has(row)) continue;
        seen.add(row);
        names.push(source.fileName(row));
      }
      const listing = names.map((n) => `${n}\n`).join('');
      if (args.out !== undefined) writeFileSync(args.out, listing);
      else io.stdout(listing);
      if (args.explain !== undefined) writeExplanation(args, source, names, result, loaded.corruptSamples);
      io.stderr(`${selection.describe(result, loaded.source.rowCount)}\n`);
      for (const { fileName, reason } of loaded.corruptSamples) io.stderr(`corrupt (never selected): ${fileName}: ${reason}\n`);
      return EXIT.ok;
    },
  };
}
