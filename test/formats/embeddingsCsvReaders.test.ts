/**
 * The embeddings CSV parser reads the usual data line in WebAssembly (`formats/wasm/csvRows.as`) and
 * hands every other line to its TypeScript path. These tests hold the two to the same rows and the same
 * errors on random files full of the unusual: every number spelling, spaces, quotes, CRLF, blank lines,
 * ignored columns, wrong column counts and bad values, fed in random chunks; and check that the
 * WebAssembly reader really took the common lines.
 */
import { describe, expect, it } from 'vitest';
import { EmbeddingsAccumulator, EmbeddingsCsvParser, FormatError, type EmbeddingsCsvOptions, type ParsedEmbeddings } from '../../functions/formats/index.js';
import { Rng } from '../../infra/local/lightlyFolder.js';

const FILE = 'embeddings.csv';

type Outcome = { parsed: ParsedEmbeddings; webAssemblyRows: number; batches: number } | { error: { code: string; line: number | undefined; reason: string } };

/** An accumulator that also takes rows together (`rows`), as the commit's sink does. */
class BatchingAccumulator extends EmbeddingsAccumulator {
  batches = 0;
  rows(fileNames: readonly string[], values: Float32Array, labels: Int32Array, firstLine: number): void {
    const dim = values.length / fileNames.length;
    this.batches++;
    fileNames.forEach((fileName, k) => this.row(fileName, values.subarray(k * dim, (k + 1) * dim), labels[k]!, firstLine + k));
  }
}

function parse(bytes: Uint8Array, chunks: readonly number[], rowReader: EmbeddingsCsvOptions['rowReader'] | 'webassembly, in batches'): Outcome {
  const sink = rowReader === 'webassembly, in batches' ? new BatchingAccumulator() : new EmbeddingsAccumulator();
  const parser = new EmbeddingsCsvParser(FILE, sink, { rowReader: rowReader === 'typescript' ? 'typescript' : 'webassembly' });
  try {
    let at = 0;
    for (const size of chunks) {
      parser.write(bytes.subarray(at, at + size));
      at += size;
    }
    parser.write(bytes.subarray(at));
    parser.end();
  } catch (error) {
    if (!(error instanceof FormatError)) throw error;
    return { error: { code: error.code, line: error.line, reason: error.reason } };
  }
  return { parsed: sink.result(FILE), webAssemblyRows: parser.webAssemblyRows, batches: sink instanceof BatchingAccumulator ? sink.batches : 0 };
}

/** A number field as a user's tool might write it. */
function numberField(rng: Rng): string {
  const v = (rng.next() - 0.5) * 10 ** (rng.int(8) - 3);
  switch (rng.int(12)) {
    case 0:
      return v.toExponential(rng.int(8));
    case 1:
      return String(v); // up to 17 digits
    case 2:
      return ` ${v.toFixed(3)} `;
    case 3:
      return `+${Math.abs(v).toFixed(rng.int(9))}`;
    case 4:
      return String(Math.round(v));
    case 5:
      return v.toFixed(rng.int(4)).replace(/^(-?)0\./, '$1.'); // ".5"
    case 6:
      return `${Math.trunc(v)}.`; // "5."
    case 7:
      return '123456789'; // nine digits, no dot
    case 8:
      return '0.000000001';
    case 9:
      return '-0';
    default:
      return v.toFixed(6);
  }
}

/** A field that is wrong, as a broken export might write it. */
function badField(rng: Rng): string {
  return ['', 'nan', 'inf', '1.2.3', '-', '1e', '½', '0x10', '1,5', '1e400', '\t1', '--1', '1 2'][rng.int(13)]!;
}

