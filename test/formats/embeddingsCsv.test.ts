import { describe, expect, it } from 'vitest';
import {
  EmbeddingsAccumulator,
  EmbeddingsCsvParser,
  EmbeddingsFormatError,
  parseEmbeddingsCsv,
  parseEmbeddingsCsvStream,
  splitObjectName,
  type FormatError,
} from '../../functions/formats/index.js';
import { embeddingsCsv, Rng } from '../../infra/local/lightlyFolder.js';

const FILE = 'data/embeddings.csv';

function parseError(text: string, options: { objectLevel?: boolean } = {}): FormatError {
  try {
    parseEmbeddingsCsv(text, FILE, options);
  } catch (err) {
    expect(err).toBeInstanceOf(EmbeddingsFormatError);
    return err as FormatError;
  }
  throw new Error('expected a parse error');
}

describe('embeddings CSV', () => {
  it('parses rows, labels and the dimension', () => {
    const parsed = parseEmbeddingsCsv('filenames,embedding_0,embedding_1,labels\na.png,0.5,-1.25e-1,3\nb.png,2,+0.000001,0\n', FILE);
    expect(parsed.dim).toBe(2);
    expect(parsed.fileNames).toEqual(['a.png', 'b.png']);
    expect(Array.from(parsed.data)).toEqual([0.5, -0.125, 2, Math.fround(0.000001)]);
    expect(Array.from(parsed.labels)).toEqual([3, 0]);
    expect(Array.from(parsed.lines)).toEqual([2, 3]);
  });

  it('ignores masked/selected columns, handles CRLF, a BOM, blank lines, quoted names and spaces', () => {
    const text = '\ufefffilenames,embedding_0,labels,masked,selected\r\n"x,""y"".png", 1.5 ,2,0,1\r\n\r\nplain.png,-3,1,1,0\r\n';
    const parsed = parseEmbeddingsCsv(text, FILE);
    expect(parsed.fileNames).toEqual(['x,"y".png', 'plain.png']);
    expect(Array.from(parsed.data)).toEqual([1.5, -3]);
    expect(Array.from(parsed.lines)).toEqual([2, 4]);
  });

  it('parses numbers exactly as Number() does, to float32', () => {
    const rng = new Rng(3);
    const values: string[] = [];
    for (let i = 0; i < 500; i++) {
      const v = (rng.next() - 0.5) * 10 ** (rng.int(12) - 6);
      values.push(i % 3 === 0 ? v.toExponential(rng.int(10)) : i % 3 === 1 ? v.toFixed(rng.int(12)) : String(v));
    }
    values.push('0', '-0', '1e0', '12345678901234567890', '0.00000000000000000000000001', '7E+3', '.5', '5.');
    const text = 'filenames,' + values.map((_, j) => `embedding_${j}`).join(',') + ',labels\nf,' + values.join(',') + ',1\n';
    const parsed = parseEmbeddingsCsv(text, FILE);
    values.forEach((v, j) => expect(parsed.data[j]).toBe(Math.fround(Number(v))));
  });

  it('gives the same rows whatever the chunk boundaries', async () => {
    const rng = new Rng(5);
    const names = Array.from({ length: 40 }, (_, i) => `img_${i}.jpg`);
    const data = Float32Array.from({ length: 40 * 6 }, () => rng.normal());
    const text = embeddingsCsv(names, data, 6, names.map((_, i) => i % 3));
    const whole = parseEmbeddingsCsv(text, FILE);
    for (const size of [1, 7, 64, 1000]) {
      const chunks: Uint8Array[] = [];
      const bytes = new TextEncoder().encode(text);
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      const sink = new EmbeddingsAccumulator();
      const { rows, header } = await parseEmbeddingsCsvStream(chunks, FILE, {}, sink);
      expect(rows).toBe(40);
      expect(header.dim).toBe(6);
      const streamed = sink.result(FILE);
      expect(streamed.fileNames).toEqual(whole.fileNames);
      expect(Array.from(streamed.data)).toEqual(Array.from(whole.data));
    }
  });

  it('emits rows as their lines complete, without waiting for the end', () => {
    const seen: string[] = [];
    const parser = new EmbeddingsCsvParser(FILE, { row: (name) => seen.push(name) });
    parser.write('filenames,embedding_0,labels\na,1,0\nb,');
    expect(seen).toEqual(['a']);
    parser.write('2,0\n');
    expect(seen).toEqual(['a', 'b']);
    parser.write('c,3,0');
    expect(seen).toEqual(['a', 'b']);
    expect(parser.end().rows).toBe(3);
    expect(seen).toEqual(['a', 'b', 'c']);
  });

  it('parses object-level file names', () => {
    const parsed = parseEmbeddingsCsv('filenames,embedding_0,labels\nvideo/a.png#0,1,0\na#b.png#12,2,0\n', FILE, { objectLevel: true });
    expect(parsed.fileNames.map(splitObjectName)).toEqual([
      { fileName: 'video/a.png', index: 0 },
      { fileName: 'a#b.png', index: 12 },
    ]);
  });

  const bad: [string, string, { objectLevel?: boolean } | undefined, { code: string; line: number | undefined; reason: RegExp }][] = [
    ['empty file', '', undefined, { code: 'empty_file', line: undefined, reason: /empty/ }],
    ['first column', 'name,embedding_0,labels\n', undefined, { code: 'header', line: 1, reason: /"filenames"/ }],
    ['no embedding columns', 'filenames,labels\n', undefined, { code: 'header', line: 1, reason: /embedding_0/ }],
    ['embedding out of order', 'filenames,embedding_0,embedding_2,labels\n', undefined, { code: 'header', line: 1, reason: /embedding_2/ }],
    ['unknown column', 'filenames,embedding_0,labels,colour\n', undefined, { code: 'header', line: 1, reason: /unknown column "colour"/ }],
    ['repeated column', 'filenames,embedding_0,labels,masked,masked\n', undefined, { code: 'header', line: 1, reason: /twice/ }],
    ['missing labels', 'filenames,embedding_0,embedding_1\n', undefined, { code: 'header', line: 1, reason: /labels/ }],
    ['too few columns', 'filenames,embedding_0,embedding_1,labels\na,1,2,0\nb,1,2\n', undefined, { code: 'column_count', line: 3, reason: /expected 4 columns, found 3/ }],
    ['too many columns', 'filenames,embedding_0,labels\na,1,0,9\n', undefined, { code: 'column_count', line: 2, reason: /expected 3 columns, found 4/ }],
    ['non-numeric', 'filenames,embedding_0,embedding_1,labels\na,1,abc,0\n', undefined, { code: 'not_a_number', line: 2, reason: /column 3 \(embedding_1\): "abc"/ }],
    ['trailing garbage', 'filenames,embedding_0,labels\na,1.5x,0\n', undefined, { code: 'not_a_number', line: 2, reason: /"1.5x"/ }],
    ['empty value', 'filenames,embedding_0,labels\na,,0\n', undefined, { code: 'not_a_number', line: 2, reason: /embedding_0/ }],
    ['NaN', 'filenames,embedding_0,labels\na,1,0\nb,NaN,0\n', undefined, { code: 'not_finite', line: 3, reason: /NaN is not a finite number/ }],
    ['Inf', 'filenames,embedding_0,labels\na,-inf,0\n', undefined, { code: 'not_finite', line: 2, reason: /-inf/ }],
    ['overflow', 'filenames,embedding_0,labels\na,1e999,0\n', undefined, { code: 'not_finite', line: 2, reason: /out of range/ }],
    ['beyond float32', 'filenames,embedding_0,embedding_1,labels\na,1,2,0\n\nb,2,1e39,0\n', undefined, { code: 'not_finite', line: 4, reason: /^column 3 \(embedding_1\): 1e39 is out of range for float32/ }],
    ['just beyond float32, negative', 'filenames,embedding_0,labels\na,-3.4028236e38,0\n', undefined, { code: 'not_finite', line: 2, reason: /^column 2 \(embedding_0\): -3.4028236e38 is out of range for float32/ }],
    ['beyond float32 in an object file', 'filenames,embedding_0,labels\na.png#0,1e39,0\n', { objectLevel: true }, { code: 'not_finite', line: 2, reason: /1e39 is out of range for float32/ }],
    ['label beyond int32', 'filenames,embedding_0,labels\na,1,2147483648\n', undefined, { code: 'invalid_value', line: 2, reason: /column 3 \(labels\): 2147483648 is out of range for a label/ }],
    ['bad exponent', 'filenames,embedding_0,labels\na,1e,0\n', undefined, { code: 'not_a_number', line: 2, reason: /"1e"/ }],
    ['non-integer label', 'filenames,embedding_0,labels\na,1,0.5\n', undefined, { code: 'invalid_value', line: 2, reason: /labels/ }],
    ['duplicate file', 'filenames,embedding_0,labels\na,1,0\nb,1,0\n\na,2,0\n', undefined, { code: 'duplicate_file', line: 5, reason: /"a" already appeared on line 2/ }],
    ['empty file name', 'filenames,embedding_0,labels\n,1,0\n', undefined, { code: 'invalid_value', line: 2, reason: /empty file name/ }],
    ['unterminated quote', 'filenames,embedding_0,labels\n"a,1,0\n', undefined, { code: 'malformed_line', line: 2, reason: /unterminated/ }],
    ['text after quote', 'filenames,embedding_0,labels\n"a"b,1,0\n', undefined, { code: 'malformed_line', line: 2, reason: /after the quoted/ }],
    ['object name without index', 'filenames,embedding_0,labels\na.png,1,0\n', { objectLevel: true }, { code: 'invalid_value', line: 2, reason: /<file_name>#<index>/ }],
    ['object name with bad index', 'filenames,embedding_0,labels\na.png#01,1,0\n', { objectLevel: true }, { code: 'invalid_value', line: 2, reason: /#<index>/ }],
  ];
  it('keeps float32 edge values: the largest, subnormals, and ±0 below the smallest', () => {
    const parsed = parseEmbeddingsCsv('filenames,embedding_0,labels\na,3.4028235e38,0\nb,-3.40282356e38,0\nc,1e-45,0\nd,1e-46,0\ne,-1e-46,0\nf,-0,-2147483648\n', FILE);
    const max = 3.4028234663852886e38;
    expect(Array.from(parsed.data)).toEqual([max, -max, 1.401298464324817e-45, 0, -0, -0]);
    expect(parsed.labels[5]).toBe(-2147483648);
  });

  it.each(bad)('rejects: %s', (_name, text, options, expected) => {
    const err = parseError(text, options);
    expect(err.code).toBe(expected.code);
    expect(err.file).toBe(FILE);
    expect(err.line).toBe(expected.line);
    expect(err.reason).toMatch(expected.reason);
    expect(err.message.startsWith(expected.line === undefined ? `${FILE}: ` : `${FILE}:${expected.line}: `)).toBe(true);
  });

  it('parses 20 MB of 128-d rows fed in 1 MiB chunks, every value as written', () => {
    const rng = new Rng(9);
    const dim = 128;
    const rows = 8000;
    const names = Array.from({ length: rows }, (_, i) => `folder/image_${i}.jpg`);
    const data = Float32Array.from({ length: rows * dim }, () => rng.normal());
    const header = ['filenames', ...Array.from({ length: dim }, (_, j) => `embedding_${j}`), 'labels'].join(',');
    const lines = [header];
    for (let i = 0; i < rows; i++) lines.push(`${names[i]},${Array.from(data.subarray(i * dim, (i + 1) * dim), (v) => v.toPrecision(9)).join(',')},0`);
    const text = lines.join('\n') + '\n';
    let count = 0;
    let mismatches = 0;
    const parser = new EmbeddingsCsvParser(FILE, {
      row: (fileName, values) => {
        if (fileName !== names[count]) mismatches++;
        for (let j = 0; j < dim; j++) if (values[j] !== Math.fround(Number(data[count * dim + j]!.toPrecision(9)))) mismatches++;
        count++;
      },
    });
    const chunk = 1 << 20;
    for (let i = 0; i < text.length; i += chunk) parser.write(text.slice(i, i + chunk));
    parser.end();
    // Speed is measured by `npm run bench -- ingest`, not here.
    expect(count).toBe(rows);
    expect(mismatches).toBe(0);
  });
});
