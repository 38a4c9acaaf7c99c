/**
 * The demo data of `npm start`: a dataset `demo` (street-scene frames of a few videos: clustered
 * embeddings, metadata with `weather.description` and `video_name`, detection predictions with
 * probabilities, so `uncertainty_entropy` scores exist) and a dataset `demo-queries` with a tag of query
 * images for SIMILARITY (uploaded with small images, so the console shows their thumbnails). Generated
 * deterministically (the same bytes on every machine) and created through the API like any user's data:
 * createDataset, createUpload, PUT to the presigned URLs, commitUpload, createTag. Idempotent: datasets
 * that already hold their samples are left alone, so a restart with the kept data (the default) finds
 * them; a throwaway instance (`WINNOW_EPHEMERAL=1`) creates them again.
 *
 * `WINNOW_DEMO=0` turns it off.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseJsonc } from '../../functions/selection/jsonc.js';
import { generateLightlyFiles, generateQueryFiles } from './lightlyFolder.js';

export const DEMO = {
  datasetName: 'demo',
  queryDatasetName: 'demo-queries',
  queryTagName: 'query-images',
  samples: 1_500,
  dim: 32,
  clusters: 6,
  videos: 6,
  seed: 2024,
  querySamples: 8,
  queryTagged: 4,
  queryCluster: 2,
} as const;

/**
 * Config files the printed commands use, relative to the repository; the similarity one is written into
 * the data folder at start (it names the query dataset's id, which this machine gave it).
 */
export const DEMO_CONFIGS = {
  activeLearning: 'demo/active-learning.jsonc',
  weatherBalance: 'demo/weather-balance.jsonc',
  similarityFile: 'similar-to-queries.jsonc',
} as const;

export interface DemoDatasets {
  readonly datasetId: string;
  readonly queryDatasetId: string;
  readonly queryTagName: string;
  /** What this start created (empty when everything was there already). */
  readonly created: readonly string[];
  /** Path of the generated SIMILARITY config. */
  readonly similarityConfig: string;
}

/** Refusal from the API while creating the demo, with the operation that failed. */
export class DemoSetupError extends Error {
  override name = 'DemoSetupError';
}

class Api {
  constructor(
    private readonly url: string,
    private readonly apiKey: string,
  ) {}

  async request<T>(operation: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const response = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.apiKey}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
    if (body.errors?.length || !body.data) throw new DemoSetupError(`${operation}: ${body.errors?.map((e) => e.message).join('; ') ?? `HTTP ${response.status}`}`);
    return body.data;
  }

  async findDataset(name: string): Promise<{ id: string; sampleCount: number } | undefined> {
    let after: string | null = null;
    do {
      const page: { datasets: { items: { id: string; name: string; sampleCount: number }[]; nextCursor: string | null } } = await this.request(
        'list datasets',
        'query ($a: String) { datasets(first: 100, after: $a) { items { id name sampleCount } nextCursor } }',
        { a: after },
      );
      const found = page.datasets.items.find((d) => d.name === name);
      if (found) return found;
      after = page.datasets.nextCursor;
    } while (after);
    return undefined;
  }

  async createDataset(name: string): Promise<string> {
    const data = await this.request<{ createDataset: { id: string } }>(`create dataset ${name}`, 'mutation ($n: String!) { createDataset(name: $n) { id } }', { n: name });
    return data.createDataset.id;
  }

  /** The normal upload path: presigned PUTs, then the commit that checks and adds the samples. */
  async upload(datasetId: string, files: ReadonlyMap<string, string | Uint8Array>): Promise<void> {
    const bodies = [...files].map(([path, content]) => ({ path, body: typeof content === 'string' ? Buffer.from(content, 'utf8') : content }));
    const { createUpload } = await this.request<{ createUpload: { id: string; files: { path: string; url: string | null }[] } }>(
      'create upload',
      'mutation ($d: ID!, $f: [UploadFileInput!]!) { createUpload(datasetId: $d, files: $f) { id files { path url } } }',
      { d: datasetId, f: bodies.map((b) => ({ path: b.path, size: b.body.length })) },
    );
    for (const target of createUpload.files) {
      // Demo files are a few hundred KB each, far below the 64 MiB from which the API asks for parts.
      if (!target.url) throw new DemoSetupError(`upload ${target.path}: the API asked for a multipart upload`);
      const put = await fetch(target.url, { method: 'PUT', body: bodies.find((b) => b.path === target.path)!.body });
      if (!put.ok) throw new DemoSetupError(`upload ${target.path}: HTTP ${put.status}`);
    }
    const { commitUpload } = await this.request<{ commitUpload: { status: string; error: string | null } }>(
      'commit upload',
      'mutation ($d: ID!, $u: ID!) { commitUpload(datasetId: $d, uploadId: $u) { status error } }',
      { d: datasetId, u: createUpload.id },
    );
    if (commitUpload.status !== 'COMMITTED') throw new DemoSetupError(`commit upload: ${commitUpload.status} ${commitUpload.error ?? ''}`);
  }

  async hasTag(datasetId: string, name: string): Promise<boolean> {
    // The query dataset holds two tags (initial-tag and the query tag): one page lists them all.
    const data = await this.request<{ dataset: { tags: { items: { name: string }[] } } }>('list tags', 'query ($d: ID!) { dataset(id: $d) { tags(first: 100) { items { name } } } }', {
      d: datasetId,
    });
    return data.dataset.tags.items.some((t) => t.name === name);
  }

  async createTag(datasetId: string, name: string, fileNames: readonly string[]): Promise<void> {
    await this.request('create tag', 'mutation ($d: ID!, $t: String!, $f: [String!]!) { createTag(datasetId: $d, name: $t, fileNames: $f) { name } }', { d: datasetId, t: name, f: fileNames });
  }
}

