import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/agent-process';

/** The layer rules are lint rules; this proves they bite on the imports DESIGN.md forbids. */
async function lint(file: string, code: string) {
  const eslint = new ESLint({ cwd: ROOT });
  const [result] = await eslint.lintText(code, { filePath: `${ROOT}/${file}` });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('layer rules', () => {
  it('an engine file may not import electron or react', async () => {
    expect(await lint('main/engine/sync/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).toHaveLength(1);
    expect(await lint('main/engine/x.ts', "import React from 'react';\nexport const a = React;\n")).toHaveLength(1);
    expect(await lint('main/engine/x.ts', "import { readFileSync } from 'node:fs';\nexport const a = readFileSync;\n")).toHaveLength(0);
  });

  it('shared/ may not import node built-ins, electron or the DOM layers', async () => {
    expect(await lint('shared/x.ts', "import { readFileSync } from 'node:fs';\nexport const a = readFileSync;\n")).toHaveLength(1);
    expect(await lint('shared/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).toHaveLength(1);
    expect(await lint('shared/x.ts', "import { Engine } from '../main/engine/engine';\nexport const a = Engine;\n")).toHaveLength(1);
    expect(await lint('shared/x.ts', "import { z } from 'zod';\nexport const a = z;\n")).toHaveLength(0);
  });

  it('the renderer may not import main/ or node built-ins', async () => {
    expect(await lint('renderer/x.ts', "import { Engine } from '../main/engine/engine';\nexport const a = Engine;\n")).toHaveLength(1);
    expect(await lint('renderer/pages/x.ts', "import { Store } from '../../main/engine/store';\nexport const a = Store;\n")).toHaveLength(1);
    expect(await lint('renderer/x.ts', "import { spawn } from 'node:child_process';\nexport const a = spawn;\n")).toHaveLength(1);
    expect(await lint('renderer/x.ts', "import { methods } from '../shared/api';\nexport const a = methods;\n")).toHaveLength(0);
  });
});
