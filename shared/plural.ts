/**
 * A count with its noun in the right number ("1 row", "2 rows", "1,204 values"), for sentences a
 * person reads: "row(s)" makes them work out which one was meant.
 *
 * The count is grouped the en-US way by default so engine and CLI text does not change with the
 * server's locale; the renderer passes its own formatter to match the numbers around it.
 */
export function plural(n: number, one: string, many = `${one}s`, format: (n: number) => string = (x) => x.toLocaleString('en-US')): string {
  return `${format(n)} ${n === 1 ? one : many}`;
}
