/**
 * `winnow login --url URL [--key KEY | --key-file FILE]`: checks the URL and key against the API and
 * saves them for the other commands. The key is best kept off the command line, where the shell's
 * history and `npm run`'s command banner would show it: `--key-file`, standard input, or — for a server
 * on this machine — the key file `npm start` keeps (`$WINNOW_DATA_DIR/api-key`, else `.winnow/api-key`).
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { defineCommand, required } from '../args.js';
import { isLoopbackUrl, localApiKeyFile, normaliseApiUrl, saveApiTarget } from '../client/config.js';
import { WinnowApi } from '../client/api.js';
import { createTransport } from '../client/transport.js';
import { ConfigFileError } from '../errors.js';
import { EXIT, UsageError, type CliIo, type Command } from '../io.js';

const USAGE = `Usage: winnow login --url URL [--key KEY | --key-file FILE]

Saves the API's URL (e.g. http://127.0.0.1:4000/graphql, or the stack's ApiUrl output) and an API key
in the user's config directory (~/.config/winnow/config.json, readable by you only), after checking
them against the API. The key, first found of:
  --key KEY          (shown in the shell's history and in npm's command banner: prefer the others)
  --key-file FILE    a file holding the key
  standard input     when it is not a terminal: login --url URL < key-file
  the local key file for a URL on this machine: $WINNOW_DATA_DIR/api-key, else .winnow/api-key
                     (where npm start keeps it)
  a prompt           on a terminal
WINNOW_API_URL and WINNOW_API_KEY, when set, take precedence over the saved values.
`;

function readKeyFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigFileError(`${file}: cannot read the API key (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
  }
  const key = text.trim();
  if (!key) throw new ConfigFileError(`${file}: the file is empty; it should hold the API key`);
  return key;
}

/** The key when --key is absent: see USAGE for the order. */
async function findKey(io: CliIo, url: string, keyFile: string | undefined, env: NodeJS.ProcessEnv): Promise<string> {
  if (keyFile !== undefined) return readKeyFile(required(keyFile, '--key-file'));
  if (!io.stdinIsTTY && io.readStdin) {
    const piped = (await io.readStdin()).trim();
    if (piped) return piped;
  }
  const local = localApiKeyFile(env);
  if (isLoopbackUrl(url)) {
    let key: string | undefined;
    try {
      key = readFileSync(local, 'utf8').trim();
    } catch {
      // No local server's key here: ask for it.
    }
    if (key) {
      io.stderr(`using the API key in ${local}\n`);
      return key;
    }
  }
  if (io.stdinIsTTY) {
    const prompt = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    try {
      return (await prompt.question('API key: ')).trim();
    } finally {
      prompt.close();
    }
  }
  throw new UsageError(`no API key given: use --key-file FILE, send it on standard input${isLoopbackUrl(url) ? `, or start the local server so that ${local} exists` : ''}`);
}

export function makeLoginCommand(): Command {
  return defineCommand({
    name: 'login',
    summary: 'save the API URL and key for the other commands',
    usage: USAGE,
    options: { url: { type: 'string' }, key: { type: 'string' }, 'key-file': { type: 'string' } },
    async run({ values }, io) {
      const url = normaliseApiUrl(required(values.url, '--url'));
      if (values.key !== undefined && values['key-file'] !== undefined) throw new UsageError('give --key or --key-file, not both');
      const key = values.key ?? (await findKey(io, url, values['key-file'], process.env));
      if (!key) throw new UsageError('no API key given');
      const api = new WinnowApi(createTransport({ url, key }));
      const datasets = await api.datasets();
      const file = saveApiTarget({ url, key });
      io.stderr(`logged in to ${url} (${datasets.length} dataset${datasets.length === 1 ? '' : 's'}); saved in ${file}\n`);
      return EXIT.ok;
    },
  });
}
