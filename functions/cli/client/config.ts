/**
 * Where the client finds the API: `winnow login` saves the URL and key in the user's config directory
 * (`$XDG_CONFIG_HOME/winnow/config.json`, else `~/.config/winnow/config.json` on Linux; the platform's
 * equivalent elsewhere), readable by the user only. `WINNOW_API_URL` and `WINNOW_API_KEY` override the
 * saved values one by one.
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import envPaths from 'env-paths';
import { ConfigFileError, NotLoggedInError } from '../errors.js';

export interface ApiTarget {
  readonly url: string;
  readonly key: string;
}

/** The user's directories for the client, read from the environment at each call (tests change it). */
export function clientPaths(): { config: string; data: string } {
  const paths = envPaths('winnow', { suffix: '' });
  return { config: paths.config, data: paths.data };
}

export const configFile = (): string => join(clientPaths().config, 'config.json');

/**
 * Where `npm start` keeps the local server's API key: `$WINNOW_DATA_DIR/api-key`, else `.winnow/api-key`,
 * relative to the working directory as the server resolves it (`npm run` starts both in the project's root).
 */
export const localApiKeyFile = (env: NodeJS.ProcessEnv = process.env): string => resolve(env.WINNOW_DATA_DIR || '.winnow', 'api-key');

/** Whether the URL points at this machine (a local server, whose key file is then worth reading). */
export function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function readSaved(file: string): Partial<ApiTarget> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new ConfigFileError(`${file}: cannot read the login (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigFileError(`${file}: not valid JSON; run "winnow login" again`, { cause: err });
  }
  const saved = (parsed ?? {}) as Record<string, unknown>;
  return {
    ...(typeof saved.url === 'string' ? { url: saved.url } : {}),
    ...(typeof saved.key === 'string' ? { key: saved.key } : {}),
  };
}

/** The API to talk to: environment first, then the saved login. */
export function resolveApiTarget(env: NodeJS.ProcessEnv = process.env): ApiTarget {
  const file = configFile();
  const saved = env.WINNOW_API_URL && env.WINNOW_API_KEY ? {} : readSaved(file);
  const url = env.WINNOW_API_URL || saved.url;
  const key = env.WINNOW_API_KEY || saved.key;
  if (!url) throw new NotLoggedInError('API URL', file);
  if (!key) throw new NotLoggedInError('API key', file);
  return { url: normaliseApiUrl(url), key };
}

/** Checks and tidies a URL given by the user. */
export function normaliseApiUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigFileError(`"${url}" is not a URL; expected e.g. http://127.0.0.1:4000/graphql`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new ConfigFileError(`"${url}" is not an http(s) URL`);
  return parsed.toString();
}

/** Saves the login with mode 0600 (written aside, then renamed, so a crash leaves the old file whole). */
export function saveApiTarget(target: ApiTarget): string {
  const file = configFile();
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify({ url: target.url, key: target.key }, null, 2) + '\n', { mode: 0o600 });
  // The mode option applies only when the file is created; make sure of it either way.
  chmodSync(temporary, 0o600);
  renameSync(temporary, file);
  return file;
}
