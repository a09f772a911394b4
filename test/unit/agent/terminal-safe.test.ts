import { PassThrough } from 'node:stream';
import { expect, it } from 'vitest';
import { createOutput, terminalSafe } from '../../../main/agent/output';

it('shows control characters from a dropped file name instead of sending them to the terminal', () => {
  const name = 'esc2\u001b[2J\u001b[31mRED\u001b]0;TITLE\u0007.csv';
  expect(terminalSafe(`File: ${name}`)).toBe('File: esc2^[[2J^[[31mRED^[]0;TITLE\\x07.csv');
  // The output's own line breaks and tabs stay; C1 controls (a one-byte CSI) do not.
  expect(terminalSafe('a\tb\nc\u009b2J')).toBe('a\tb\nc\\x9b2J');
  const stdout = new PassThrough();
  let text = '';
  stdout.on('data', (c) => (text += String(c)));
  createOutput(false, stdout, new PassThrough()).print({ file: name }, () => `File: ${name}`);
  expect(text).not.toContain('\u001b');
  // --json is escaped by JSON itself and stays exact for scripts.
  let json = '';
  const jsonOut = new PassThrough();
  jsonOut.on('data', (c) => (json += String(c)));
  createOutput(true, jsonOut, new PassThrough()).print({ file: name }, () => '');
  expect((JSON.parse(json) as { file: string }).file).toBe(name);
});
