/**
 * Inputs → columns: resolves each config entry's input against the dataset (the {@link SelectionSource})
 * and checks, before anything runs, that the dataset has what the config asks for. Every problem names
 * the JSON path of the entry and what the dataset offers instead.
 */
import type { InputConfig, SelectionConfig, StrategyEntry } from './config.js';
import type { ConfigIssue } from './errors.js';
import { DEFAULT_RANDOM_SEED, randomColumn } from './random.js';
import type { ClassColumn } from './strategies/definition.js';
import { strategyDefinition } from './strategies/registry.js';
import type { EmbeddingMatrix, SelectionSource } from './types.js';
import { objectUnits, rowUnits, type Units } from './units.js';

const isNumericType = (type: string) => type === 'NUMERIC_INT' || type === 'NUMERIC_FLOAT';
/** Whether a strategy reads class counts (a categorical key) rather than numbers. */
const readsClasses = (strategyType: string) => strategyDefinition(strategyType).reads === 'classes';
const list = (names: Iterable<string>) => [...names].sort().join(', ') || 'none';

/** The task whose objects are the selection units, if any. */
export function objectTask(config: SelectionConfig): string | undefined {
  for (const entry of config.strategies) if (entry.input.type === 'EMBEDDINGS' && entry.input.task !== undefined) return entry.input.task;
  return undefined;
}

/** Checks the config against the dataset; returns every problem found. */
export function validateAgainstSource(config: SelectionConfig, source: SelectionSource): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const tasks = source.tasks();
  const keys = source.metadataKeys();
  config.strategies.forEach((entry, index) => {
    const path = `strategies[${index}].input`;
    const { input, strategy } = entry;
    const needTask = (task: string) => {
      if (tasks.has(task)) return true;
      issues.push({ path: `${path}.task`, message: `task '${task}' not found; the dataset has: ${list(tasks.keys())}` });
      return false;
    };
    switch (input.type) {
      case 'EMBEDDINGS':
        if (input.datasetId !== undefined && input.tagName !== undefined) {
          const query = source.querySet(input.datasetId, input.tagName);
          if (!query) issues.push({ path, message: `query set not found: dataset '${input.datasetId}' has no tag '${input.tagName}' (or no embeddings)` });
          else if (query.embeddings.dim !== source.embeddings()?.dim) {
            issues.push({ path, message: `the query set's embeddings have dimension ${query.embeddings.dim}, this dataset's ${source.embeddings()?.dim}` });
          } else if (query.embeddings.rows === 0) issues.push({ path: `${path}.tag_name`, message: `tag '${input.tagName}' is empty` });
        } else if (input.task !== undefined) {
          if (needTask(input.task) && !source.objectEmbeddings(input.task)) {
            issues.push({ path: `${path}.task`, message: `task '${input.task}' has no object-level embeddings (embeddings/${input.task}.csv)` });
          }
        } else if (!source.embeddings()) issues.push({ path, message: 'the dataset has no embeddings' });
        break;
      case 'SCORES':
        if (needTask(input.task)) {
          const names = source.scoreNames(input.task);
          if (!names.includes(input.score)) {
            issues.push({ path: `${path}.score`, message: `score '${input.score}' is not a score of task '${input.task}' (${tasks.get(input.task)!.type}); valid: ${names.join(', ')}` });
          }
        }
        break;
      case 'METADATA': {
        const type = keys.get(input.key);
        if (!type) {
          issues.push({ path: `${path}.key`, message: `metadata key '${input.key}' not found; available: ${list(keys.keys())}` });
        } else if (readsClasses(strategy.type) && isNumericType(type)) {
          issues.push({ path: `${path}.key`, message: `${strategy.type} needs a categorical key; '${input.key}' is ${type}` });
        } else if (!readsClasses(strategy.type) && !isNumericType(type)) {
          issues.push({ path: `${path}.key`, message: `${strategy.type} needs a numeric key; '${input.key}' is ${type}` });
        }
        break;
      }
      case 'PREDICTIONS':
        needTask(input.task);
        break;
      case 'RANDOM':
        break;
    }
  });
  return issues;
}

export function selectionUnits(config: SelectionConfig, source: SelectionSource): Units {
  const task = objectTask(config);
  if (task === undefined) return rowUnits(source.rowCount);
  return objectUnits(source.rowCount, source.objectEmbeddings(task)!.sampleRow);
}

/**
 * The embeddings an EMBEDDINGS input reads, and how units map onto their rows: `rowOf` is undefined when
 * unit u is row u of the matrix (image embeddings of an image-level selection, object embeddings of an
 * object-level one); for image embeddings in an object-level selection it is the image of each unit.
 */
export interface UnitEmbeddings {
  readonly matrix: EmbeddingMatrix;
  readonly rowOf?: Int32Array;
}

export function unitEmbeddings(input: InputConfig, source: SelectionSource, units: Units): UnitEmbeddings {
  if (input.type === 'EMBEDDINGS' && input.task !== undefined) return { matrix: source.objectEmbeddings(input.task)! };
  const matrix = source.embeddings()!;
  return units.imageRows ? { matrix, rowOf: units.imageRows } : { matrix };
}

/**
 * A numeric per-row column (NaN = missing) for WEIGHTS / THRESHOLD inputs; undefined when the source
 * cannot serve it (validateAgainstSource checks names, this checks the data behind them).
 */
export function numericColumn(input: InputConfig, source: SelectionSource): Float64Array | undefined {
  let column: Float64Array | undefined;
  switch (input.type) {
    case 'SCORES':
      column = source.score(input.task, input.score);
      break;
    case 'METADATA': {
      const metadata = source.metadata(input.key);
      column = metadata?.kind === 'numeric' ? metadata.values : undefined;
      break;
    }
    case 'RANDOM':
      column = randomColumn(input.randomSeed ?? DEFAULT_RANDOM_SEED, 0, source.rowCount);
      break;
    case 'PREDICTIONS':
      column = source.categoryCount(input.task);
      break;
    default:
      column = undefined;
  }
  return column && column.length === source.rowCount ? column : undefined;
}

/**
 * Class-count vectors for BALANCE inputs; undefined when missing. A categorical key's vectors are one-hot:
 * its codes stand for them, no per-row counts are built.
 */
export function classColumn(input: InputConfig, source: SelectionSource): ClassColumn | undefined {
  const rows = source.rowCount;
  if (input.type === 'METADATA') {
    if (source.metadataClassCounts) {
      const counts = source.metadataClassCounts(input.key);
      if (!counts || counts.present.length !== rows || counts.counts.length !== rows * counts.classes.length) return undefined;
      return { counts };
    }
    const column = source.metadata(input.key);
    if (column?.kind !== 'categorical' || column.codes.length !== rows) return undefined;
    return { oneHot: { classes: column.categories, codes: column.codes } };
  }
  if (input.type === 'PREDICTIONS') {
    const counts = source.classCounts(input.task);
    if (!counts || counts.present.length !== rows || counts.counts.length !== rows * counts.classes.length) return undefined;
    return { counts };
  }
  return undefined;
}

/** Words for a column, used in dropped-row reasons. */
export function describeInput(input: InputConfig): string {
  switch (input.type) {
    case 'EMBEDDINGS':
      return input.task !== undefined ? `object embeddings of ${input.task}` : 'embeddings';
    case 'SCORES':
      return `${input.task}/${input.score}`;
    case 'METADATA':
      return input.key;
    case 'PREDICTIONS':
      return `${input.task} ${input.name}`;
    case 'RANDOM':
      return 'RANDOM';
  }
}

export type { StrategyEntry };
