export { readCsv, type CsvReadOptions } from './csv';
export { readXlsx, listSheets, type XlsxReadOptions } from './xlsx';
export { readJson, flattenRecord, parsePointer, type JsonReadOptions } from './json';
export { openReader, sampleFile, detectFormat, type OpenReaderOptions, type FileSample } from './open';
export type { ReaderInfo, ReaderFormat, TabularReader } from './types';
export type { ByteInput } from './byte-source';
export { openTakenFile, PinnedFile } from './pinned-file';
