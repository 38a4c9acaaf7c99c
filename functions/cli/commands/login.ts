/**
 * `winnow login --url URL [--key KEY]`: checks the URL and key against the API and saves them for the
 * other commands. Without `--key`, the key is read from standard input (so it stays out of the shell's
 * history).
 */
import { createInterface } from 'node:readline/promises';
import { defineCommand, required } from '../args.js';
import { normaliseApiUrl, saveApiTarget } from '../client/config.js';
import { WinnowApi } from '../client/api.js';
import { createTransport } from '../client/transport.js';
import { EXIT, UsageError, type CliIo, type Command } from '../io.js';

const USAGE = `Usage: winnow login --url URL [--key KEY]

Saves the API's URL (e.g. http://127.0.0.1:4000/graphql, or the stack's ApiUrl output) and an API key
in the user's config directory (~/.config/winnow/config.json, readable by you only), after checking
them against the API. Without --key the key is read from standard input.
WINNOW_API_URL and WINNOW_API_KEY, when set, take precedence over the saved values.
`;

async function readKey(io: CliIo): Promise<string> {
  if (io.stdinIsTTY) {
    const prompt = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    try {
      return (await prompt.question('API key: ')).trim();
    } finally {
      prompt.close();
    }
  }
  if (!io.readStdin) throw new UsageError('--key is required');
  return (await io.readStdin()).trim();
}

export function makeLoginCommand(): Command {
  return defineCommand({
    name: 'login',
    summary: 'save the API URL and key for the other commands',
    usage: USAGE,
    options: { url: { type: 'string' }, key: { type: 'string' } },
    async run({ values }, io) {
      const url = normaliseApiUrl(required(values.url, '--url'));
      const key = values.key ?? (await readKey(io));
      if (!key) throw new UsageError('no API key given (--key, or on standard input)');
      const api = new WinnowApi(createTransport({ url, key }));
      const datasets = await api.datasets();
      const file = saveApiTarget({ url, key });
      io.stderr(`logged in to ${url} (${datasets.length} dataset${datasets.length === 1 ? '' : 's'}); saved in ${file}\n`);
      return EXIT.ok;
    },
  });
}
