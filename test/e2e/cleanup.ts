/**
 * The datasets an end-to-end run creates: named with one prefix unique to the run (so a shared
 * deployment shows whose they are), tracked, and deleted at the end even when a test failed — selections
 * still queued or running on them are cancelled first, since they hold a dataset.
 */
import { graphql, uniqueName } from '../support/graphql.js';

const ACTIVE = new Set(['QUEUED', 'RUNNING']);
/** How long the cleanup waits for cancelled selections to let go of a dataset. */
const CANCEL_WAIT_MS = 120_000;

export class CreatedDatasets {
  /** Every dataset name of this run starts with it. */
  readonly prefix = uniqueName('e2e');
  private readonly ids = new Set<string>();

  constructor(private readonly url: string) {}

  async create(name: string): Promise<string> {
    const result = await graphql<{ createDataset: { id: string } }>(this.url, 'mutation ($n: String!) { createDataset(name: $n) { id } }', { n: `${this.prefix}-${name}` });
    if (!result.data) throw new Error(`createDataset: ${JSON.stringify(result.errors)}`);
    this.ids.add(result.data.createDataset.id);
    return result.data.createDataset.id;
  }

  /** `deleteDataset`'s answer: true, or the GraphQL errors as thrown. */
  async delete(id: string): Promise<boolean> {
    const result = await graphql<{ deleteDataset: boolean }>(this.url, 'mutation ($id: ID!) { deleteDataset(id: $id) }', { id });
    if (!result.data) throw new Error(`deleteDataset(${id}): ${JSON.stringify(result.errors)}`);
    this.ids.delete(id);
    return result.data.deleteDataset;
  }

  /** Ids of the caller's datasets, all pages. */
  async listedIds(): Promise<string[]> {
    const ids: string[] = [];
    let after: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof graphql<{ datasets: { items: { id: string }[]; nextCursor: string | null } }>>> = await graphql(
        this.url,
        'query ($a: String) { datasets(first: 100, after: $a) { items { id } nextCursor } }',
        { a: after },
      );
      if (!page.data) throw new Error(`datasets: ${JSON.stringify(page.errors)}`);
      ids.push(...page.data.datasets.items.map((d) => d.id));
      after = page.data.datasets.nextCursor;
    } while (after);
    return ids;
  }

  /** Deletes what is left; collects failures and reports them all at the end. */
  async deleteAll(): Promise<void> {
    const failures: string[] = [];
    for (const id of [...this.ids]) {
      try {
        await this.cancelActiveRuns(id);
        await this.deleteOnceIdle(id);
      } catch (error) {
        failures.push(error instanceof Error ? error.message : String(error));
      }
    }
    if (failures.length > 0) throw new Error(`could not delete every dataset this run created (prefix ${this.prefix}):\n${failures.join('\n')}`);
  }

  private async cancelActiveRuns(id: string): Promise<void> {
    const runs = await graphql<{ dataset: { selectionRuns: { items: { id: string; status: string }[] } } }>(
      this.url,
      'query ($d: ID!) { dataset(id: $d) { selectionRuns(first: 100) { items { id status } } } }',
      { d: id },
    );
    if (runs.errors?.[0]?.extensions?.code === 'NOT_FOUND') {
      this.ids.delete(id);
      return;
    }
    for (const run of runs.data?.dataset.selectionRuns.items ?? []) {
      if (ACTIVE.has(run.status)) await graphql(this.url, 'mutation ($id: ID!) { cancelSelection(id: $id) { status } }', { id: run.id });
    }
  }

  private async deleteOnceIdle(id: string): Promise<void> {
    if (!this.ids.has(id)) return;
    const deadline = Date.now() + CANCEL_WAIT_MS;
    for (;;) {
      const result = await graphql(this.url, 'mutation ($id: ID!) { deleteDataset(id: $id) }', { id });
      const code = result.errors?.[0]?.extensions?.code;
      if (result.data || code === 'NOT_FOUND') {
        this.ids.delete(id);
        return;
      }
      if (code !== 'CONFLICT' || Date.now() > deadline) throw new Error(`deleteDataset(${id}): ${JSON.stringify(result.errors)}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}
