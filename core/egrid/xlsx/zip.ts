/**
 * Random access to the parts of an .xlsx zip through its central directory (yauzl), so the order of
 * the entries in the file does not matter. A file path is read in place; a stream (an S3 body) is
 * collected first: the compressed workbook is held, never its inflated parts.
 */
import type { Readable } from 'node:stream';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import { createInflateRaw, crc32 } from 'node:zlib';
import yauzl from 'yauzl';
import { describeKind, fileKind, firstLine, KIND_HEAD_BYTES } from '../../files/kind';

/** A zip that cannot be opened or one of its entries read: the input is not a readable workbook. */
export class ZipReadError extends Error {
  override name = 'ZipReadError';
}

const STORED = 0;
const DEFLATED = 8;
const INFLATE_CHUNK_BYTES = 256 * 1024;

export class ZipArchive {
  private constructor(
    private readonly zip: yauzl.ZipFile,
    /** Entries by lower-case name: package part names are case-insensitive. */
    private readonly entries: Map<string, yauzl.Entry>,
  ) {}

  static async open(input: Readable | string): Promise<ZipArchive> {
    const head = typeof input === 'string' ? undefined : await collect(input);
    if (head !== undefined && head.length === 0) throw new ZipReadError('the file is empty');
    let zip: yauzl.ZipFile;
    try {
      const options: yauzl.Options = { lazyEntries: true, autoClose: false, validateEntrySizes: true };
      zip = head !== undefined ? await yauzl.fromBufferPromise(head, options) : await yauzl.openPromise(input as string, options);
    } catch (err) {
      throw new ZipReadError(await describeOpenFailure(err, head ?? (input as string)));
    }
    const entries = new Map<string, yauzl.Entry>();
    try {
      for await (const entry of zip.eachEntry()) {
        if (!entry.fileName.endsWith('/')) entries.set(entry.fileName.toLowerCase(), entry);
      }
    } catch (err) {
      zip.close();
      throw new ZipReadError(`its zip directory is damaged (${messageOf(err)})`);
    }
    return new ZipArchive(zip, entries);
  }

  has(part: string): boolean {
    return this.entries.has(part.toLowerCase());
  }

  /** The file names in the zip (folders left out), as stored. */
  names(): string[] {
    return [...this.entries.values()].map((entry) => entry.fileName);
  }

  /**
   * The inflated bytes of a part, as they come, checked against the zip's size and CRC-32 when read
   * to the end; undefined when the zip has no such part.
   */
  async stream(part: string): Promise<AsyncIterable<Buffer> | undefined> {
    const entry = this.entries.get(part.toLowerCase());
    if (!entry) return undefined;
    if (entry.isEncrypted()) throw new ZipReadError(`${part} is encrypted`);
    if (entry.compressionMethod !== STORED && entry.compressionMethod !== DEFLATED) {
      throw new ZipReadError(`${part} uses zip compression method ${entry.compressionMethod} (only stored and deflated are supported)`);
    }
    let raw: Readable;
    try {
      raw = await this.zip.openReadStreamPromise(entry, { decodeFileData: false });
    } catch (err) {
      throw new ZipReadError(`${part} cannot be read (${messageOf(err)})`);
    }
    if (entry.compressionMethod === STORED) return checked(raw, entry, part);
    // Larger output chunks than zlib's 16 KiB default: a tenth of the hand-offs from the thread pool.
    const inflate = createInflateRaw({ chunkSize: INFLATE_CHUNK_BYTES });
    pipeline(raw, inflate, () => undefined);
    return checked(inflate, entry, part);
  }

  /** A small part whole (relationships, workbook.xml); undefined when absent. */
  async text(part: string): Promise<string | undefined> {
    const chunks = await this.stream(part);
    if (!chunks) return undefined;
    const parts: Buffer[] = [];
    for await (const chunk of chunks) parts.push(chunk);
    return decodeXmlBytes(Buffer.concat(parts));
  }

  close(): void {
    this.zip.close();
  }
}

/** XML bytes as text: UTF-8 (with or without its byte order mark) or UTF-16LE with its mark. */
export function decodeXmlBytes(bytes: Buffer): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.toString('utf16le', 2);
  return bytes.toString('utf8', bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0);
}

async function* checked(stream: Readable, entry: yauzl.Entry, part: string): AsyncIterable<Buffer> {
  let bytes = 0;
  let crc = 0;
  try {
    for await (const chunk of stream) {
      bytes += (chunk as Buffer).length;
      crc = crc32(chunk as Buffer, crc);
      yield chunk as Buffer;
    }
  } catch (err) {
    throw new ZipReadError(`${part} cannot be inflated (${messageOf(err)}): the zip is damaged or truncated`);
  } finally {
    stream.destroy();
  }
  if (bytes !== entry.uncompressedSize || crc !== entry.crc32) {
    throw new ZipReadError(`${part} inflates to ${bytes} bytes with CRC-32 ${crc.toString(16)}, the zip directory says ${entry.uncompressedSize} bytes and ${entry.crc32.toString(16)}: the zip is damaged`);
  }
}

async function collect(input: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

async function describeOpenFailure(err: unknown, input: Buffer | string): Promise<string> {
  const message = messageOf(err);
  if ((err as NodeJS.ErrnoException).code !== undefined) return message;
  const start = typeof input === 'string' ? await firstBytes(input) : input.subarray(0, KIND_HEAD_BYTES);
  const kind = fileKind(start);
  if (kind === 'empty') return 'the file is empty';
  if (kind === 'zip' && /end of central directory record signature not found/i.test(message)) return 'the zip has no end record: the file is truncated';
  if (kind === 'text') return `it is ${describeKind(kind)} starting "${firstLine(start)}", not an .xlsx workbook (a zip)`;
  if (kind !== 'zip') return `it is ${describeKind(kind)}, not an .xlsx workbook (a zip)`;
  return `the zip cannot be opened (${message})`;
}

async function firstBytes(file: string): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(KIND_HEAD_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, KIND_HEAD_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
