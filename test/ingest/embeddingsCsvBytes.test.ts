/**
 * The embeddings CSV parser works on UTF-8 bytes as they arrive from S3. These cases pin down what that
 * changes nothing about: any chunk boundary (inside a number, a multi-byte character, a CRLF or the
 * byte-order mark), quoted names, line ends, number spellings and spaces.
 */
import { describe, expect, it } from 'vitest';
import { EmbeddingsAccumulator, EmbeddingsCsvParser, EmbeddingsFormatError, parseEmbeddingsCsv, type FormatError, type ParsedEmbeddings } from '../../functions/formats/index.js';

const FILE = 'embeddings.csv';

/** Parses `bytes` fed in chunks of `size` bytes. */
function parseInChunks(bytes: Uint8Array, size: number): ParsedEmbeddings {
  const sink = new EmbeddingsAccumulator();
  const parser = new EmbeddingsCsvParser(FILE, sink);
  for (let i = 0; i < bytes.length; i += size) parser.write(bytes.subarray(i, i + size));
  parser.end();
  return sink.result(FILE);
}

function errorOf(work: () => unknown): FormatError {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(EmbeddingsFormatError);
    return error as FormatError;
  }
  throw new Error('expected an error');
}

const encode = (text: string) => new TextEncoder().encode(text);

