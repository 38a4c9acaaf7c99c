/**
 * `winnow report RUN [--out FILE] [--json FILE] [--open]`: downloads a run's report — a self-contained
 * HTML page — to a file, prints its path, and with `--open` opens it with the platform's opener.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import open from 'open';
import { connect, defineCommand } from '../args.js';
import { ReportUnavailableError, TransferError } from '../errors.js';
import { EXIT, UsageError, type Command } from '../io.js';

const USAGE = `Usage: winnow report RUN [--out FILE] [--json FILE] [--open]

Downloads the report of the selection run RUN (an id printed by "winnow select" and "winnow runs"): a
self-contained HTML page with the config, the summary and the figures. Prints the file's path.

Options:
  --out FILE    where to write the HTML (default: winnow-report-<RUN>.html in the current folder)
  --json FILE   also write the report's figures as JSON
  --open        open the HTML with the system's default program (says so when it cannot, e.g.
                without a display)
  -h, --help    show this help
`;

async function download(url: string, what: string): Promise<Buffer> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (err) {
    throw new TransferError(`downloading the ${what} failed: ${String((err as { cause?: unknown }).cause ?? err)}`, { cause: err });
  }
  if (!response.ok) throw new TransferError(`downloading the ${what} failed: HTTP ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

/**
 * Opens a file with the platform's default program, or says why it cannot: a Linux machine with no
 * display has nothing to show it on, and an opener that cannot be started (no xdg-open) is a failure,
 * not a success. Resolves with the reason it could not, or undefined once the opener has started.
 */
export async function openWithSystem(path: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  if (process.platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) return 'this machine has no display (DISPLAY and WAYLAND_DISPLAY are unset)';
  try {
    const child = await open(path);
    return await new Promise<string | undefined>((resolve) => {
      child.once('error', (error) => resolve(`the system opener could not start: ${error.message}`));
      child.once('spawn', () => resolve(undefined));
    });
  } catch (error) {
    return `the system opener failed: ${error instanceof Error ? error.message : String(error)}`;
  }
}

export function makeReportCommand(opener: (path: string) => Promise<string | undefined> = openWithSystem): Command {
  return defineCommand({
    name: 'report',
    summary: "download a selection run's report (HTML) and optionally open it",
    usage: USAGE,
    options: { out: { type: 'string' }, json: { type: 'string' }, open: { type: 'boolean' } },
    positionals: true,
    async run({ values, positionals }, io) {
      if (positionals.length !== 1) throw new UsageError('expected one run id: winnow report RUN');
      const runId = positionals[0]!;
      const run = await connect().report(runId);
      if (!run.report) {
        throw new ReportUnavailableError(
          run.status === 'SUCCEEDED'
            ? `run ${runId} has no report: the server has not made one for it`
            : `run ${runId} has no report: it is ${run.status}, and reports exist for SUCCEEDED runs only`,
        );
      }
      const out = resolve(values.out ?? `winnow-report-${runId.replace(/[^A-Za-z0-9_.-]/g, '_')}.html`);
      writeFileSync(out, await download(run.report.htmlUrl, 'report'));
      if (values.json !== undefined) writeFileSync(values.json, await download(run.report.jsonUrl, "report's JSON"));
      io.stdout(`${out}\n`);
      if (values.open) {
        const failure = await opener(out);
        io.stderr(failure ? `not opened: ${failure}; open ${out} yourself (it needs no network)\n` : `opened ${out} with the system's default program\n`);
      }
      return EXIT.ok;
    },
  });
}
