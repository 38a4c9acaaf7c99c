/**
 * Starting and cancelling selection runs, for the API: check everything that can be checked before
 * anything starts (the config, the tags, the result tag name), record the run, start the execution.
 */
import { randomUUID } from 'node:crypto';
import { StartExecutionCommand, StopExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { BlobStore } from '../store/blobs.js';
import type { DatasetManifest } from '../store/columns.js';
import { DatapoolBusyError, type DatapoolRepository } from '../store/datapool.js';
import type { Dataset, DatasetRepository } from '../store/datasets.js';
import { ConcurrentUpdateError, NotFoundError } from '../store/errors.js';
import type { RunRepository, SelectionRun } from '../store/runs.js';
import type { TagRepository } from '../store/tags.js';
import { checkConfigAgainstDataset, parseConfigForRun, typedConfigToJson, type TypedConfig } from './config.js';
import type { SelectionConfig } from '../selection/config.js';
import { ConfigRejectedError } from './errors.js';
import { runStatusOf } from './selectionExtras.js';

/** Largest `n_samples` a selection may ask for. */
export const MAX_SAMPLES = 10_000_000;

export interface WorkflowClientDeps {
  readonly datasets: DatasetRepository;
  readonly tags: TagRepository;
  readonly runs: RunRepository;
  readonly blobs: BlobStore;
  readonly datapools: DatapoolRepository;
  readonly sfn: SFNClient;
  readonly stateMachineArn: string | undefined;
  manifest(dataset: Awaited<ReturnType<DatasetRepository['get']>>): Promise<DatasetManifest>;
}

export interface StartSelectionRequest {
  readonly tenantId: string;
  readonly datasetId: string;
  readonly config?: unknown;
  readonly typedConfig?: TypedConfig;
  readonly resultTagName: string;
  readonly inputTagName?: string;
  readonly preselectedTagName?: string;
  readonly idempotencyKey?: string;
  /** A datapool run (store/datapool.ts). */
  readonly datapool?: { readonly processAll: boolean };
}

/**
 * Starts a selection: the request is checked against the dataset, the run (with its query-use records
 * and, for a pool run, the pool's claim) is created in one transaction, and its workflow is started.
 */
export async function startSelectionRun(deps: WorkflowClientDeps, request: StartSelectionRequest): Promise<SelectionRun> {
  const { raw, config, rootPath } = parseRequestConfig(request);
  const dataset = await deps.datasets.get(request.tenantId, request.datasetId);
  // A repeated request returns the run of the first before anything is checked: it is no conflict.
  if (request.idempotencyKey !== undefined) {
    const existing = await deps.runs.findByIdempotencyKey(dataset.id, request.idempotencyKey);
    if (existing) return existing;
  }
  await checkRequestAgainstDataset(deps, request, dataset, config, rootPath);
  const { run, created } = await createRun(deps, request, dataset.id, raw, config);
  return created ? startWorkflow(deps, run) : run;
}

/** The run's config, from exactly one of `config` and `typedConfig`, parsed and within the sample limit. */
function parseRequestConfig(request: StartSelectionRequest): { raw: unknown; config: SelectionConfig; rootPath: string } {
  const given = (request.config !== undefined && request.config !== null ? 1 : 0) + (request.typedConfig ? 1 : 0);
  if (given !== 1) throw new ConfigRejectedError('give exactly one of config and typedConfig', 'config');
  const raw = request.typedConfig ? typedConfigToJson(request.typedConfig) : request.config;
  const rootPath = request.typedConfig ? 'typedConfig' : 'config';
  const config = parseConfigForRun(raw, rootPath);
  if ((config.nSamples ?? 0) > MAX_SAMPLES) {
    throw new ConfigRejectedError(`n_samples must be at most ${MAX_SAMPLES}`, `${rootPath}.n_samples`);
  }
  return { raw, config, rootPath };
}

/** The dataset has samples, the result tag is free, the input tags exist, and the config fits the data. */
async function checkRequestAgainstDataset(deps: WorkflowClientDeps, request: StartSelectionRequest, dataset: Dataset, config: SelectionConfig, rootPath: string): Promise<void> {
  if (dataset.sampleCount === 0) throw new ConfigRejectedError('the dataset has no samples yet; upload some first', 'datasetId');
  await checkTagName(deps, dataset.id, request.resultTagName);
  for (const [name, path] of [
    [request.inputTagName, 'inputTagName'],
    [request.preselectedTagName, 'preselectedTagName'],
  ] as const) {
    if (name === undefined) continue;
    try {
      await deps.tags.get(dataset.id, name);
    } catch (error) {
      if (error instanceof NotFoundError) throw new ConfigRejectedError(`tag '${name}' does not exist in the dataset`, path);
      throw error;
    }
  }
  await checkConfigAgainstDataset(deps, request.tenantId, dataset, await deps.manifest(dataset), config, rootPath);
}

/** Creates the QUEUED run in one transaction with what must hold while it runs; `created` is false for a repeated key. */
async function createRun(deps: WorkflowClientDeps, request: StartSelectionRequest, datasetId: string, raw: unknown, config: SelectionConfig): Promise<{ run: SelectionRun; created: boolean }> {
  // Datasets whose embeddings this run reads as SIMILARITY queries refuse deletion while it runs: their
  // records are written in the transaction that creates the run, so no queued run lacks them.
  const runId = randomUUID();
  const queryDatasets = new Set<string>();
  for (const { input } of config.strategies) {
    if (input.type === 'EMBEDDINGS' && input.datasetId !== undefined && input.datasetId !== datasetId) queryDatasets.add(input.datasetId);
  }
  // A pool run claims the pool in the transaction that creates it: of two concurrent pool runs, the
  // second is refused (CONFLICT) and nothing of it is written.
  const claim = request.datapool
    ? [{ item: await deps.datapools.claimItem(datasetId, runId, runStatusOf(deps.runs)), conflict: () => new DatapoolBusyError(datasetId) }]
    : [];
  return deps.runs.create(
    {
      id: runId,
      tenantId: request.tenantId,
      datasetId,
      status: 'QUEUED',
      config: raw,
      resultTagName: request.resultTagName,
      ...(request.inputTagName ? { inputTagName: request.inputTagName } : {}),
      ...(request.preselectedTagName ? { preselectedTagName: request.preselectedTagName } : {}),
      ...(request.datapool ? { datapool: request.datapool } : {}),
      createdAt: new Date().toISOString(),
    },
    request.idempotencyKey,
    [...queryDatasets],
    claim,
  );
}

/** Starts the run's execution; a run whose workflow cannot be started is FAILED and frees the pool. */
async function startWorkflow(deps: WorkflowClientDeps, run: SelectionRun): Promise<SelectionRun> {
  if (!deps.stateMachineArn) throw new Error('WINNOW_STATE_MACHINE_ARN is not set');
  try {
    const started = await deps.sfn.send(
      new StartExecutionCommand({ stateMachineArn: deps.stateMachineArn, name: run.id, input: JSON.stringify({ runId: run.id }) }),
    );
    const executionArn = started.executionArn!;
    return await deps.runs.update(run.id, ['QUEUED', 'RUNNING'], { executionArn }).catch((error: unknown) => {
      // Ended already (Plan refuses a run that cannot fit within milliseconds): its outcome stands.
      if (!(error instanceof ConcurrentUpdateError)) throw error;
      return deps.runs.update(run.id, ['FAILED', 'SUCCEEDED', 'CANCELLED'], { executionArn });
    });
  } catch (error) {
    await deps.runs.update(run.id, ['QUEUED'], {
      status: 'FAILED',
      failureReason: 'the workflow could not be started',
      finishedAt: new Date().toISOString(),
    });
    if (run.datapool) await deps.datapools.release(run.datasetId, run.id);
    throw error;
  }
}

/** The result tag must not exist yet (its name's form is the API's to check). */
async function checkTagName(deps: WorkflowClientDeps, datasetId: string, name: string): Promise<void> {
  try {
    await deps.tags.get(datasetId, name);
  } catch (error) {
    if (error instanceof NotFoundError) return;
    throw error;
  }
  throw new ConfigRejectedError(`tag '${name}' already exists; choose another resultTagName`, 'resultTagName', 'CONFLICT');
}

/** Stops the execution and marks the run CANCELLED; a finished run is returned unchanged. */
export async function cancelSelectionRun(deps: WorkflowClientDeps, run: SelectionRun): Promise<SelectionRun> {
  if (run.status !== 'QUEUED' && run.status !== 'RUNNING') return run;
  const cancelled = await deps.runs.update(run.id, ['QUEUED', 'RUNNING'], { status: 'CANCELLED', finishedAt: new Date().toISOString() });
  // A cancelled pool run never commits, so its pool stays as it was and is free at once.
  if (run.datapool) await deps.datapools.release(run.datasetId, run.id);
  if (run.executionArn) {
    await deps.sfn.send(new StopExecutionCommand({ executionArn: run.executionArn, cause: 'cancelled by the user' }));
  }
  return cancelled;
}
