/**
 * Spreadsheet programs run a cell that starts with = + - @ (or a tab/CR) as a formula.
 * Any CSV the agent writes for people passes its text cells through this first.
 */
export function neutraliseCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}
