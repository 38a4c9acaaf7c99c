/**
 * The embeddings CSV parser against a reference parse written to be obviously right rather than fast:
 * split the text into lines, the file name by RFC 4180 quoting, the rest on commas, each number by a
 * regular expression and `Math.fround(Number(text))`. fast-check builds files from the edge spellings a
 * user's tools produce — `Infinity`, `NaN`, `-0`, subnormals, float32's largest values and just beyond
 * (`1e39`), float32 midpoints in 17+ digits, empty cells, quoted numbers, a byte-order mark, CRLF, blank
 * lines, quoted names with commas and quotes, duplicate and empty names — and feeds them in random chunks
 * to both row readers. A file the reference accepts must give the same rows, every value to the bit; a
 * file it refuses, the same line, code and column.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EmbeddingsCsvParser, FormatError, type EmbeddingsCsvOptions, type EmbeddingsRowSink } from '../../functions/formats/index.js';

const FILE = 'embeddings.csv';

interface Row {
  readonly name: string;
  readonly values: readonly number[];
  readonly label: number;
  readonly line: number;
}
interface Refusal {
  readonly line: number;
  readonly code: string;
  /** The 1-based column of a refused value. */
  readonly column?: number;
}
type Outcome = { readonly rows: Row[] } | { readonly error: Refusal };

// ------------------------------------------------------------------------------------------------
// The reference: the format as the parser's documentation states it, one rule per line of code.
// ------------------------------------------------------------------------------------------------

