/**
 * Selection units. A selection picks samples (rows), except when an EMBEDDINGS input names a task: then
 * it picks objects of that task, and picking an object selects its image. Every per-row column is seen
 * by strategies through its units (`imageOf`), so strategies are written once for both cases.
 *
 * Object-level choices (the reference selects objects and reports their images):
 * - `n_samples` counts images;
 * - picking an object selects its image, and every object of that image then counts as picked (the
 *   image will be labelled whole), so DIVERSITY measures coverage by all of them and they leave the
 *   candidates;
 * - image-level columns (metadata, scores, class counts) apply to each object of the image;
 * - so do image-level embeddings (an EMBEDDINGS input without `task` beside one with it): DIVERSITY
 *   measures the distance between the objects' images, TYPICALITY and SIMILARITY are computed per image
 *   and read by each of its objects.
 */
export interface Units {
  /** Number of units. */
  readonly count: number;
  /** Number of images (rows) of the dataset. */
  readonly rowCount: number;
  /** The image of a unit. */
  imageOf(unit: number): number;
  /** The units of an image, ascending. */
  unitsOf(row: number): Int32Array;
  /** True when units are objects. */
  readonly objectLevel: boolean;
  /** Object-level units: the image (row) of each unit, as an array (what `imageOf` reads). */
  readonly imageRows?: Int32Array;
}

export function rowUnits(rowCount: number): Units {
  return {
    count: rowCount,
    rowCount,
    objectLevel: false,
    imageOf: (unit) => unit,
    unitsOf: (row) => Int32Array.of(row),
  };
}

export function objectUnits(rowCount: number, sampleRow: Int32Array): Units {
  // CSR index from image to its objects.
  const starts = new Int32Array(rowCount + 1);
  for (const row of sampleRow) starts[row + 1]!++;
  for (let r = 0; r < rowCount; r++) starts[r + 1]! += starts[r]!;
  const fill = starts.slice(0, rowCount);
  const members = new Int32Array(sampleRow.length);
  for (let u = 0; u < sampleRow.length; u++) members[fill[sampleRow[u]!]!++] = u;
  return {
    count: sampleRow.length,
    rowCount,
    objectLevel: true,
    imageRows: sampleRow,
    imageOf: (unit) => sampleRow[unit]!,
    unitsOf: (row) => members.subarray(starts[row]!, starts[row + 1]!),
  };
}

/** A per-row column read per unit. */
export function perUnit(units: Units, column: Float64Array): Float64Array {
  if (!units.objectLevel) return column;
  const out = new Float64Array(units.count);
  for (let u = 0; u < units.count; u++) out[u] = column[units.imageOf(u)]!;
  return out;
}
