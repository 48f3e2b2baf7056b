/**
 * What a file is, from its first bytes, for the messages of SPEC §4.5 (files uploaded by mistake): the
 * readers of both pipelines say what they got and what they expected instead of a parser's confusion.
 */

export type FileKind = 'empty' | 'zip' | 'xls' | 'pdf' | 'gzip' | 'binary' | 'text';

/** How many leading bytes `fileKind` looks at. */
export const KIND_HEAD_BYTES = 512;

const startsWith = (head: Uint8Array, signature: readonly number[]): boolean => signature.every((byte, i) => head[i] === byte);

const ZIP = [0x50, 0x4b, 0x03, 0x04];
const EMPTY_ZIP = [0x50, 0x4b, 0x05, 0x06];
/** OLE2 compound file: legacy .xls (and encrypted .xlsx, which Excel wraps in one). */
const OLE2 = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
const PDF = [0x25, 0x50, 0x44, 0x46, 0x2d];
const GZIP = [0x1f, 0x8b];
/** Byte order marks of UTF-16 text (its ASCII has a NUL byte every other byte). */
const UTF16_LE = [0xff, 0xfe];
const UTF16_BE = [0xfe, 0xff];

export function fileKind(head: Uint8Array): FileKind {
  if (head.length === 0) return 'empty';
  if (startsWith(head, ZIP) || startsWith(head, EMPTY_ZIP)) return 'zip';
  if (startsWith(head, OLE2)) return 'xls';
  if (startsWith(head, PDF)) return 'pdf';
  if (startsWith(head, GZIP)) return 'gzip';
  if (startsWith(head, UTF16_LE) || startsWith(head, UTF16_BE)) return 'text';
  const sample = head.subarray(0, KIND_HEAD_BYTES);
  let control = 0;
  for (const byte of sample) {
    if (byte === 0) return 'binary';
    if (byte < 9 || (byte > 13 && byte < 32)) control++;
  }
  return control * 20 > sample.length ? 'binary' : 'text';
}

/** The kind in words, for "<source> is <description>, not ...". */
export function describeKind(kind: FileKind): string {
  switch (kind) {
    case 'empty':
      return 'an empty file (0 bytes)';
    case 'zip':
      return 'a zip archive (an Excel .xlsx workbook is one)';
    case 'xls':
      return 'an old binary Excel file (.xls, OLE2 format; an encrypted workbook looks the same): open it in Excel and save it as .xlsx';
    case 'pdf':
      return 'a PDF document';
    case 'gzip':
      return 'a gzip-compressed file: decompress it first';
    case 'binary':
      return 'a binary file, not text';
    case 'text':
      return 'a text file (a CSV?)';
  }
}

/** The first line of a text head, shortened for a message. */
export function firstLine(head: Uint8Array, max = 80): string {
  const text = Buffer.from(head.buffer, head.byteOffset, head.byteLength).toString('utf8').replace(/^\uFEFF/, '');
  const line = text.split(/\r?\n/, 1)[0] ?? '';
  return line.length > max ? `${line.slice(0, max)}…` : line;
}
