// Minimal typing for the part of unzipper (a dependency of exceljs) used to read an XLSX's
// structure by random access: the central directory, then single entries as streams.
declare module 'unzipper' {
  import type { Readable } from 'node:stream';
  export interface CentralDirectoryFile {
    path: string;
    type: 'File' | 'Directory';
    uncompressedSize: number;
    stream(password?: string): Readable;
    buffer(password?: string): Promise<Buffer>;
  }
  export interface CentralDirectory {
    files: CentralDirectoryFile[];
  }
  export const Open: {
    file(path: string): Promise<CentralDirectory>;
  };
}