describe('embeddings CSV read from bytes', () => {
  const text =
    '\ufefffilenames,embedding_0,embedding_1,labels\r\n' +
    '"dir/a,""b"".png", 1.5e2 ,+0.25,1\r\n' +
    '\t \r\n' +
    'ünïcödé/日本.png,-7E-1,  +3 ,0\n' +
    '"plain.png",1e+1,.5,2\r\n' +
    'last.png,-0,5.,3';

  it('reads quoted names, CRLF, blank lines, exponents, a leading +, spaces and a missing final newline', () => {
    const parsed = parseEmbeddingsCsv(text, FILE);
    expect(parsed.fileNames).toEqual(['dir/a,"b".png', 'ünïcödé/日本.png', 'plain.png', 'last.png']);
    expect(Array.from(parsed.data)).toEqual([150, 0.25, Math.fround(-0.7), 3, 10, 0.5, -0, 5]);
    expect(Object.is(parsed.data[6], -0)).toBe(true);
    expect(Array.from(parsed.labels)).toEqual([1, 0, 2, 3]);
    expect(Array.from(parsed.lines)).toEqual([2, 4, 5, 6]);
  });

  it('gives the same rows for every chunk size, so every boundary position is crossed', () => {
    const bytes = encode(text);
    const whole = parseEmbeddingsCsv(text, FILE);
    for (let size = 1; size <= bytes.length; size++) {
      const parsed = parseInChunks(bytes, size);
      expect(parsed.fileNames).toEqual(whole.fileNames);
      expect(Array.from(parsed.data)).toEqual(Array.from(whole.data));
      expect(Array.from(parsed.lines)).toEqual(Array.from(whole.lines));
    }
  });

  it('treats a trailing newline and its absence alike', () => {
    const body = 'filenames,embedding_0,labels\na,1,0\nb,2,0';
    for (const ending of ['', '\n', '\r\n', '\n\n']) {
      const parsed = parseEmbeddingsCsv(body + ending, FILE);
      expect(parsed.fileNames).toEqual(['a', 'b']);
      expect(Array.from(parsed.data)).toEqual([1, 2]);
    }
  });

  it('parses long mantissas and large exponents as Number() does, wherever the chunk boundary falls', () => {
    const values = ['0.1234567891', '-12345678901234567890', '1.5e-30', '2.5E+30', '0.000000000001', '+123456789', '-.000000001', '9.99999999e22'];
    const csv = 'filenames,' + values.map((_, j) => `embedding_${j}`).join(',') + ',labels\nf,' + values.join(',') + ',0\n';
    const bytes = encode(csv);
    for (const size of [1, 3, 11, bytes.length]) {
      const parsed = parseInChunks(bytes, size);
      values.forEach((v, j) => expect(parsed.data[j]).toBe(Math.fround(Number(v))));
    }
  });

  it('does not let a chunk the caller reuses change a line it has not finished', () => {
    const sink = new EmbeddingsAccumulator();
    const parser = new EmbeddingsCsvParser(FILE, sink);
    const buffer = new Uint8Array(8);
    for (const piece of ['filenames,embedding_0,labels\n', 'name.png', ',4,0\n']) {
      const bytes = encode(piece);
      for (let i = 0; i < bytes.length; i += buffer.length) {
        const part = bytes.subarray(i, i + buffer.length);
        buffer.set(part);
        parser.write(buffer.subarray(0, part.length));
        buffer.fill(0x58); // overwrite what was just written, as a reused read buffer would be
      }
    }
    parser.end();
    const parsed = sink.result(FILE);
    expect(parsed.fileNames).toEqual(['name.png']);
    expect(Array.from(parsed.data)).toEqual([4]);
  });

  it('knows the row of every file name it has read', () => {
    const parser = new EmbeddingsCsvParser(FILE, { row: () => undefined });
    parser.write('filenames,embedding_0,labels\nb.png,1,0\n\na.png,2,0\n');
    parser.end();
    expect([parser.rowOf('b.png'), parser.rowOf('a.png'), parser.rowOf('c.png')]).toEqual([0, 1, undefined]);
  });

  const bad: [string, string, { code: string; line: number; reason: string }][] = [
    ['an unterminated quote split over chunks', 'filenames,embedding_0,labels\n"abc,1,0\n', { code: 'malformed_line', line: 2, reason: 'unterminated quoted file name' }],
    ['a tab inside a number field', 'filenames,embedding_0,labels\na,\t1,0\n', { code: 'not_a_number', line: 2, reason: 'column 2 (embedding_0): "1" is not a number' }],
    ['a number with two dots', 'filenames,embedding_0,labels\na,1.2.3,0\n', { code: 'not_a_number', line: 2, reason: 'column 2 (embedding_0): "1.2.3" is not a number' }],
    ['a sign without digits', 'filenames,embedding_0,labels\na,-,0\n', { code: 'not_a_number', line: 2, reason: 'column 2 (embedding_0): "-" is not a number' }],
    ['a non-ASCII field', 'filenames,embedding_0,labels\na,½,0\n', { code: 'not_a_number', line: 2, reason: 'column 2 (embedding_0): "½" is not a number' }],
    ['infinity spelled out, with spaces', 'filenames,embedding_0,labels\na, -Infinity ,0\n', { code: 'not_finite', line: 2, reason: 'column 2 (embedding_0): -Infinity is not a finite number' }],
    ['an overflow past float64', 'filenames,embedding_0,labels\na,1,0\nb,-2e400,0\n', { code: 'not_finite', line: 3, reason: 'column 2 (embedding_0): -2e400 is out of range' }],
    ['too many columns after a CRLF line', 'filenames,embedding_0,labels\r\na,1,0\r\nb,1,0,1\r\n', { code: 'column_count', line: 3, reason: 'expected 3 columns, found 4' }],
    ['a duplicate with a quoted spelling', 'filenames,embedding_0,labels\nx.png,1,0\n"x.png",2,0\n', { code: 'duplicate_file', line: 3, reason: 'file name "x.png" already appeared on line 2' }],
  ];
  it.each(bad)('rejects %s with the same code, line and message in every chunking', (_name, csv, expected) => {
    const bytes = encode(csv);
    for (const size of [1, 2, 5, bytes.length]) {
      const error = errorOf(() => parseInChunks(bytes, size));
      expect({ code: error.code, line: error.line, reason: error.reason }).toEqual(expected);
    }
  });
});
