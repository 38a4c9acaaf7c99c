/**
 * The one reading of a Lightly folder, shared by an upload's commit and the CLI: which file is what,
 * the rules between files, and the order records are read in — and the CLI's loader applying them to a
 * folder on disk.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLightlyFolder } from '../../functions/cli/folder.js';
import { scanLightlyFolder } from '../../functions/cli/upload/scan.js';
import { FormatError } from '../../functions/formats/index.js';
import { checkListedTasks, forEachRecord, lightlyFolderFiles, type FolderReader } from '../../functions/ingest/lightlyFolder.js';

const SCHEMA = JSON.stringify([{ name: 'w', path: 'w', valueDataType: 'CATEGORICAL_STRING' }]);
const TASK_SCHEMA = JSON.stringify({ task_type: 'classification', categories: [{ id: 0, name: 'a' }, { id: 1, name: 'b' }] });

function thrown(work: () => unknown): FormatError {
  try {
    work();
  } catch (error) {
    if (error instanceof FormatError) return error;
    throw error;
  }
  throw new Error('nothing was thrown');
}

describe('lightlyFolderFiles', () => {
  it('sorts paths by what they are, bulk record files first and per-file JSONs in path order', () => {
    const files = lightlyFolderFiles([
      '.lightly/metadata/v/b.json',
      '.lightly/metadata/metadata.jsonl',
      '.lightly/metadata/schema.json',
      '.lightly/metadata/v/a.json',
      '.lightly/predictions/tasks.json',
      '.lightly/predictions/cls/v/a.json',
      '.lightly/predictions/cls/predictions.jsonl',
      '.lightly/predictions/cls/schema.json',
      '.lightly/tags/mine.txt',
      'embeddings.csv',
      'embeddings/cls.csv',
      'images/v/a.jpg',
      'notes.txt',
    ]);
    expect(files.embeddings).toBe('embeddings.csv');
    expect(files.metadataSchema).toBe('.lightly/metadata/schema.json');
    expect(files.metadataRecords).toEqual([
      { path: '.lightly/metadata/metadata.jsonl', lines: true },
      { path: '.lightly/metadata/v/a.json', lines: false },
      { path: '.lightly/metadata/v/b.json', lines: false },
    ]);
    expect(files.taskSchemas).toEqual(new Map([['cls', '.lightly/predictions/cls/schema.json']]));
    expect(files.predictionRecords.get('cls')).toEqual([
      { path: '.lightly/predictions/cls/predictions.jsonl', lines: true },
      { path: '.lightly/predictions/cls/v/a.json', lines: false },
    ]);
    expect(files.objectEmbeddings).toEqual([{ task: 'cls', path: 'embeddings/cls.csv' }]);
    expect(files.images).toEqual([{ fileName: 'v/a.jpg', path: 'images/v/a.jpg' }]);
    expect(files.other).toEqual(['.lightly/tags/mine.txt', 'notes.txt']);
  });

  it('refuses metadata records without a schema, naming the missing file as the reader names it', () => {
    const error = thrown(() => lightlyFolderFiles(['embeddings.csv', '.lightly/metadata/a.json'], (path) => `/data/${path}`));
    expect([error.code, error.file]).toEqual(['missing_file', '/data/.lightly/metadata/schema.json']);
  });

  it('refuses prediction files without tasks.json', () => {
    const error = thrown(() => lightlyFolderFiles(['embeddings.csv', '.lightly/predictions/cls/schema.json']));
    expect([error.code, error.file]).toEqual(['missing_file', '.lightly/predictions/tasks.json']);
  });

  it('needs a schema for every listed task and refuses the files of a task not listed', () => {
    const files = lightlyFolderFiles(['.lightly/predictions/tasks.json', '.lightly/predictions/cls/schema.json', '.lightly/predictions/det/predictions.jsonl']);
    expect(thrown(() => checkListedTasks(files, ['cls', 'seg'])).file).toBe('.lightly/predictions/seg/schema.json');
    const unlisted = thrown(() => checkListedTasks(files, ['cls']));
    expect([unlisted.code, unlisted.file]).toEqual(['unknown_task', '.lightly/predictions/det/predictions.jsonl']);
    expect(() => checkListedTasks(lightlyFolderFiles(['.lightly/predictions/tasks.json', '.lightly/predictions/cls/schema.json']), ['cls'])).not.toThrow();
  });
});

describe('forEachRecord', () => {
  it('streams JSON lines with their numbers and reads per-file JSONs, in the order given, naming files as the reader does', async () => {
    const texts: Record<string, string> = { 'm.jsonl': '\uFEFF{"n":1}\r\n\n{"n":2}\n', 'a.json': '{"n":3}', 'b.json': '{"n":4}' };
    const reader: FolderReader = {
      name: (path) => `dir/${path}`,
      text: (path) => Promise.resolve(texts[path]!),
      stream: (path) =>
        Promise.resolve(
          (async function* () {
            // Split inside the CRLF, so that the line end is put together across chunks.
            const bytes = new TextEncoder().encode(texts[path]!);
            yield bytes.subarray(0, 11);
            yield bytes.subarray(11);
          })(),
        ),
    };
    const seen: string[] = [];
    await forEachRecord(
      reader,
      [
        { path: 'm.jsonl', lines: true },
        { path: 'a.json', lines: false },
        { path: 'b.json', lines: false },
      ],
      (text, file, line) => `${file}:${line}:${(JSON.parse(text) as { n: number }).n}`,
      (text, file) => `${file}:${(JSON.parse(text) as { n: number }).n}`,
      (record) => seen.push(record),
    );
    expect(seen).toEqual(['dir/m.jsonl:1:1', 'dir/m.jsonl:3:2', 'dir/a.json:3', 'dir/b.json:4']);
  });
});

describe('the CLI reads a folder by the same rules', () => {
  function folder(files: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), 'winnow-folder-'));
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    return dir;
  }
  const base = {
    'embeddings.csv': 'filenames,embedding_0,embedding_1,labels\na.jpg,1,0,0\nb.jpg,0,1,0\n',
    '.lightly/predictions/tasks.json': '["cls"]',
    '.lightly/predictions/cls/schema.json': TASK_SCHEMA,
    '.lightly/predictions/cls/predictions.jsonl': '{"file_name":"a.jpg","predictions":[{"category_id":1,"probabilities":[0.2,0.8]}]}\n',
    '.lightly/metadata/schema.json': SCHEMA,
    '.lightly/metadata/a.json': '{"file_name":"a.jpg","type":"image","metadata":{"w":"sunny"}}',
    '.lightly/tags/first.txt': 'a.jpg\n',
  };

  it('loads embeddings, metadata, a listed task and tags', async () => {
    const loaded = await loadLightlyFolder(folder(base));
    expect(loaded.counts).toMatchObject({ rows: 2, dim: 2, metadataKeys: 1, tasks: ['cls'], tags: ['first'] });
  });

  it('refuses the files of a task tasks.json does not list, as a commit does', async () => {
    const dir = folder({ ...base, '.lightly/predictions/det/predictions.jsonl': '' });
    await expect(loadLightlyFolder(dir)).rejects.toThrow(`${join(dir, '.lightly/predictions/det/predictions.jsonl')}: is a file of task "det"`);
  });

  it('refuses metadata records without a schema before an upload sends anything', () => {
    const { '.lightly/metadata/schema.json': _schema, ...withoutSchema } = base;
    const dir = folder(withoutSchema);
    expect(() => scanLightlyFolder(dir)).toThrow(`${join(dir, '.lightly/metadata/schema.json')}: is missing`);
  });
});
