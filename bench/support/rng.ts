import { Rng } from '../../infra/local/lightlyFolder.js';

/**
 * mulberry32 as a function: a small seeded generator, so benchmarks (and tests) make the same data on
 * every run. The one implementation is {@link Rng}, which the generated Lightly folders use too.
 */
export function rng(seed: number): () => number {
  const generator = new Rng(seed);
  return () => generator.next();
}
