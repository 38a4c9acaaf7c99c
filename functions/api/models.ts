/** Shapes that resolvers pass between each other (the codegen mappers of schema types). */
import type { Datapool } from '../store/datapool.js';
import type { Dataset } from '../store/datasets.js';
import type { Tag } from '../store/tags.js';

/** A tag together with its dataset (already checked to belong to the caller). */
export interface TagModel {
  readonly tag: Tag;
  readonly dataset: Dataset;
}

/** A dataset's datapool together with its dataset. */
export interface DatapoolModel {
  readonly pool: Datapool;
  readonly dataset: Dataset;
}
