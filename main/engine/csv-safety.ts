/**
 * Spreadsheet programs run a cell that starts with = + - @ (or a tab/CR) as a formula.
 * Any CSV the agent writes for people passes its text cells through this first.
 *
 * A plain signed number ('-3', '+1.5', '-1,234.56') is left as it is: a spreadsheet reads it as
 * the number it is, and a quote in front would turn a rejected value into text that no longer
 * matches the source file. Its characters (a sign, digits, '.' or ',' between digit groups) cannot
 * call anything.
 */
const PLAIN_SIGNED_NUMBER = /^[+-]\d+(?:[.,]\d+)*$/;

export function neutraliseCell(value: string): string {
  if (!/^[=+\-@\t\r]/.test(value) || PLAIN_SIGNED_NUMBER.test(value)) return value;
  return `'${value}`;
}
