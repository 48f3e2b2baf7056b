/**
 * Keyv over keyv-file in "separated file" mode: one file per key in the cache folder, so an entry is
 * written, read and deleted on its own and one damaged file costs one entry. Keyv's own serialisation is
 * off; keyv-file writes each entry in the checksummed format of entry-format.ts. Keyv enforces the TTL.
 */
import path from 'node:path';
import Keyv from 'keyv';
import { KeyvFile } from 'keyv-file';
import { SafeFilenameEncoder } from 'keyv-file/lib/safe-encoder';
import { decodeEntry, encodeEntry, type FileRecord, type StoredValue } from './entry-format';

const NAMESPACE = 'datamart';

export interface FileStore {
  readonly dir: string;
  get(key: string): Promise<StoredValue | undefined>;
  /** keyv-file reports write failures on the console only: callers verify the file afterwards. */
  set(key: string, value: StoredValue): Promise<void>;
  delete(key: string): Promise<void>;
  /** The file keyv-file keeps a key in. */
  pathOf(key: string): string;
}

export function openFileStore(dir: string, ttlSeconds: number): FileStore {
  const adapter = new KeyvFile({
    filename: dir,
    separatedFile: true,
    serialize: (record: FileRecord) => encodeEntry(record),
    deserialize: (raw: string | Buffer) => decodeEntry(typeof raw === 'string' ? Buffer.from(raw) : raw),
    // keyv-file's own periodic sweep is not needed: the cache sweeps expired entries when it opens.
    expiredCheckDelay: Number.MAX_SAFE_INTEGER,
  });
  const keyv = new Keyv<StoredValue>({
    store: adapter,
    namespace: NAMESPACE,
    serialize: undefined,
    deserialize: undefined,
    ttl: ttlSeconds > 0 ? ttlSeconds * 1000 : undefined,
  });
  // Keyv re-emits store errors; without a listener an 'error' event would throw.
  keyv.on('error', () => undefined);
  return {
    dir,
    get: (key) => keyv.get(key),
    set: async (key, value) => {
      await keyv.set(key, value);
    },
    delete: async (key) => {
      await keyv.delete(key);
    },
    pathOf: (key) => path.join(dir, SafeFilenameEncoder.encode(`${NAMESPACE}:${key}`)),
  };
}
