/**
 * `winnow download-tag --dataset NAME TAG`: the tag's file names, one per line, on stdout — streamed from
 * the tag's presigned download; if that download fails, read page by page over GraphQL instead.
 */
import { connect, defineCommand, required } from '../args.js';
import type { WinnowApi } from '../client/api.js';
import { EXIT, UsageError, type CliIo, type Command } from '../io.js';

const USAGE = `Usage: winnow download-tag --dataset NAME TAG

Prints the file names of the tag TAG of dataset NAME, one per line, in row order.
`;

async function streamDownload(url: string, io: CliIo): Promise<boolean> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch {
    return false;
  }
  if (!response.ok || !response.body) return false;
  const decoder = new TextDecoder();
  for await (const chunk of response.body) io.stdout(decoder.decode(chunk as Uint8Array, { stream: true }));
  io.stdout(decoder.decode());
  return true;
}

async function paginate(api: WinnowApi, datasetId: string, tag: string, io: CliIo): Promise<void> {
  let after: string | null = null;
  do {
    const page = await api.tagFileNames(datasetId, tag, after);
    io.stdout(page.items.map((n) => `${n}\n`).join(''));
    after = page.nextCursor ?? null;
  } while (after);
}

export function makeDownloadTagCommand(): Command {
  return defineCommand({
    name: 'download-tag',
    summary: "print a tag's file names, one per line",
    usage: USAGE,
    options: { dataset: { type: 'string' } },
    positionals: true,
    async run({ values, positionals }, io) {
      const name = required(values.dataset, '--dataset');
      if (positionals.length !== 1) throw new UsageError('expected one tag name: winnow download-tag --dataset NAME TAG');
      const tag = positionals[0]!;
      const api = connect();
      const dataset = await api.datasetByName(name);
      const { downloadUrl } = await api.tagDownload(dataset.id, tag);
      if (!(await streamDownload(downloadUrl, io))) {
        io.stderr('the presigned download failed; reading the file names page by page instead\n');
        await paginate(api, dataset.id, tag, io);
      }
      return EXIT.ok;
    },
  });
}
