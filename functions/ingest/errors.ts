/**
 * Errors of ingestion (uploads, conversion to columns, computed metadata). Each names where the fault
 * is — the file, the line, the JSON path — so the API can return it as it is.
 */

export interface FaultLocation {
  /** The upload path of the file (`embeddings.csv`, `.lightly/metadata/metadata.jsonl`, …). */
  readonly file?: string;
  /** 1-based line in that file. */
  readonly line?: number;
  /** JSON path inside the file's record, or the API argument (`files[2].path`). */
  readonly path?: string;
}

/** The upload is invalid; nothing was added to the dataset. */
export class UploadValidationError extends Error {
  override name = 'UploadValidationError';
  constructor(
    readonly reason: string,
    readonly location: FaultLocation = {},
  ) {
    const where = [location.file, location.line !== undefined ? `line ${location.line}` : undefined, location.path]
      .filter((part) => part !== undefined)
      .join(', ');
    super(where ? `${where}: ${reason}` : reason);
  }
}

/** The bytes of a file could not be decoded as an image (unknown format, corrupt or truncated data). */
export class ImageDecodeError extends Error {
  override name = 'ImageDecodeError';
  constructor(
    readonly fileName: string,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`cannot decode image '${fileName}': ${reason}`, options);
  }
}

/** Why an image cannot be used, in words a user can act on (a commit and the offline CLI mark it corrupt with this). */
export function corruptReason(bytes: Uint8Array, error: ImageDecodeError): string {
  if (bytes.length === 0) return 'empty file (0 bytes)';
  if (/unsupported image format|bad seek|not a known file format/i.test(error.reason)) return 'not an image (unsupported format)';
  if (/premature end|truncat|end of (file|data)|unexpected end/i.test(error.reason)) return `truncated image (${error.reason.split('\n')[0]!.trim()})`;
  return `cannot be decoded (${error.reason.split('\n')[0]!.trim()})`;
}

/**
 * The image decoder (sharp and its native libvips) cannot be loaded here, e.g. a bundle without the
 * binaries for this platform: a fault of the deployment, not of any image.
 */
export class ImageDecoderUnavailableError extends Error {
  override name = 'ImageDecoderUnavailableError';
  constructor(reason: string, options?: ErrorOptions) {
    super(`images cannot be decoded on this server: the image library (sharp) failed to load: ${reason}`, options);
  }
}

/** The upload is not in a state that allows the request (committed already, or being committed). */
export class UploadStateError extends Error {
  override name = 'UploadStateError';
  constructor(
    readonly uploadId: string,
    readonly status: string,
    /** For a commit in progress: when it began, and when it counts as dead if it has not ended. */
    readonly commit?: { readonly since: string; readonly retakeAt: string },
    /** What only a PENDING upload does. */
    action = 'can be committed',
  ) {
    super(
      commit
        ? `upload '${uploadId}' is ${status} since ${commit.since}; only a PENDING upload ${action}. If that commit has not ended by ${commit.retakeAt}, the upload can be committed again then`
        : `upload '${uploadId}' is ${status}; only a PENDING upload ${action}`,
    );
  }
}