/** A decimal number: [+-] digits [. digits] [(e|E) [+-] digits], at least one digit before the exponent. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const NOT_FINITE_SPELLING = /^[+-]?(nan|inf|infinity)$/i;

function referenceParse(text: string): Outcome {
  const lines = text.replace(/^\uFEFF/, '').split('\n').map((line) => line.replace(/\r$/, ''));
  const blank = (line: string) => /^[ \t]*$/.test(line);
  const headerIndex = lines.findIndex((line) => !blank(line));
  // The generated headers are always valid; what they say is the dimension.
  const columns = lines[headerIndex]!.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
  const dim = columns.filter((c) => c.startsWith('embedding_')).length;
  const rows: Row[] = [];
  const seen = new Set<string>();
  for (let index = headerIndex + 1; index < lines.length; index++) {
    const line = lines[index]!;
    const lineNo = index + 1;
    if (blank(line)) continue;
    const refuse = (code: string, column?: number): Outcome => ({ error: { line: lineNo, code, ...(column === undefined ? {} : { column }) } });
    let name: string;
    let rest: string;
    if (line.startsWith('"')) {
      const quoted = /^"((?:[^"]|"")*)"/.exec(line);
      if (!quoted) return refuse('malformed_line');
      name = quoted[1]!.replaceAll('""', '"');
      rest = line.slice(quoted[0].length);
      if (rest !== '' && !rest.startsWith(',')) return refuse('malformed_line');
    } else {
      const comma = line.indexOf(',');
      name = comma === -1 ? line : line.slice(0, comma);
      rest = comma === -1 ? '' : line.slice(comma);
    }
    if (name === '') return refuse('invalid_value');
    const fields = rest === '' ? [] : rest.slice(1).split(',');
    const values: number[] = [];
    let label = 0;
    for (let c = 0; c <= dim; c++) {
      const column = c + 2;
      if (c >= fields.length) return refuse('column_count');
      const field = fields[c]!;
      const core = field.replace(/^ +/, '').replace(/ +$/, '');
      if (!DECIMAL.test(core)) return refuse(NOT_FINITE_SPELLING.test(field.trim()) ? 'not_finite' : 'not_a_number', column);
      const value = Number(core);
      if (!Number.isFinite(value)) return refuse('not_finite', column);
      if (c < dim) {
        // Kept as float32: a value that the cast would make infinite is refused.
        if (!Number.isFinite(Math.fround(value))) return refuse('not_finite', column);
        values.push(Math.fround(value));
      } else {
        if (!Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 31) return refuse('invalid_value', column);
        label = value + 0;
      }
    }
    if (fields.length > dim + 1) return refuse('column_count');
    if (seen.has(name)) return refuse('duplicate_file');
    seen.add(name);
    rows.push({ name, values, label, line: lineNo });
  }
  return { rows };
}

// ------------------------------------------------------------------------------------------------
// The parser under test, fed in chunks, through either reader.
// ------------------------------------------------------------------------------------------------

function parse(bytes: Uint8Array, chunkSizes: readonly number[], rowReader: NonNullable<EmbeddingsCsvOptions['rowReader']>, batched: boolean): Outcome {
  const rows: Row[] = [];
  const sink: EmbeddingsRowSink = {
    row: (name, values, label, line) => rows.push({ name, values: Array.from(values), label, line }),
    ...(batched
      ? {
          rows(names: readonly string[], values: Float32Array, labels: Int32Array, firstLine: number) {
            const dim = values.length / names.length;
            names.forEach((name, k) => rows.push({ name, values: Array.from(values.subarray(k * dim, (k + 1) * dim)), label: labels[k]!, line: firstLine + k }));
          },
        }
      : {}),
  };
  const parser = new EmbeddingsCsvParser(FILE, sink, { rowReader });
  try {
    let at = 0;
    for (const size of chunkSizes) {
      parser.write(bytes.subarray(at, at + size));
      at += size;
    }
    parser.write(bytes.subarray(at));
    parser.end();
  } catch (error) {
    if (!(error instanceof FormatError)) throw error;
    const column = /^column (\d+) /.exec(error.reason);
    return { error: { line: error.line!, code: error.code, ...(column ? { column: Number(column[1]) } : {}) } };
  }
  return { rows };
}

// ------------------------------------------------------------------------------------------------
// Files full of edge spellings.
// ------------------------------------------------------------------------------------------------

const FLOAT32_MAX = 3.4028234663852886e38;
const EDGE_NUMBERS = [
  'Infinity', '-Infinity', 'inf', '+INF', 'NaN', 'nan', ' -inf ',
  '-0', '+0', '0', '-0.0', '0.0', '.5', '-.5', '5.', '+.5e1', '00012.50', '0e999', '1e-400', '-1e-400',
  '1e38', '1e39', '-1e39', '3.4028235e38', '3.4028236e38', '-3.40282347e38', String(FLOAT32_MAX), String(-FLOAT32_MAX),
  '3.4028235677973366e38', '3.4028235677973362e38', '1e308', '1.7976931348623157e308', '1e309', '-2e400',
  '1.4e-45', '1e-45', '7e-46', '7.1e-46', '1e-46', '-1e-46', '1.1754942e-38', '1.17549435e-38', '5e-324',
  '123456789', '1234567890', '12345678901234567890123', '0.1000000000000000055511151231257827',
  '', ' ', '  ', '"1"', '1e', 'e1', '1e+', '.', '-', '+-1', '1.2.3', '0x10', '1_0', '1,5', '1 2', '\t1', '1\t', '½', '١',
];
const EDGE_LABELS = ['0', '-0', '7', '+3', '1.0', '1e3', '2147483647', '-2147483648', '2147483648', '-2147483649', '1e10', '1.5', '', 'x', '1e400'];

/** float32 values in the spellings tools write them: shortest, fixed, exponent, 17 digits. */
const float32Spelling = fc
  .tuple(fc.float({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom('shortest', 'exponential', 'precision9', 'precision17'))
  .map(([v, how]) => (how === 'shortest' ? String(v) : how === 'exponential' ? v.toExponential() : how === 'precision9' ? v.toPrecision(9) : v.toPrecision(17)));

/** The decimal halfway between two neighbouring float32 values: rounding has to be exactly right here. */
const float32Midpoint = fc.tuple(fc.integer({ min: 0, max: 0x7f7ffffe }), fc.boolean(), fc.constantFrom(17, 18, 19, 20, 21)).map(([bits, negative, digits]) => {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, bits);
  const low = view.getFloat32(0);
  view.setUint32(0, bits + 1);
  const high = view.getFloat32(0);
  return ((negative ? -1 : 1) * ((low + high) / 2)).toPrecision(digits);
});

/** Any decimal spelling, 0–25 digits on either side of the point, with an exponent or not. */
const decimalSpelling = fc.stringMatching(/^[+-]?\d{0,25}(\.\d{0,25})?([eE][+-]?\d{1,3})?$/);

const numberField = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...EDGE_NUMBERS) },
  { weight: 3, arbitrary: float32Spelling },
  { weight: 2, arbitrary: float32Midpoint },
  { weight: 2, arbitrary: fc.double({ noNaN: true }).map(String) },
  { weight: 2, arbitrary: decimalSpelling },
  { weight: 2, arbitrary: fc.integer({ min: -999_999_999, max: 999_999_999 }).map(String) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('', ' ', '  '), fc.integer({ min: -99999, max: 99999 }), fc.constantFrom('', ' ')).map(([a, v, b]) => `${a}${v / 1000}${b}`) },
);

const labelField = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: -5, max: 20 }).map(String) }, { weight: 1, arbitrary: fc.constantFrom(...EDGE_LABELS) });

