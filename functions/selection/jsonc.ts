/**
 * JSON with comments, as the selection configs of the documentation are written: `#` and `//` line
 * comments, `/* … *\/` block comments, trailing commas before `}` or `]`, and `float(<number>)` for a
 * number (the video example writes `"strength": float(1e9)`). Everything else is strict JSON.
 *
 * Comments and `float(…)` are recognised only outside strings. Errors carry the line and column in the
 * original text.
 */

import { JsoncSyntaxError } from './errors.js';

export { JsoncSyntaxError };

/** Replaces comments with spaces (keeping offsets, so positions stay right) and unwraps `float(…)`. */
function strip(text: string, file: string): string {
  const out = text.split('');
  let i = 0;
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
      continue;
    }
    if (c === '#' || (c === '/' && text[i + 1] === '/')) {
      const end = text.indexOf('\n', i);
      const stop = end === -1 ? text.length : end;
      blank(i, stop);
      i = stop;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end === -1) {
        const { line, column } = position(text, i);
        throw new JsoncSyntaxError(file, line, column, "unterminated block comment: '/*' without '*/'");
      }
      const stop = end + 2;
      blank(i, stop);
      i = stop;
      continue;
    }
    const call = /^float\(\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*\)/.exec(text.slice(i, i + 64));
    if (call && !/[\w$]/.test(text[i - 1] ?? '')) {
      // `float(1e9)` → `1e9` padded with spaces to the same length.
      const replacement = call[1]!.padEnd(call[0].length, ' ');
      for (let k = 0; k < replacement.length; k++) out[i + k] = replacement[k]!;
      i += call[0].length;
      continue;
    }
    i++;
  }
  // Trailing commas are the parser's business: a regex here would also rewrite `", ]"` inside strings.
  return out.join('');
}

function position(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * A small strict JSON parser over the comment-free text, so that every error has an exact position
 * (Node's JSON.parse reports none for some errors on Node 20).
 */
class Parser {
  private i = 0;
  constructor(
    private readonly text: string,
    private readonly file: string,
  ) {}

  parse(): unknown {
    this.space();
    const value = this.value();
    this.space();
    if (this.i < this.text.length) this.fail(`unexpected ${this.describe()} after the end of the value`);
    return value;
  }

  private fail(reason: string): never {
    const { line, column } = position(this.text, this.i);
    throw new JsoncSyntaxError(this.file, line, column, reason);
  }

  private describe(): string {
    return this.i >= this.text.length ? 'end of input' : `'${this.text[this.i]}'`;
  }

  private space(): void {
    while (this.i < this.text.length && ' \t\n\r'.includes(this.text[this.i]!)) this.i++;
  }

  private value(): unknown {
    const c = this.text[this.i];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return this.string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
    for (const [word, value] of [['true', true], ['false', false], ['null', null]] as const) {
      if (this.text.startsWith(word, this.i)) {
        this.i += word.length;
        return value;
      }
    }
    const word = /^[A-Za-z_][\w.]*/.exec(this.text.slice(this.i, this.i + 40));
    if (word) this.fail(`'${word[0]}' is not a JSON value (strings need double quotes)`);
    this.fail(`expected a value, found ${this.describe()}`);
  }

  private object(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.i++;
    this.space();
    if (this.text[this.i] === '}') {
      this.i++;
      return out;
    }
    for (;;) {
      this.space();
      if (this.text[this.i] !== '"') {
        const word = /^[A-Za-z_]\w*/.exec(this.text.slice(this.i, this.i + 40));
        this.fail(word ? `object keys need double quotes: "${word[0]}"` : `expected a key in double quotes, found ${this.describe()}`);
      }
      const key = this.string();
      this.space();
      if (this.text[this.i] !== ':') this.fail(`expected ':' after key "${key}", found ${this.describe()}`);
      this.i++;
      this.space();
      out[key] = this.value();
      this.space();
      const c = this.text[this.i];
      if (c === ',') {
        this.i++;
        this.space();
        // A trailing comma before the closing brace.
        if (this.text[this.i] === '}') {
          this.i++;
          return out;
        }
        continue;
      }
      if (c === '}') {
        this.i++;
        return out;
      }
      this.fail(`expected ',' or '}', found ${this.describe()}`);
    }
  }

  private array(): unknown[] {
    const out: unknown[] = [];
    this.i++;
    this.space();
    if (this.text[this.i] === ']') {
      this.i++;
      return out;
    }
    for (;;) {
      this.space();
      out.push(this.value());
      this.space();
      const c = this.text[this.i];
      if (c === ',') {
        this.i++;
        this.space();
        // A trailing comma before the closing bracket.
        if (this.text[this.i] === ']') {
          this.i++;
          return out;
        }
        continue;
      }
      if (c === ']') {
        this.i++;
        return out;
      }
      this.fail(`expected ',' or ']', found ${this.describe()}`);
    }
  }

  private string(): string {
    const start = this.i;
    this.i++;
    while (this.i < this.text.length && this.text[this.i] !== '"') {
      if (this.text[this.i] === '\n') this.fail('unterminated string');
      this.i += this.text[this.i] === '\\' ? 2 : 1;
    }
    if (this.i >= this.text.length) {
      this.i = start;
      this.fail('unterminated string');
    }
    this.i++;
    try {
      return JSON.parse(this.text.slice(start, this.i)) as string;
    } catch {
      this.i = start;
      return this.fail('invalid escape in string');
    }
  }

  private number(): number {
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?/.exec(this.text.slice(this.i, this.i + 400));
    if (!match) this.fail(`invalid number`);
    this.i += match[0].length;
    return Number(match[0]);
  }
}

/** Parses JSON with comments; throws {@link JsoncSyntaxError} naming the line and column. */
export function parseJsonc(text: string, file = 'config'): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return new Parser(strip(body, file), file).parse();
}
