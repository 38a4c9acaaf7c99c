/**
 * The room boundaries of eslint.config.js hold: a deliberate violation in each room is an error. Only
 * the boundary rules run (with the TypeScript parser), so the check takes a second, not a typed lint.
 */
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import { roomBoundaries } from '../../eslint.config.js';

const eslint = new ESLint({
  cwd: new URL('../..', import.meta.url).pathname,
  overrideConfigFile: true,
  overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } }, ...roomBoundaries],
});

async function restrictedMessages(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-syntax').map((m) => m.message);
}

describe('room boundaries', () => {
  it('keep the selection engine free of I/O, environment, AWS, other rooms and the kernels engine', async () => {
    const messages = await restrictedMessages(
      'functions/selection/select.ts',
      [
        "import { readFileSync } from 'node:fs';",
        "import { S3Client } from '@aws-sdk/client-s3';",
        "import { engineKernels } from '../kernels/engine.js';",
        "import { createStores } from '../store/stores.js';",
        "import type { Kernels } from '../kernels/index.js';",
        'export const used: unknown[] = [readFileSync, S3Client, engineKernels, createStores, process.env.X];',
        'export type K = Kernels;',
      ].join('\n'),
    );
    expect(messages).toHaveLength(5);
    expect(messages.join('\n')).toMatch(/does no I\/O/);
    expect(messages.join('\n')).toMatch(/knows no AWS/);
    expect(messages.join('\n')).toMatch(/takes its kernels from the caller/);
    expect(messages.join('\n')).toMatch(/reads no environment/);
  });

  it('keep the kernels to their room and the store from the API and the workflow', async () => {
    expect(await restrictedMessages('functions/kernels/index.ts', "import { selectionConfig } from '../selection/config.js';\nexport const c = selectionConfig;\n")).toHaveLength(1);
    expect(await restrictedMessages('functions/kernels/fast/kcenter.ts', "import { x } from '../../formats/index.js';\nexport const c = x;\n")).toHaveLength(1);
    expect(await restrictedMessages('functions/store/tags.ts', "import * as tasks from '../workflow/tasks.js';\nexport const t = tasks;\n")).toHaveLength(1);
  });

  it('let the engine import what it may', async () => {
    expect(await restrictedMessages('functions/selection/select.ts', "import type { Kernels } from '../kernels/index.js';\nimport { z } from 'zod';\nexport type K = Kernels;\nexport const s = z;\n")).toEqual([]);
  });
});
