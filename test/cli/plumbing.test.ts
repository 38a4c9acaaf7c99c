/**
 * The CLI's own behaviour — arguments, folder loading, output files, error reporting — with a stand-in
 * engine that picks the first `n_samples` candidate rows, so failures here point at the CLI, not at the
 * selection algorithm.
 */
import { execFile } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { makeSelectCommand } from '../../functions/cli/commands/select.js';
import type { SelectionEngine } from '../../functions/cli/engine.js';
import { writeLightlyFolder, type WrittenLightlyFolder } from '../../infra/local/lightlyFolder.js';
import { runCli } from './support.js';

const stubEngine: SelectionEngine = {
  parseConfig(text) {
    const config = JSON.parse(text) as { n_samples?: unknown };
    if (typeof config.n_samples !== 'number') return { ok: false, errors: [{ path: '$.n_samples', message: 'must be a number' }] };
    return { ok: true, config };
  },
  run(config, source, options) {
    const n = (config as { n_samples: number }).n_samples;
    const pool = options.inputRows ? Array.from(options.inputRows) : Array.from({ length: source.rowCount }, (_, i) => i);
    const pre = new Set(options.preselectedRows ?? []);
    const rows = pool.filter((r) => !pre.has(r)).slice(0, Math.max(0, n - pre.size));
    // Object-level picks can repeat an image: repeat the first one to check the CLI dedupes.
    const picks = rows.map((row, rank) => ({ row, rank }));
    return { rows: rows.length > 0 ? [...rows, rows[0]!] : rows, picks, summary: { pool: pool.length } };
  },
  describe: (result, rowCount) => `selected ${result.rows.length} of ${rowCount}`,
};
const commands = [makeSelectCommand(() => Promise.resolve(stubEngine))];
const cli = (argv: readonly string[]) => runCli(argv, commands);

