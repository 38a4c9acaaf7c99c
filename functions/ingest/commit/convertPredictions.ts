/**
 * The predictions of an upload: `tasks.json` and each listed task's schema (the same as the dataset's
 * for a task it has), then each task's records streamed into its columns over the upload's rows.
 */
import type { TaskManifest } from '../../store/columns.js';
import { parsePredictionFile, parsePredictionLine, parseTaskSchema, parseTasksJson, PredictionRowPlacer, type PredictionRecord, type TaskSchema } from '../../formats/index.js';
import { scoreNamesFor } from '../../selection/scores/index.js';
import { UploadValidationError } from '../errors.js';
import { checkListedTasks, forEachRecord } from '../lightlyFolder.js';
import { TaskColumnsBuilder } from '../taskColumns.js';
import type { ConversionStep } from './step.js';

/**
 * Converts each listed task, adding it to `tasks` (the next manifest's). Returns, per task of this
 * upload, the number of predictions of each of its rows (-1 = no record), which object embeddings follow.
 */
export async function convertPredictions(step: ConversionStep, tasks: Record<string, TaskManifest>): Promise<Map<string, Int32Array>> {
  const objectCounts = new Map<string, Int32Array>();
  for (const schema of await readTaskSchemas(step)) {
    const { objectCount, manifest } = await convertTask(step, schema, tasks[schema.name]);
    objectCounts.set(schema.name, objectCount);
    tasks[schema.name] = manifest;
  }
  return objectCounts;
}

/** The listed tasks' schemas, in the order of `tasks.json`; a task the dataset has must be the same. */
async function readTaskSchemas({ files, reader, manifest }: ConversionStep): Promise<TaskSchema[]> {
  const tasksFile = files.tasksFile;
  if (!tasksFile) return [];
  const names = parseTasksJson(await reader.text(tasksFile), tasksFile);
  checkListedTasks(files, names);
  const schemas: TaskSchema[] = [];
  for (const name of names) {
    const schemaFile = files.taskSchemas.get(name)!;
    const schema = parseTaskSchema(await reader.text(schemaFile), schemaFile, name);
    const known = manifest.tasks[name];
    if (known) {
      const same =
        known.type === schema.type &&
        known.categories.length === schema.categories.length &&
        known.categories.every((c, i) => c.id === schema.categories[i]!.id && c.name === schema.categories[i]!.name);
      if (!same) throw new UploadValidationError(`task '${name}' differs from the dataset's (type or categories)`, { file: schemaFile });
    }
    schemas.push(schema);
  }
  return schemas;
}

/** Streams one task's records into its columns, writes them, and returns the task's manifest entry. */
async function convertTask(step: ConversionStep, schema: TaskSchema, known: TaskManifest | undefined): Promise<{ objectCount: Int32Array; manifest: TaskManifest }> {
  const { writer } = step;
  const name = schema.name;
  const placer = new PredictionRowPlacer(schema, step.rows, step.rowOf);
  const builder = new TaskColumnsBuilder(schema, step.rows);
  await forEachRecord<PredictionRecord>(
    step.reader,
    step.files.predictionRecords.get(name) ?? [],
    (text, file, line) => parsePredictionLine(text, file, line, schema),
    (text, file) => parsePredictionFile(text, file, schema),
    (record) => builder.add(placer.place(record), record.predictions),
  );
  const columns = builder.finish();
  for (const [score, values] of columns.scores) await writer.addColumn(`tasks/${name}/score/${score}`, values);
  await writer.addColumn(`tasks/${name}/classCounts`, columns.classCounts, columns.classes.length);
  await writer.addColumn(`tasks/${name}/present`, columns.present);
  await writer.addColumn(`tasks/${name}/categoryCount`, columns.categoryCount);
  const manifest: TaskManifest = {
    type: schema.type,
    categories: schema.categories.map((c) => ({ id: c.id, name: c.name })),
    classes: [...columns.classes],
    scoreNames: [...scoreNamesFor(schema.type)],
    objectEmbeddings: known?.objectEmbeddings ?? false,
  };
  return { objectCount: columns.objectCount, manifest };
}