/** Uploads only what a dataset of the demo still lacks; returns its id and whether it was filled now. */
async function ensureDataset(api: Api, name: string, files: ReadonlyMap<string, string | Uint8Array>): Promise<{ id: string; created: boolean }> {
  const existing = await api.findDataset(name);
  const id = existing?.id ?? (await api.createDataset(name));
  if (existing && existing.sampleCount > 0) return { id, created: false };
  // Tags are not part of an upload; they are created through the API afterwards.
  await api.upload(id, new Map([...files].filter(([path]) => !path.startsWith('.lightly/tags/'))));
  return { id, created: true };
}

/**
 * Images of the query samples (`images/<file name>`), so the console has thumbnails to show: small JPEGs
 * of a sky-and-ground scene with a sun whose colour and place differ per sample, drawn pixel by pixel.
 */
export async function queryImages(fileNames: readonly string[]): Promise<Map<string, Uint8Array>> {
  const { default: sharp } = await import('sharp');
  const width = 160;
  const height = 120;
  const images = new Map<string, Uint8Array>();
  for (const [index, fileName] of fileNames.entries()) {
    const pixels = Buffer.alloc(width * height * 3);
    const sun = { x: 30 + ((index * 37) % 100), y: 30 + ((index * 13) % 30), hue: (index * 45) % 360 };
    const [sunR, sunG, sunB] = hueToRgb(sun.hue);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const o = (y * width + x) * 3;
        const inSun = (x - sun.x) ** 2 + (y - sun.y) ** 2 < 14 ** 2;
        const sky = y < height * 0.65;
        pixels[o] = inSun ? sunR : sky ? 90 + y : 60 + ((x * 3) % 40);
        pixels[o + 1] = inSun ? sunG : sky ? 140 + y : 110 - (y % 20);
        pixels[o + 2] = inSun ? sunB : sky ? 230 - y / 2 : 50;
      }
    }
    images.set(`images/${fileName}`, await sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg({ quality: 85 }).toBuffer());
  }
  return images;
}

function hueToRgb(hue: number): [number, number, number] {
  const f = (n: number) => {
    const k = (n + hue / 60) % 6;
    return Math.round(255 * (1 - Math.max(0, Math.min(k, 4 - k, 1))));
  };
  return [f(5), f(3), f(1)];
}

export function similarityConfig(queryDatasetId: string): string {
  return `// Written by npm start: the demo's query images live in the dataset ${DEMO.queryDatasetName}, whose id this
// machine gave it. SIMILARITY favours samples close to them; DIVERSITY keeps the picks apart.
{
  "n_samples": 40,
  "strategies": [
    {
      "input": { "type": "EMBEDDINGS", "dataset_id": "${queryDatasetId}", "tag_name": "${DEMO.queryTagName}" },
      "strategy": { "type": "SIMILARITY" }
    },
    { "input": { "type": "EMBEDDINGS" }, "strategy": { "type": "DIVERSITY", "strength": 0.3 } }
  ]
}
`;
}

