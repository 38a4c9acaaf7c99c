/** Shapes that resolvers pass between each other (the codegen mappers of schema types). */
import type { Dataset } from '../store/datasets.js';
import type { Tag } from '../store/tags.js';

/** A tag together with its dataset (already checked to belong to the caller). */
export interface TagModel {
  readonly tag: Tag;
  readonly dataset: Dataset;
}
