/**
 * The on-disk form of one cache entry (one keyv-file file per key): a text header naming the key, its
 * expiry, the payload length and SHA-256, then the raw payload bytes. Raw bytes keep a Parquet datamart
 * compact (no base64 JSON), and the checksum tells a truncated or damaged file (a crash mid-write, a
 * full disk) from a good one.
 *
 * Layout: `DLCACHE1\n` + JSON header + `\n` + payload.
 */
import { createHash } from 'node:crypto';

const MAGIC = Buffer.from('DLCACHE1\n');

/** The value the cache stores under a key. */
export interface CachedBytes {
  key: string;
  bytes: Uint8Array;
}

/** What a damaged file decodes to, so the cache can discard it and say why. */
export interface CorruptEntry {
  corrupt: string;
}

export type StoredValue = CachedBytes | CorruptEntry;

/** Keyv's record (its `serialize` is off, so the store sees it as is). */
export interface KeyvRecord {
  value: StoredValue;
  expires?: number;
}

/** keyv-file's wrapper around Keyv's record. */
export interface FileRecord {
  value: KeyvRecord;
  expire?: number;
}

export interface EntryHeader {
  key: string;
  /** Epoch milliseconds; absent when the entry never expires. */
  expires?: number;
  length: number;
  sha256: string;
}

export function isCorrupt(value: StoredValue): value is CorruptEntry {
  return 'corrupt' in value;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function encodeEntry(record: FileRecord): Buffer {
  const stored = record.value.value;
  if (isCorrupt(stored)) throw new Error('refusing to write a corrupt cache entry');
  const expires = record.expire ?? record.value.expires;
  const header: EntryHeader = { key: stored.key, expires, length: stored.bytes.byteLength, sha256: sha256(stored.bytes) };
  return Buffer.concat([MAGIC, Buffer.from(JSON.stringify(header) + '\n'), stored.bytes]);
}

/** The header of an entry file, from its first bytes; a string saying what is wrong otherwise. */
export function parseHeader(head: Uint8Array): { header: EntryHeader; payloadOffset: number } | string {
  const buffer = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (buffer.length < MAGIC.length || !buffer.subarray(0, MAGIC.length).equals(MAGIC)) return 'not a cache entry (bad magic)';
  const end = buffer.indexOf(0x0a, MAGIC.length);
  if (end < 0) return 'truncated header';
  let parsed: unknown;
  try {
    parsed = JSON.parse(buffer.subarray(MAGIC.length, end).toString('utf8'));
  } catch {
    return 'unreadable header';
  }
  const h = parsed as Partial<EntryHeader>;
  const validExpiry = h.expires === undefined || h.expires === null || Number.isFinite(h.expires);
  if (typeof h.key !== 'string' || !Number.isSafeInteger(h.length) || typeof h.sha256 !== 'string' || !validExpiry) return 'incomplete header';
  const header: EntryHeader = { key: h.key, length: h.length as number, sha256: h.sha256 };
  if (typeof h.expires === 'number') header.expires = h.expires;
  return { header, payloadOffset: end + 1 };
}

export function decodeEntry(file: Uint8Array): FileRecord {
  const parsed = parseHeader(file);
  if (typeof parsed === 'string') return corruptRecord(parsed);
  const { header, payloadOffset } = parsed;
  // A plain Uint8Array view (not a Buffer): callers get the type they stored.
  const bytes = new Uint8Array(file.buffer, file.byteOffset + payloadOffset, file.byteLength - payloadOffset);
  if (bytes.byteLength !== header.length) return corruptRecord(`payload is ${bytes.byteLength} bytes, header says ${header.length}`);
  if (sha256(bytes) !== header.sha256) return corruptRecord('payload checksum mismatch');
  return { expire: header.expires, value: { value: { key: header.key, bytes }, expires: header.expires } };
}

/** No expiry on purpose: keyv-file must hand it to the cache, which then deletes it with a warning. */
function corruptRecord(reason: string): FileRecord {
  return { value: { value: { corrupt: reason } } };
}
