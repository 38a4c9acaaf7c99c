/**
 * uploadInline's limit is on the size the request carries to the Lambda, where the 6 MB limit applies:
 * content JSON-escaped in the GraphQL body, and the body escaped again in the Lambda event. Proved at the
 * edge over HTTP with content that escapes (quotes, backslashes, control characters, whitespace).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INLINE_UPLOAD_MAX_BYTES, inlineRequestBytes } from '../../functions/ingest/inlineUpload.js';
import type { LocalRuntime } from '../../infra/local/runtime.js';
import { createDataset, datasetState, inlineUpload, lightlyUploadFiles } from '../support/datasets.js';
import { uniqueName } from '../support/graphql.js';
import { startTestRuntime } from '../support/runtime.js';

let runtime: LocalRuntime;
let url: string;

beforeAll(async () => {
  runtime = await startTestRuntime();
  url = runtime.url;
});
afterAll(() => runtime.stop());

/** The bytes the files' contents add to a real Lambda event of an uploadInline request. */
function eventBytesOfContents(files: { path: string; content: string }[]): number {
  const event = (contents: string[]) =>
    Buffer.byteLength(
      JSON.stringify({
        version: '2.0',
        body: JSON.stringify({ query: 'mutation ($d: ID!, $f: [InlineFileInput!]!) { uploadInline(datasetId: $d, files: $f) { id } }', variables: { d: 'x', f: files.map((f, i) => ({ path: f.path, content: contents[i] })) } }),
        isBase64Encoded: false,
      }),
    );
  return event(files.map((f) => f.content)) - event(files.map(() => ''));
}

describe('inlineRequestBytes', () => {
  it('is what the content adds to the Lambda event, for every kind of character that escapes', () => {
    const samples = ['plain text', 'say "hi"', 'C:\\data\\x', 'a\tb\r\nc', '\u0001\u001f\u007f', 'héllo — 日本 🙂', '\ud800 lone', ''];
    for (const content of samples) expect(inlineRequestBytes(content)).toBe(eventBytesOfContents([{ path: 'embeddings.csv', content }]));
    expect(inlineRequestBytes('"')).toBe(4);
    expect(inlineRequestBytes('\\')).toBe(4);
    expect(inlineRequestBytes('\n')).toBe(3);
    expect(inlineRequestBytes('\u0001')).toBe(7);
  });
});

describe('uploadInline at the limit', () => {
  /**
   * A small Lightly folder whose metadata holds quotes, backslashes and a control character, padded with
   * JSON whitespace (tabs, newlines, spaces) so that the contents take exactly `requestBytes` in the event.
   */
  function filesTaking(requestBytes: number): { path: string; content: string }[] {
    const { files } = lightlyUploadFiles({ samples: 3 });
    const kept = files.filter((f) => f.path === 'embeddings.csv' || f.path.startsWith('.lightly/metadata/'));
    const target = kept.findIndex((f) => f.path.startsWith('.lightly/metadata/') && f.path !== '.lightly/metadata/schema.json');
    const record = JSON.parse(kept[target]!.content) as { metadata: { weather: { description: string } } };
    record.metadata.weather.description = 'say "hi" to C:\\data\\new \u0001 and\ttabs';
    const base = JSON.stringify(record);
    const rest = kept.reduce((sum, f, i) => sum + (i === target ? 0 : inlineRequestBytes(f.content)), 0);
    const room = requestBytes - rest - inlineRequestBytes(base);
    // A tab takes 3 bytes (\\t), a newline 3, a space 1.
    const tabs = Math.floor(room / 6);
    const newlines = Math.floor((room - tabs * 3) / 3);
    const padding = '\t'.repeat(tabs) + '\n'.repeat(newlines) + ' '.repeat(room - tabs * 3 - newlines * 3);
    kept[target] = { ...kept[target]!, content: base + padding };
    expect(kept.reduce((sum, f) => sum + inlineRequestBytes(f.content), 0)).toBe(requestBytes);
    return kept;
  }

  it('commits contents that take exactly the limit, and refuses one byte more though its text is far smaller', async () => {
    const atLimit = filesTaking(INLINE_UPLOAD_MAX_BYTES);
    const text = atLimit.reduce((sum, f) => sum + Buffer.byteLength(f.content), 0);
    expect(text).toBeLessThan(INLINE_UPLOAD_MAX_BYTES / 2);
    const datasetId = await createDataset(url, uniqueName('inline-edge'));
    const accepted = await inlineUpload(url, datasetId, atLimit);
    expect(accepted.errors).toBeUndefined();
    expect(accepted.data!.uploadInline).toMatchObject({ status: 'COMMITTED', samplesAdded: 3 });

    const other = await createDataset(url, uniqueName('inline-over'));
    const over = await inlineUpload(url, other, filesTaking(INLINE_UPLOAD_MAX_BYTES + 1));
    expect(over.data).toBeNull();
    expect(over.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', path: 'files' });
    expect(over.errors![0]!.message).toMatch(
      new RegExp(`^files: inline uploads hold at most ${INLINE_UPLOAD_MAX_BYTES} bytes as the request carries them .*got ${INLINE_UPLOAD_MAX_BYTES + 1} \\(\\d+ bytes of text\\); use createUpload`),
    );
    // Nothing was added: the dataset is as it was made.
    const state = await datasetState(url, other);
    expect(state.sampleCount).toBe(0);
  });
});