function randomFile(rng: Rng, options: { dim: number; rows: number; badLines: number }): string {
  const { dim } = options;
  const extra = [['labels'], ['labels', 'masked'], ['masked', 'labels', 'selected']][rng.int(3)]!;
  const header = ['filenames', ...Array.from({ length: dim }, (_, d) => `embedding_${d}`), ...extra].join(',');
  const eol = () => (rng.int(5) === 0 ? '\r\n' : '\n');
  let text = (rng.int(4) === 0 ? '\ufeff' : '') + header + eol();
  for (let r = 0; r < options.rows; r++) {
    if (rng.int(40) === 0) text += (rng.int(2) ? '' : ' \t') + eol(); // a blank line
    const name = rng.int(15) === 0 ? `"dir,${r}/""q"".png"` : rng.int(30) === 0 ? ` spaced_${r}.png` : `video_${r % 7}/frame_${r}.jpg`;
    const fields = [name];
    for (let d = 0; d < dim; d++) fields.push(numberField(rng));
    for (const column of extra) fields.push(column === 'labels' ? (rng.int(10) === 0 ? ' 2 ' : String(rng.int(5))) : rng.int(3) === 0 ? 'anything' : '1');
    text += fields.join(',') + eol();
  }
  if (options.badLines > 0) {
    const lines = text.split('\n');
    for (let k = 0; k < options.badLines; k++) {
      const at = 1 + rng.int(lines.length - 2);
      const fields = lines[at]!.split(',');
      const kind = rng.int(5);
      if (kind === 0) fields.push('7'); // a column too many
      else if (kind === 1) fields.pop(); // one too few
      else if (kind === 2) fields[1 + rng.int(Math.max(1, fields.length - 2))] = badField(rng);
      else if (kind === 3) fields[0] = 'video_0/frame_0.jpg'; // a duplicate
      else fields[fields.length - 1] = '1.5'; // a label that is not an integer (or an ignored column)
      lines[at] = fields.join(',');
    }
    text = lines.join('\n');
  }
  return text;
}

function randomChunks(rng: Rng, length: number): number[] {
  const chunks: number[] = [];
  for (let at = 0; at < length; ) {
    const size = rng.int(4) === 0 ? 1 + rng.int(16) : 1 + rng.int(1 << (8 + rng.int(11)));
    chunks.push(size);
    at += size;
  }
  return chunks;
}

