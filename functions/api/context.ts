import type { DatasetRepository } from '../store/datasets.js';

/** What every resolver gets: the caller's tenant and the repositories. */
export interface ApiContext {
  readonly tenantId: string;
  readonly requestId: string;
  readonly datasets: DatasetRepository;
}
