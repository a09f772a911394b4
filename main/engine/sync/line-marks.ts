/**
 * The file lines a run rejected something on, one bit a line: a row with a bad date and three value
 * columns is one rejected row, and a duplicate found later on a line already counted is not
 * counted again. One bit a line keeps it flat (46 million lines: 6 MB), allocated at the first mark.
 */
export class LineMarks {
  private bits = new Uint8Array(0);
  private marked = 0;

  /** Marks a line; says whether it was new. */
  mark(line: number): boolean {
    if (!Number.isInteger(line) || line < 0) return false;
    const byte = line >>> 3;
    if (byte >= this.bits.length) {
      const grown = new Uint8Array(Math.max(byte + 1, this.bits.length * 2, 1024));
      grown.set(this.bits);
      this.bits = grown;
    }
    const bit = 1 << (line & 7);
    if (this.bits[byte]! & bit) return false;
    this.bits[byte]! |= bit;
    this.marked++;
    return true;
  }

  get count(): number {
    return this.marked;
  }
}

/**
 * "3 rows were rejected", or "5 values in 3 rows" where rows have several value columns: the run's
 * counts are values (one per value column); a person checks them against the rows of the file.
 */
export function rejectedText(values: number, rows: number): string {
  const r = `${rows} row${rows === 1 ? '' : 's'}`;
  return values === rows ? `${r} ${rows === 1 ? 'was' : 'were'} rejected` : `${values} value${values === 1 ? '' : 's'} in ${r} were rejected`;
}