describe('the WebAssembly row reader and the TypeScript parser', () => {
  it('give the same rows on 200 random files of every spelling, in random chunks', () => {
    const rng = new Rng(11);
    let taken = 0;
    let batches = 0;
    for (let file = 0; file < 200; file++) {
      const text = randomFile(rng, { dim: 1 + rng.int(file % 10 === 0 ? 300 : 20), rows: 1 + rng.int(60), badLines: 0 });
      const bytes = new TextEncoder().encode(text);
      const chunks = randomChunks(rng, bytes.length);
      const reference = parse(bytes, chunks, 'typescript');
      expect('parsed' in reference, `file ${file}`).toBe(true);
      for (const reader of ['webassembly', 'webassembly, in batches'] as const) {
        const fast = parse(bytes, chunks, reader);
        if (!('parsed' in reference) || !('parsed' in fast)) throw new Error(`file ${file}: ${JSON.stringify('error' in fast ? fast.error : reference)}`);
        expect(fast.parsed.fileNames).toEqual(reference.parsed.fileNames);
        expect(Buffer.from(fast.parsed.data.buffer).equals(Buffer.from(reference.parsed.data.buffer)), `file ${file}: float32 bits`).toBe(true);
        expect(Array.from(fast.parsed.labels)).toEqual(Array.from(reference.parsed.labels));
        expect(Array.from(fast.parsed.lines)).toEqual(Array.from(reference.parsed.lines));
        expect(reference.webAssemblyRows).toBe(0);
        if (reader === 'webassembly') taken += fast.webAssemblyRows;
        else batches += fast.batches;
      }
    }
    // Most number spellings are the usual ones, so most lines without a quote or a space are taken.
    expect(taken).toBeGreaterThan(100);
    expect(batches).toBeGreaterThan(100);
  });

  it('give the same error — code, line and reason — on 300 random files with broken lines', () => {
    const rng = new Rng(23);
    let errors = 0;
    for (let file = 0; file < 300; file++) {
      const text = randomFile(rng, { dim: 1 + rng.int(12), rows: 2 + rng.int(40), badLines: 1 + rng.int(3) });
      const bytes = new TextEncoder().encode(text);
      const chunks = randomChunks(rng, bytes.length);
      const reference = parse(bytes, chunks, 'typescript');
      for (const reader of ['webassembly', 'webassembly, in batches'] as const) {
        const fast = parse(bytes, chunks, reader);
        if ('error' in reference) expect(fast, `file ${file}`).toEqual(reference);
        else expect('parsed' in fast && Array.from(fast.parsed.data), `file ${file}`).toEqual(Array.from(reference.parsed.data));
      }
      if ('error' in reference) errors++;
    }
    expect(errors).toBeGreaterThan(200);
  });

  it('takes every usual line of a file larger than its input area, and a line longer than it', () => {
    const rng = new Rng(5);
    const dim = 64;
    let text = 'filenames,' + Array.from({ length: dim }, (_, d) => `embedding_${d}`).join(',') + ',labels\n';
    const rows = 6000; // about 3 MB: many regions of the reader's 256 KiB input area
    for (let r = 0; r < rows; r++) text += `f${r},` + Array.from({ length: dim }, () => (rng.next() * 2 - 1).toFixed(6)).join(',') + `,${r % 3}\n`;
    const bytes = new TextEncoder().encode(text);
    for (const chunk of [1 << 16, 1 << 20, bytes.length]) {
      // Lines split between chunks are read in WebAssembly too.
      const reference = parse(bytes, [chunk], 'typescript');
      const fast = parse(bytes, [chunk], 'webassembly');
      if (!('parsed' in fast) || !('parsed' in reference)) throw new Error('expected rows');
      expect(fast.webAssemblyRows).toBe(rows);
      expect(Buffer.from(fast.parsed.data.buffer).equals(Buffer.from(reference.parsed.data.buffer))).toBe(true);
    }
    const wide = 30_000; // one line of about 270 KB
    const line = 'w,' + Array.from({ length: wide }, (_, d) => (d % 10) / 8).join(',') + ',0\n';
    const wideText = 'filenames,' + Array.from({ length: wide }, (_, d) => `embedding_${d}`).join(',') + ',labels\n' + line + line.replace('w,', 'v,');
    const fast = parse(new TextEncoder().encode(wideText), [], 'webassembly');
    if (!('parsed' in fast)) throw new Error('expected rows');
    expect(fast.parsed.fileNames).toEqual(['w', 'v']);
    expect(fast.parsed.data[wide + 9]).toBe(9 / 8);
  });

  it('reads rows in WebAssembly after blank lines that came before the header in a chunk of their own', () => {
    const text = 'filenames,embedding_0,labels\n' + Array.from({ length: 50 }, (_, r) => `f${r},${r / 4},${r % 2 ? '-0' : r % 3}`).join('\n') + '\n';
    const chunks = [new TextEncoder().encode('\n\r\n'), new TextEncoder().encode(text)];
    const outcome = (rowReader: 'typescript' | 'webassembly') => {
      const labels: number[] = [];
      const parser = new EmbeddingsCsvParser(FILE, { row: (_name, _values, label) => labels.push(label) }, { rowReader });
      for (const chunk of chunks) parser.write(chunk);
      parser.end();
      return { labels, webAssemblyRows: parser.webAssemblyRows };
    };
    const fast = outcome('webassembly');
    expect(fast.webAssemblyRows).toBe(50);
    // A label written "-0" is 0 on both paths, not −0 on one of them.
    expect(fast.labels.map((l) => Object.is(l, -0))).toEqual(outcome('typescript').labels.map((l) => Object.is(l, -0)));
    expect(fast.labels).toEqual(outcome('typescript').labels);
    expect(fast.labels.some((l) => Object.is(l, -0))).toBe(false);
  });
});