/** A file name as written: plain, quoted (with commas and doubled quotes), or empty. */
const nameSpelling = fc.oneof(
  { weight: 6, arbitrary: fc.stringMatching(/^[a-z0-9_./-]{1,12}$/).map((name) => ({ name, written: name })) },
  {
    weight: 2,
    arbitrary: fc.stringMatching(/^[a-z0-9 ,"é.]{0,10}$/).map((name) => ({ name, written: `"${name.replaceAll('"', '""')}"` })),
  },
  { weight: 1, arbitrary: fc.constantFrom({ name: 'a,b.png', written: '"a,b.png"' }, { name: 'x', written: '"x"junk' }, { name: 'x', written: '"x' }) },
);

const csvFile = fc
  .record({
    dim: fc.integer({ min: 1, max: 4 }),
    bom: fc.boolean(),
    quotedHeader: fc.boolean(),
    leadingBlankLines: fc.integer({ min: 0, max: 2 }),
    finalNewline: fc.boolean(),
    rows: fc.array(
      fc.record({
        name: nameSpelling,
        repeatEarlierName: fc.integer({ min: 0, max: 30 }),
        values: fc.array(numberField, { minLength: 6, maxLength: 6 }),
        label: labelField,
        columnsDelta: fc.constantFrom(0, 0, 0, 0, 0, 0, 0, 0, -1, 1),
        blankBefore: fc.constantFrom('', '', '', '', '', '', '  ', '\t'),
        crlf: fc.boolean(),
      }),
      { maxLength: 12 },
    ),
    // Most files should pass, so that accepted rows are compared too: a clean variant of each file.
    clean: fc.boolean(),
  })
  .map((spec) => {
    const header = ['filenames', ...Array.from({ length: spec.dim }, (_, j) => `embedding_${j}`), 'labels'].map((c) => (spec.quotedHeader ? `"${c}"` : c)).join(',');
    const lines: string[] = [...Array.from({ length: spec.leadingBlankLines }, () => ''), header];
    const endings: string[] = Array.from({ length: lines.length }, () => '\n');
    const written: string[] = [];
    spec.rows.forEach((row, i) => {
      if (row.blankBefore !== '' || (spec.clean && i % 3 === 2)) {
        lines.push(row.blankBefore);
        endings.push('\n');
      }
      let name = row.name.written;
      if (spec.clean) name = `"${i},${row.name.name.replaceAll('"', '""')}"`;
      else if (row.repeatEarlierName < written.length) name = written[row.repeatEarlierName]!;
      written.push(name);
      let values = row.values.slice(0, spec.dim + (spec.clean ? 0 : Math.min(row.columnsDelta, 6 - spec.dim)));
      let label = row.label;
      if (spec.clean) {
        values = values.map((v) => (referenceNumberOk(v) ? v : '-0'));
        label = /^-?\d{1,9}$/.test(label) ? label : '3';
      }
      lines.push([name, ...values, label].join(','));
      endings.push(row.crlf ? '\r\n' : '\n');
    });
    if (!spec.finalNewline) endings[endings.length - 1] = '';
    return (spec.bom ? '\uFEFF' : '') + lines.map((line, i) => line + endings[i]).join('');
  });

/** A spelling the format accepts as a float32 value. */
function referenceNumberOk(field: string): boolean {
  const core = field.replace(/^ +/, '').replace(/ +$/, '');
  return DECIMAL.test(core) && Number.isFinite(Math.fround(Number(core)));
}

const chunkSizes = fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 20 });

describe('embeddings CSV parser against a reference parse', () => {
  it('agrees on files of edge spellings, through both readers, in any chunks', () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(csvFile, chunkSizes, fc.constantFrom('typescript', 'webassembly') as fc.Arbitrary<'typescript' | 'webassembly'>, fc.boolean(), (text, chunks, rowReader, batched) => {
        const expected = referenceParse(text);
        const actual = parse(Buffer.from(text, 'utf8'), chunks, rowReader, batched);
        if ('rows' in expected) accepted++;
        else refused++;
        // toEqual tells -0 from 0 (Object.is), so every value is compared to the bit.
        expect(actual).toEqual(expected);
      }),
      { numRuns: 400 },
    );
    // Both sides of the property were exercised.
    expect(accepted).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(100);
  });

  it('refuses exactly the values that float32 cannot hold, at the line and column they are on', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 0, max: 3 }), (value, blankLines) => {
        const spelled = Object.is(value, -0) ? '-0' : String(value);
        const text = `filenames,embedding_0,embedding_1,labels\r\n${'\r\n'.repeat(blankLines)}a.png,0.5,${spelled},1\r\n`;
        const line = 2 + blankLines;
        const outcome = parse(Buffer.from(text), [], 'typescript', false);
        if (Number.isFinite(Math.fround(value))) expect(outcome).toEqual({ rows: [{ name: 'a.png', values: [0.5, Math.fround(value)], label: 1, line }] });
        else expect(outcome).toEqual({ error: { line, code: 'not_finite', column: 3 } });
      }),
      { numRuns: 2000, examples: [[1e39, 0], [-1e39, 1], [FLOAT32_MAX, 0], [3.4028235677973366e38, 0], [3.4028235677973362e38, 2], [1e-46, 0], [-0, 0], [5e-324, 3]] },
    );
  });
});
