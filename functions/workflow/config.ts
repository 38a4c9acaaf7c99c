/**
 * The selection config as a run sees it: parsed (both JSON and the typed GraphQL input), checked against
 * the dataset before anything starts, and turned into the list of columns the run reads.
 */
import type { BlobStore } from '../store/blobs.js';
import type { DatasetManifest } from '../store/columns.js';
import type { Dataset, DatasetRepository } from '../store/datasets.js';
import { NotFoundError } from '../store/errors.js';
import type { TagRepository } from '../store/tags.js';
import { parseSelectionConfig, validateAgainstSource, type SelectionConfig } from '../selection/index.js';
import type { SelectionSource } from '../selection/types.js';
import type { ColumnNeeds } from './columnSource.js';
import { ConfigRejectedError } from './errors.js';

export interface TypedConfig {
  readonly nSamples?: number | null;
  readonly proportionSamples?: number | null;
  readonly selectedSequenceLength?: number | null;
  readonly removeExactDuplicates?: boolean | null;
  readonly strategies: readonly {
    readonly input: Record<string, unknown>;
    readonly strategy: Record<string, unknown> & { target?: readonly { className: string; share: number }[] | null };
    readonly strength?: number | null;
  }[];
}

/** The typed GraphQL input in the JSON config's shape (nulls dropped, BALANCE target list → object). */
export function typedConfigToJson(typed: TypedConfig): unknown {
  const clean = (value: Record<string, unknown>) => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined));
  return clean({
    nSamples: typed.nSamples,
    proportionSamples: typed.proportionSamples,
    selectedSequenceLength: typed.selectedSequenceLength,
    removeExactDuplicates: typed.removeExactDuplicates,
    strategies: typed.strategies.map((entry) => {
      const { target, ...strategy } = entry.strategy;
      return clean({
        input: clean(entry.input),
        strategy: clean({ ...strategy, ...(target ? { target: Object.fromEntries(target.map((t) => [t.className, t.share])) } : {}) }),
        strength: entry.strength,
      });
    }),
  });
}

const joinPath = (root: string, path: string) => (path ? `${root}.${path}` : root);

/** Parses a config; a malformed one is refused with the JSON path under `rootPath` (`config.…`). */
export function parseConfigForRun(raw: unknown, rootPath: string): SelectionConfig {
  const result = parseSelectionConfig(raw);
  if (result.ok) return result.config;
  const problems = result.issues.map((i) => ({ path: joinPath(rootPath, i.path), message: i.message }));
  throw new ConfigRejectedError(problems.map((p) => `${p.path}: ${p.message}`).join('; '), problems[0]!.path, 'BAD_USER_INPUT', problems);
}

export interface QueryInfo {
  readonly dim: number;
  readonly rows: number;
  readonly inThisDataset: boolean;
}

/**
 * A view of the dataset's schema for validation: keys, tasks, scores, dimensions and query sets, without
 * reading any column. Data accessors return empty matrices of the right shape.
 */
export function schemaSource(manifest: DatasetManifest, queries: ReadonlyMap<string, QueryInfo>): SelectionSource {
  const empty = (rows: number, dim: number) => ({ rows, dim, data: new Float32Array(0) });
  return {
    rowCount: manifest.rowCount,
    fileName: () => '',
    embeddings: () => (manifest.embeddingDimension > 0 ? empty(manifest.rowCount, manifest.embeddingDimension) : undefined),
    objectEmbeddings: (task) => {
      const info = manifest.tasks[task];
      return info?.objectEmbeddings ? { ...empty(0, info.objectDim ?? 0), sampleRow: new Int32Array(0), objectIndex: new Int32Array(0) } : undefined;
    },
    querySet: (datasetId, tagName) => {
      const info = queries.get(`${datasetId}\u0000${tagName}`);
      return info ? { embeddings: empty(info.rows, info.dim) } : undefined;
    },
    metadataKeys: () => new Map(Object.entries(manifest.metadata).map(([key, info]) => [key, info.type])),
    metadata: () => undefined,
    tasks: () => new Map(Object.entries(manifest.tasks).map(([name, info]) => [name, { name, type: info.type, categories: new Map(info.categories.map((c) => [c.id, c.name])) }])),
    score: () => undefined,
    scoreNames: (task) => manifest.tasks[task]?.scoreNames ?? [],
    classCounts: () => undefined,
    categoryCount: () => undefined,
  };
}

export interface QueryDeps {
  readonly datasets: DatasetRepository;
  readonly tags: TagRepository;
  readonly blobs: BlobStore;
  manifest(dataset: Dataset): Promise<DatasetManifest>;
}

/** Looks up the query sets of SIMILARITY entries (datasets of the same tenant only). */
export async function resolveQueryInfo(deps: QueryDeps, tenantId: string, datasetId: string, config: SelectionConfig): Promise<Map<string, QueryInfo>> {
  const out = new Map<string, QueryInfo>();
  for (const entry of config.strategies) {
    const input = entry.input;
    if (input.type !== 'EMBEDDINGS' || input.datasetId === undefined || input.tagName === undefined) continue;
    try {
      const dataset = await deps.datasets.get(tenantId, input.datasetId);
      const tag = await deps.tags.get(dataset.id, input.tagName);
      const manifest = await deps.manifest(dataset);
      out.set(`${input.datasetId}\u0000${input.tagName}`, {
        dim: manifest.embeddingDimension,
        rows: tag.allRows ? dataset.sampleCount : tag.count,
        inThisDataset: dataset.id === datasetId,
      });
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
  }
  return out;
}

/** Everything about the config that needs the dataset: keys, tasks, score names, query sets. */
export async function checkConfigAgainstDataset(
  deps: QueryDeps,
  tenantId: string,
  dataset: Dataset,
  manifest: DatasetManifest,
  config: SelectionConfig,
  rootPath: string,
): Promise<void> {
  const queries = await resolveQueryInfo(deps, tenantId, dataset.id, config);
  const issues = validateAgainstSource(config, schemaSource(manifest, queries));
  if (issues.length === 0) return;
  const problems = issues.map((i) => ({ path: joinPath(rootPath, i.path), message: i.message }));
  throw new ConfigRejectedError(problems.map((p) => `${p.path}: ${p.message}`).join('; '), problems[0]!.path, 'BAD_USER_INPUT', problems);
}

/** The columns a run reads for its config. */
export function columnNeeds(config: SelectionConfig): ColumnNeeds {
  const needs: Required<ColumnNeeds> = { embeddings: false, metadata: [], scores: [], classCounts: [], categoryCount: [], objectEmbeddings: [], querySets: [] };
  for (const { input } of config.strategies) {
    switch (input.type) {
      case 'EMBEDDINGS':
        if (input.datasetId !== undefined && input.tagName !== undefined) {
          needs.embeddings = true;
          needs.querySets.push({ datasetId: input.datasetId, tagName: input.tagName });
        } else if (input.task !== undefined) needs.objectEmbeddings.push(input.task);
        else needs.embeddings = true;
        break;
      case 'SCORES':
        needs.scores.push({ task: input.task, score: input.score });
        break;
      case 'METADATA':
        needs.metadata.push(input.key);
        break;
      case 'PREDICTIONS':
        (input.name === 'CLASS_DISTRIBUTION' ? needs.classCounts : needs.categoryCount).push(input.task);
        break;
      case 'RANDOM':
        break;
    }
  }
  return needs;
}
