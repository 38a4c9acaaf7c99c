/**
 * `winnow select --dataset NAME --config FILE --tag NAME [--wait]`: starts a selection on the server
 * (`startSelection`) and prints the run's id; with `--wait`, follows it live (phase, shards, picks) and
 * exits non-zero unless it SUCCEEDED.
 */
import { readFileSync } from 'node:fs';
import { parseJsonc } from '../../selection/jsonc.js';
import { connect, parseCommandLine, required } from '../args.js';
import type { RunProgress, WinnowApi } from '../client/api.js';
import { ApiError, RunNotSucceededError } from '../errors.js';
import { EXIT, type CliIo } from '../io.js';
import { statusLine } from '../progress.js';

export const REMOTE_SELECT_USAGE = `Usage: winnow select --dataset NAME --config FILE --tag NAME [options]

Runs a selection on the server: the selection config FILE (JSON; comments and trailing commas allowed)
on the dataset NAME; the picked samples become the new tag NAME. Prints the run's id.

Options:
  --dataset NAME           the dataset (required)
  --config FILE            the selection config (required)
  --tag NAME               name of the result tag (required; must not exist yet)
  --input-tag NAME         select among the samples of this tag only
  --preselected-tag NAME   the samples of this tag count as already picked
  --datapool               a datapool run: earlier pool runs' picks count as picked, only samples added
                           since the last pool run are candidates, n_samples counts new picks
  --process-all            with --datapool: every sample outside the pool is a candidate
  --wait                   follow the run until it ends; exit 1 if it FAILED or was CANCELLED
  -h, --help               show this help
`;

const FINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);
const POLL_MS = 500;

function describeProgress(run: RunProgress): string {
  const parts = [`run ${run.id}: ${run.status}`];
  if (run.phase && run.status === 'RUNNING') parts.push(`phase ${run.phase}`);
  if (run.shardsTotal != null) parts.push(`shards ${run.shardsDone ?? 0}/${run.shardsTotal}`);
  if (run.picksSoFar != null) parts.push(`picks ${run.picksSoFar}`);
  return parts.join(', ');
}

function describeEnd(run: RunProgress): string {
  if (run.status !== 'SUCCEEDED') return `run ${run.id} ${run.status}${run.failureReason ? `: ${run.failureReason}` : ''}`;
  const s = run.summary;
  const summary = s ? `selected ${s.selected} (pool ${s.poolSize}, before thresholds; requested ${s.requested}${s.preselected ? `, ${s.preselected} preselected` : ''}; ${s.stopReason})` : 'done';
  const notes = s?.notes.map((n) => `\n  ${n}`).join('') ?? '';
  return `run ${run.id} SUCCEEDED: ${summary}; tag "${run.resultTag?.name ?? run.resultTagName}" has ${run.resultTag?.count ?? '?'} samples${notes}`;
}

export async function followRun(api: WinnowApi, io: CliIo, started: RunProgress): Promise<RunProgress> {
  const line = statusLine(io);
  let run = started;
  try {
    for (;;) {
      line.show(describeProgress(run));
      if (FINAL.has(run.status)) return run;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      run = await api.run(run.id);
    }
  } finally {
    line.stop();
  }
}

/** The command-line option or file behind an argument of startSelection. */
function blame(argumentPath: string, configPath: string): string {
  const options: Record<string, string> = { resultTagName: '--tag', inputTagName: '--input-tag', preselectedTagName: '--preselected-tag', datasetId: '--dataset' };
  if (argumentPath === 'config' || argumentPath.startsWith('config.') || argumentPath.startsWith('config[')) return configPath;
  return options[argumentPath] ?? argumentPath;
}

function readConfig(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${file}: cannot read the config (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
  }
  return parseJsonc(text, file);
}

export async function runRemoteSelect(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseCommandLine(argv, {
    dataset: { type: 'string' },
    config: { type: 'string' },
    tag: { type: 'string' },
    'input-tag': { type: 'string' },
    'preselected-tag': { type: 'string' },
    datapool: { type: 'boolean' },
    'process-all': { type: 'boolean' },
    wait: { type: 'boolean' },
  });
  if (values.help) {
    io.stdout(REMOTE_SELECT_USAGE);
    return EXIT.ok;
  }
  const name = required(values.dataset, '--dataset');
  const configPath = required(values.config, '--config');
  const tag = required(values.tag, '--tag');
  const config = readConfig(configPath);
  const api = connect();
  const dataset = await api.datasetByName(name);
  let started: RunProgress;
  try {
    started = await api.startSelection({
      datasetId: dataset.id,
      config,
      resultTagName: tag,
      inputTagName: values['input-tag'],
      preselectedTagName: values['preselected-tag'],
      useDatapool: values.datapool === true,
      processAll: values['process-all'] === true,
    });
  } catch (err) {
    throw err instanceof ApiError && err.argumentPath ? new ApiError(`${blame(err.argumentPath, configPath)}: ${err.message}`, err.code, err.argumentPath, err.extensions) : err;
  }
  io.stdout(`${started.id}\n`);
  if (!values.wait) {
    io.stderr(`started run ${started.id} on ${name}; follow it with "winnow runs --dataset ${name}"\n`);
    return EXIT.ok;
  }
  const ended = await followRun(api, io, started);
  if (ended.status !== 'SUCCEEDED') throw new RunNotSucceededError(describeEnd(ended));
  io.stderr(`${describeEnd(ended)}\n`);
  return EXIT.ok;
}