const dirs: string[] = [];
const scratch = () => {
  const dir = mkdtempSync(join(tmpdir(), 'winnow-cli-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function folder(options: Parameters<typeof writeLightlyFolder>[0] = {}): WrittenLightlyFolder {
  const written = writeLightlyFolder({ samples: 30, dim: 4, ...options });
  dirs.push(written.dir);
  if (written.query) dirs.push(written.query.dir);
  return written;
}

function configFile(n = 5): string {
  const file = join(scratch(), 'config.json');
  writeFileSync(file, JSON.stringify({ n_samples: n, strategies: [] }));
  return file;
}

describe('winnow CLI: arguments', () => {
  it('prints help and lists the commands', async () => {
    const top = await cli(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/Usage: winnow <command>/);
    expect(top.stdout).toMatch(/select/);
    const select = await cli(['select', '--help']);
    expect(select.code).toBe(0);
    expect(select.stdout).toMatch(/--dataset ID=DIR/);
    expect((await cli([])).code).toBe(2);
  });

  it('rejects unknown commands, unknown options and missing or malformed ones with exit code 2', async () => {
    const unknown = await cli(['choose']);
    expect([unknown.code, unknown.stderr]).toEqual([2, expect.stringMatching(/unknown command "choose"/)]);
    const option = await cli(['select', '--config', 'c.json', '--input', '.', '--colour', 'red']);
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/--colour/);
    expect((await cli(['select', '--input', '.'])).stderr).toMatch(/--config is required/);
    expect((await cli(['select', '--config', 'c.json'])).stderr).toMatch(/give --input DIR to select offline on a folder, or --dataset NAME --tag NAME/);
    const dataset = await cli(['select', '--config', 'c.json', '--input', '.', '--dataset', 'noequals']);
    expect([dataset.code, dataset.stderr]).toEqual([2, expect.stringMatching(/--dataset must be ID=FOLDER/)]);
  });

  it('reports an unreadable config and config errors with their JSON path', async () => {
    const { dir } = folder();
    const missing = await cli(['select', '--config', join(dir, 'nope.json'), '--input', dir]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope\.json: cannot read the config \(ENOENT\)/);
    const bad = join(scratch(), 'bad.json');
    writeFileSync(bad, '{"n_samples": "many"}');
    const run = await cli(['select', '--config', bad, '--input', dir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`${bad}: $.n_samples: must be a number\n`);
  });
});

describe('winnow CLI: output', () => {
  it('prints file names in pick order, each once, and writes --out and --explain', async () => {
    const { dir, truth } = folder();
    const run = await cli(['select', '--config', configFile(4), '--input', dir]);
    expect(run.code).toBe(0);
    expect(run.lines).toEqual(truth.fileNames.slice(0, 4));
    expect(run.stderr).toMatch(/selected 5 of 30/);

    const out = join(scratch(), 'picks.txt');
    const explain = join(scratch(), 'picks.json');
    const toFiles = await cli(['select', '--config', configFile(3), '--input', dir, '--out', out, '--explain', explain]);
    expect(toFiles.code).toBe(0);
    expect(toFiles.stdout).toBe('');
    expect(readFileSync(out, 'utf8')).toBe(truth.fileNames.slice(0, 3).join('\n') + '\n');
    const explanation = JSON.parse(readFileSync(explain, 'utf8')) as { picks: { row: number; fileName: string }[]; rowCount: number; summary: unknown };
    expect(explanation.rowCount).toBe(30);
    expect(explanation.picks.map((p) => p.fileName)).toEqual(truth.fileNames.slice(0, 3));
    expect(explanation.summary).toEqual({ pool: 30 });
  });

  it('restricts to --input-tag and passes --preselected-tag', async () => {
    const { dir, truth } = folder();
    const everyOther = truth.tags['every-other']!;
    const tagged = await cli(['select', '--config', configFile(3), '--input', dir, '--input-tag', 'every-other']);
    expect(tagged.lines).toEqual(everyOther.slice(0, 3));
    const pre = await cli(['select', '--config', configFile(3), '--input', dir, '--input-tag', 'every-other', '--preselected-tag', 'video_0']);
    const preselected = new Set(truth.tags.video_0);
    expect(pre.lines).toEqual(everyOther.filter((n) => !preselected.has(n)).slice(0, Math.max(0, 3 - preselected.size)));
    const unknown = await cli(['select', '--config', configFile(3), '--input', dir, '--input-tag', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/--input-tag nope: no such tag .*\(tags: every-other, initial-tag, video_0\)/);
  });

  it('works on JSON-lines layouts', async () => {
    const { dir, truth } = folder({ layout: 'jsonl' });
    const run = await cli(['select', '--config', configFile(2), '--input', dir]);
    expect(run.code).toBe(0);
    expect(run.lines).toEqual(truth.fileNames.slice(0, 2));
  });
});

describe('winnow CLI: bad files', () => {
  const cases: [string, (dir: string) => string, RegExp][] = [
    [
      'a non-numeric embedding',
      (dir) => {
        appendFileSync(join(dir, 'embeddings.csv'), 'extra.jpg,1,2,x,4,0\n');
        return 'embeddings.csv:32: ';
      },
      /column 4 \(embedding_2\): "x" is not a number/,
    ],
    [
      'a duplicate embedding row',
      (dir) => {
        const lines = readFileSync(join(dir, 'embeddings.csv'), 'utf8').split('\n');
        appendFileSync(join(dir, 'embeddings.csv'), lines[1] + '\n');
        return 'embeddings.csv:32: ';
      },
      /already appeared on line 2/,
    ],
    [
      'a metadata value of the wrong type',
      (dir) => {
        writeFileSync(join(dir, '.lightly/metadata/metadata.jsonl'), '{"file_name": "video_0/frame_0000.jpg", "metadata": {}}\n{"file_name": "video_0/frame_0001.jpg", "metadata": {"temperature": "hot"}}\n');
        return '.lightly/metadata/metadata.jsonl:2: $.metadata.temperature: ';
      },
      /must be a number/,
    ],
    [
      'a prediction with an unknown category',
      (dir) => {
        writeFileSync(join(dir, '.lightly/predictions/my_object_detection_task/predictions.jsonl'), '\n{"file_name": "video_0/frame_0000.jpg", "predictions": [{"category_id": 9, "bbox": [0, 0, 1, 1]}]}\n');
        return '.lightly/predictions/my_object_detection_task/predictions.jsonl:2: $.predictions[0].category_id: ';
      },
      /category 9 is not in the schema/,
    ],
    [
      'predictions of a file that is not in the dataset',
      (dir) => {
        mkdirSync(join(dir, '.lightly/predictions/lightly_pretagging/elsewhere'), { recursive: true });
        writeFileSync(join(dir, '.lightly/predictions/lightly_pretagging/elsewhere/x.json'), '{"file_name": "elsewhere/x.jpg", "predictions": []}');
        return '.lightly/predictions/lightly_pretagging/elsewhere/x.json: $.file_name: ';
      },
      /"elsewhere\/x.jpg" is not in the dataset/,
    ],
    [
      'a broken per-file JSON',
      (dir) => {
        writeFileSync(join(dir, '.lightly/metadata/video_0/frame_0002.json'), '{\n  "file_name": "video_0/frame_0002.jpg",\n  "metadata": {\n}');
        return '.lightly/metadata/video_0/frame_0002.json:4: ';
      },
      /invalid JSON/,
    ],
    [
      'a tag naming an unknown file',
      (dir) => {
        writeFileSync(join(dir, '.lightly/tags/bad.txt'), 'video_0/frame_0000.jpg\nnot_there.jpg\n');
        return '.lightly/tags/bad.txt:2: ';
      },
      /"not_there.jpg" is not in the dataset/,
    ],
    [
      'an object embedding beyond the predictions',
      (dir) => {
        appendFileSync(join(dir, 'embeddings/my_object_detections.csv'), 'video_0/frame_0000.jpg#99,1,2,3,4,0\n');
        return 'embeddings/my_object_detections.csv:';
      },
      /object 99 of "video_0\/frame_0000.jpg" does not exist/,
    ],
    [
      'a task without schema',
      (dir) => {
        rmSync(join(dir, '.lightly/predictions/my_keypoint_task/schema.json'));
        return '.lightly/predictions/my_keypoint_task/schema.json: ';
      },
      /is missing: task "my_keypoint_task" is listed/,
    ],
  ];
  it.each(cases)('exits 1 naming file and line: %s', async (_name, corrupt, reason) => {
    const { dir } = folder({ layout: _name.includes('per-file') || _name.includes('not in the dataset') ? 'files' : 'jsonl' });
    const where = corrupt(dir);
    const run = await cli(['select', '--config', configFile(), '--input', dir]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(join(dir, where));
    expect(run.stderr).toMatch(reason);
  });

  it('reports a missing input folder', async () => {
    const run = await cli(['select', '--config', configFile(), '--input', join(scratch(), 'missing')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/missing: not a directory/);
  });
});

describe('winnow CLI: entry point', () => {
  it('runs as a script and exits with the command’s code', async () => {
    const run = promisify(execFile);
    const help = await run('npx', ['tsx', 'functions/cli/main.ts', 'select', '--help'], { cwd: join(import.meta.dirname, '../..') });
    expect(help.stdout).toMatch(/Usage: winnow select/);
    await expect(run('npx', ['tsx', 'functions/cli/main.ts', 'select', '--input', '.'], { cwd: join(import.meta.dirname, '../..') })).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--config is required/),
    });
  });
});

describe('winnow CLI: with the engine', () => {
  it('reports a config that does not fit the data with its JSON path, and hints at --dataset', async () => {
    const { dir } = folder();
    const file = join(scratch(), 'similar.json');
    writeFileSync(
      file,
      '{"n_samples": 2, "strategies": [{"input": {"type": "EMBEDDINGS", "dataset_id": "elsewhere", "tag_name": "q"}, "strategy": {"type": "SIMILARITY"}},]}',
    );
    const run = await runCli(['select', '--config', file, '--input', dir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: \\$\\.strategies\\[0\\]\\.input`));
    expect(run.stderr).toMatch(/--dataset elsewhere=FOLDER/);
    const unknownScore = join(scratch(), 'score.json');
    writeFileSync(unknownScore, '{"n_samples": 2, "strategies": [{"input": {"type": "SCORES", "task": "my_keypoint_task", "score": "uncertainty_margin"}, "strategy": {"type": "WEIGHTS"}}]}');
    const score = await runCli(['select', '--config', unknownScore, '--input', dir]);
    expect(score.code).toBe(1);
    expect(score.stderr).toMatch(/\$\.strategies\[0\]\.input\.score: .*mean_uncertainty/);
  });

  it('reports JSONC syntax errors with line and column, and invalid configs with their path', async () => {
    const { dir } = folder();
    const syntax = join(scratch(), 'syntax.json');
    writeFileSync(syntax, '{"n_samples": 3, # three\n "strategies": [}');
    const run = await runCli(['select', '--config', syntax, '--input', dir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/syntax\.json: line 2, column 17: /);
    const invalid = join(scratch(), 'invalid.json');
    writeFileSync(invalid, '{"n_samples": 3, "strategies": [{"input": {"type": "EMBEDDINGS"}, "strategy": {"type": "BALANCE"}}]}');
    const bad = await runCli(['select', '--config', invalid, '--input', dir]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/invalid\.json: \$\.strategies\[0\]/);
    expect(bad.stderr).toMatch(/BALANCE/);
  });

  it('selects from a JSON-lines folder with input and preselected tags', async () => {
    const { dir, truth } = folder({ layout: 'jsonl', samples: 60 });
    const file = join(scratch(), 'div.json');
    writeFileSync(file, '{"n_samples": 10, "strategies": [{"input": {"type": "EMBEDDINGS"}, "strategy": {"type": "DIVERSITY"}}]}');
    const run = await runCli(['select', '--config', file, '--input', dir, '--input-tag', 'every-other', '--preselected-tag', 'video_0']);
    expect(run.code).toBe(0);
    const allowed = new Set(truth.tags['every-other']);
    const preselected = new Set(truth.tags.video_0);
    for (const name of run.lines) {
      expect(allowed.has(name)).toBe(true);
      expect(preselected.has(name)).toBe(false);
    }
    expect(run.lines.length).toBe(Math.max(0, 10 - preselected.size));
  });
});
