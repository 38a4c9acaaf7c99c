/** What each conversion step of a commit is given, once the upload's embeddings have fixed its rows. */
import type { DatasetManifest } from '../../store/columns.js';
import type { LightlyFolderFiles } from '../lightlyFolder.js';
import type { ShardWriter } from '../shardWriter.js';
import type { UploadReader } from './uploadFiles.js';

export interface ConversionStep {
  readonly reader: UploadReader;
  /** The upload's files by what they are. */
  readonly files: LightlyFolderFiles;
  /** The dataset's manifest before this commit. */
  readonly manifest: DatasetManifest;
  /** Writes the upload's columns along its embeddings' shard boundaries. */
  readonly writer: ShardWriter;
  /** The number of rows the upload adds. */
  readonly rows: number;
  /** The upload's row (0-based, within the upload) of a file name, if it is one of its samples. */
  readonly rowOf: (fileName: string) => number | undefined;
}
