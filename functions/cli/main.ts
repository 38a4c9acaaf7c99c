/**
 * The winnow command line: `winnow <verb> [options]` (`npm run winnow -- …`, the `winnow` bin, or
 * `npx tsx functions/cli/main.ts …`). Each verb is its own module under `commands/`; this file only
 * dispatches.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { makeApiKeyCommand } from './commands/apikey.js';
import { makeDatasetsCommand, makeRunsCommand, makeTagsCommand } from './commands/datasets.js';
import { makeDownloadTagCommand } from './commands/downloadTag.js';
import { makeLoginCommand } from './commands/login.js';
import { makeReportCommand } from './commands/report.js';
import { makeSelectCommand } from './commands/select.js';
import { makeUploadCommand } from './commands/upload.js';
import { loadEngine } from './engine.js';
import { EXIT, processIo, UsageError, type CliIo, type Command } from './io.js';

export const COMMANDS: readonly Command[] = [
  makeLoginCommand(),
  makeDatasetsCommand(),
  makeUploadCommand(),
  makeSelectCommand(loadEngine),
  makeRunsCommand(),
  makeTagsCommand(),
  makeDownloadTagCommand(),
  makeReportCommand(),
  makeApiKeyCommand(),
];

export function usage(commands: readonly Command[] = COMMANDS): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: winnow <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run "winnow <command> --help" for the options of a command.',
    '',
    'The API commands use the URL and key saved by "winnow login"; WINNOW_API_URL and WINNOW_API_KEY override them.',
    'Exit codes: 0 success, 1 failure (the message says what and where), 2 bad usage.',
    '',
  ].join('\n');
}

/** Runs the CLI with the arguments after the program name; returns the exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo, commands: readonly Command[] = COMMANDS): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === undefined || verb === '--help' || verb === '-h' || verb === 'help') {
    const topic = verb === 'help' ? commands.find((c) => c.name === rest[0]) : undefined;
    io.stdout(topic ? topic.usage : usage(commands));
    return verb === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = commands.find((c) => c.name === verb);
  if (!command) {
    io.stderr(`winnow: unknown command "${verb}"\n\n${usage(commands)}`);
    return EXIT.usage;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`winnow ${command.name}: ${err.message}\nRun "winnow ${command.name} --help" for usage.\n`);
      return EXIT.usage;
    }
    io.stderr(`winnow ${command.name}: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.failure;
  }
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  process.exitCode = await main(process.argv.slice(2));
}
