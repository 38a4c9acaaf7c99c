/** Command-line parsing shared by the verbs: node's `parseArgs`, with its complaints as usage errors. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { resolveApiTarget } from './client/config.js';
import { WinnowApi } from './client/api.js';
import { createTransport } from './client/transport.js';
import { EXIT, UsageError, type CliIo, type Command } from './io.js';

type Options = NonNullable<ParseArgsConfig['options']>;

export function parseCommandLine<O extends Options>(argv: readonly string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args: [...argv], options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

export type ParsedCommandLine<O extends Options> = ReturnType<typeof parseCommandLine<O>>;

/** A verb whose `--help` prints its usage; `run` gets the parsed options and positionals. */
export function defineCommand<O extends Options>(spec: {
  name: string;
  summary: string;
  usage: string;
  options: O;
  positionals?: boolean;
  run(parsed: ParsedCommandLine<O>, io: CliIo): Promise<number>;
}): Command {
  return {
    name: spec.name,
    summary: spec.summary,
    usage: spec.usage,
    async run(argv: string[], io: CliIo): Promise<number> {
      const parsed = parseCommandLine(argv, spec.options, spec.positionals ?? false);
      if ((parsed.values as { help?: boolean }).help) {
        io.stdout(spec.usage);
        return EXIT.ok;
      }
      return spec.run(parsed, io);
    },
  };
}

export function required(value: string | undefined, option: string): string {
  if (value === undefined || value === '') throw new UsageError(`${option} is required`);
  return value;
}

/** The API client for the configured URL and key (see `winnow login`). */
export function connect(env: NodeJS.ProcessEnv = process.env): WinnowApi {
  return new WinnowApi(createTransport(resolveApiTarget(env), env));
}

/** Rows as aligned columns under a header. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ') + '\n';
  return line(header) + rows.map(line).join('');
}
