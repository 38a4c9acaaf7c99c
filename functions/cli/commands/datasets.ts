/** `winnow datasets`, `winnow tags --dataset NAME`, `winnow runs --dataset NAME`: listings as aligned columns. */
import { connect, defineCommand, required, table } from '../args.js';
import type { RunProgress } from '../client/api.js';
import { EXIT, type Command } from '../io.js';

const DATASETS_USAGE = `Usage: winnow datasets

Lists your datasets: name, samples, id, creation time.
`;

const TAGS_USAGE = `Usage: winnow tags --dataset NAME

Lists the tags of a dataset: name, samples, who made it, creation time.
`;

const RUNS_USAGE = `Usage: winnow runs --dataset NAME

Lists the selection runs of a dataset, newest first: id, status, result tag, picks, creation time.
`;

export function makeDatasetsCommand(): Command {
  return defineCommand({
    name: 'datasets',
    summary: 'list your datasets',
    usage: DATASETS_USAGE,
    options: {},
    async run(_parsed, io) {
      const datasets = await connect().datasets();
      io.stdout(table(['NAME', 'SAMPLES', 'ID', 'CREATED'], datasets.map((d) => [d.name, String(d.sampleCount), d.id, d.createdAt])));
      return EXIT.ok;
    },
  });
}

export function makeTagsCommand(): Command {
  return defineCommand({
    name: 'tags',
    summary: 'list the tags of a dataset',
    usage: TAGS_USAGE,
    options: { dataset: { type: 'string' } },
    async run({ values }, io) {
      const api = connect();
      const dataset = await api.datasetByName(required(values.dataset, '--dataset'));
      const tags = await api.tags(dataset.id);
      io.stdout(table(['NAME', 'SAMPLES', 'CREATED BY', 'CREATED'], tags.map((t) => [t.name, String(t.count), t.createdBy, t.createdAt])));
      return EXIT.ok;
    },
  });
}

/** `SUCCEEDED`, `RUNNING SELECT` …: the status with the phase while it runs. */
export const runState = (run: RunProgress) => (run.status === 'RUNNING' && run.phase ? `RUNNING ${run.phase}` : run.status);

export function makeRunsCommand(): Command {
  return defineCommand({
    name: 'runs',
    summary: 'list the selection runs of a dataset',
    usage: RUNS_USAGE,
    options: { dataset: { type: 'string' } },
    async run({ values }, io) {
      const api = connect();
      const dataset = await api.datasetByName(required(values.dataset, '--dataset'));
      const runs = await api.runs(dataset.id);
      io.stdout(
        table(
          ['ID', 'STATUS', 'TAG', 'SELECTED', 'CREATED'],
          runs.map((r) => [r.id, runState(r), r.resultTagName, r.summary ? String(r.summary.selected) : r.picksSoFar != null ? String(r.picksSoFar) : '-', r.createdAt]),
        ),
      );
      return EXIT.ok;
    },
  });
}
