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
  --open        open the HTML with the system's default program
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

export function makeReportCommand(opener: (path: string) => Promise<unknown> = open): Command {
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
        await opener(out);
        io.stderr(`opened ${out}\n`);
      }
      return EXIT.ok;
    },
  });
}