/** Creates whatever part of the demo is missing, through the API at `url`. */
export async function ensureDemoDatasets(url: string, apiKey: string, dataDir: string): Promise<DemoDatasets> {
  const api = new Api(url, apiKey);
  const main = generateLightlyFiles({ samples: DEMO.samples, dim: DEMO.dim, clusters: DEMO.clusters, videos: DEMO.videos, layout: 'jsonl', seed: DEMO.seed });
  const query = generateQueryFiles(main.truth, { tagName: DEMO.queryTagName, samples: DEMO.querySamples, tagged: DEMO.queryTagged, cluster: DEMO.queryCluster }, DEMO.seed + 1);
  const created: string[] = [];
  const demo = await ensureDataset(api, DEMO.datasetName, main.files);
  if (demo.created) created.push(DEMO.datasetName);
  const queries = await ensureDataset(api, DEMO.queryDatasetName, new Map<string, string | Uint8Array>([...query.files, ...(await queryImages(query.truth.fileNames))]));
  if (queries.created) created.push(DEMO.queryDatasetName);
  if (!(await api.hasTag(queries.id, DEMO.queryTagName))) {
    await api.createTag(queries.id, DEMO.queryTagName, query.truth.tags[DEMO.queryTagName]!);
    created.push(`${DEMO.queryDatasetName}/${DEMO.queryTagName}`);
  }
  const configDir = join(dataDir, 'demo');
  await mkdir(configDir, { recursive: true });
  const similarityPath = join(configDir, DEMO_CONFIGS.similarityFile);
  await writeFile(similarityPath, similarityConfig(queries.id));
  return { datasetId: demo.id, queryDatasetId: queries.id, queryTagName: DEMO.queryTagName, created, similarityConfig: similarityPath };
}

const shellQuote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/** Where the shipped configs live (the repository's `demo/`), whatever the working directory. */
const REPOSITORY_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The three copy-paste commands printed at start: one over GraphQL with curl, two with the CLI. */
export async function demoCommands(demo: DemoDatasets, url: string, apiKey: string, cwd = process.cwd()): Promise<string[]> {
  const activeLearning = join(REPOSITORY_ROOT, DEMO_CONFIGS.activeLearning);
  const body = JSON.stringify({
    query: 'mutation ($d: ID!, $c: JSON!) { startSelection(datasetId: $d, config: $c, resultTagName: "demo-active-learning") { id status } }',
    variables: { d: demo.datasetId, c: parseJsonc(await readFile(activeLearning, 'utf8'), DEMO_CONFIGS.activeLearning) },
  });
  const env = `WINNOW_API_URL=${url} WINNOW_API_KEY=${apiKey}`;
  // Paths as short as the working directory allows (npm start runs in the repository's root).
  const path = (file: string) => {
    const short = relative(cwd, resolve(file));
    return short && !short.startsWith('..') ? short : resolve(file);
  };
  return [
    `curl -s ${url} -H 'content-type: application/json' -H 'authorization: Bearer ${apiKey}' -d ${shellQuote(body)}`,
    `${env} npm run winnow -- select --dataset ${DEMO.datasetName} --config ${path(join(REPOSITORY_ROOT, DEMO_CONFIGS.weatherBalance))} --tag demo-weather --wait`,
    `${env} npm run winnow -- select --dataset ${DEMO.datasetName} --config ${path(demo.similarityConfig)} --tag demo-similar --wait`,
  ];
}

/** What `npm start` prints about the demo: the datasets and the three commands, each on a line of its own. */
export async function demoBanner(demo: DemoDatasets, url: string, apiKey: string, elapsedMs: number): Promise<string> {
  const what = demo.created.length ? `created ${demo.created.join(', ')} in ${(elapsedMs / 1000).toFixed(1)} s` : 'already there';
  const [curl, weather, similar] = await demoCommands(demo, url, apiKey);
  return `Demo data (${what}; WINNOW_DEMO=0 skips it):
  dataset ${DEMO.datasetName} (${DEMO.samples} frames of ${DEMO.videos} videos; id ${demo.datasetId})
  dataset ${DEMO.queryDatasetName} with the tag ${demo.queryTagName} (id ${demo.queryDatasetId})
Three selections to try on it (each prints a run id; "npm run winnow -- report RUN --open" shows its report):
  1. active learning, over GraphQL:
${curl}
  2. weather balancing, with the CLI:
${weather}
  3. similarity to the query images, with the CLI:
${similar}`;
}

/** Whether `npm start` should create the demo: on unless `WINNOW_DEMO` is 0, false, no or off. */
export function demoEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return !/^(0|false|no|off)$/i.test(env.WINNOW_DEMO ?? '');
}
