// Minimal typing for the part of unzipper (a dependency of exceljs) used to read an XLSX's
// structure by random access: the central directory, then single entries as streams.
declare module 'unzipper' {
  import type { Readable } from 'node:stream';
  export interface CentralDirectoryFile {
    path: string;
    type: 'File' | 'Directory';
    uncompressedSize: number;
    compressedSize: number;
    extraFieldLength?: number;
    stream(password?: string): Readable;
    buffer(password?: string): Promise<Buffer>;
  }
  export interface CentralDirectory {
    files: CentralDirectoryFile[];
    /** Where the central directory starts: every byte before it belongs to a listed entry. */
    offsetToStartOfCentralDirectory?: number;
  }
  /** Random access to the ZIP's bytes: `stream(offset, length)` reads that range. */
  export interface CustomSource {
    size(): Promise<number>;
    stream(offset: number, length?: number): Readable;
  }
  export const Open: {
    file(path: string): Promise<CentralDirectory>;
    buffer(data: Buffer): Promise<CentralDirectory>;
    custom(source: CustomSource): Promise<CentralDirectory>;
  };
}
