/**
 * Least-recently-used bookkeeping bounded by total size: which keys exist, how many bytes each holds,
 * and which to drop when the total exceeds the bound. It holds no values; callers delete what it evicts.
 * A Map iterates in insertion order, so re-inserting a key on use keeps the map in recency order.
 */
export class SizeBoundedLru<K> {
  private readonly sizes = new Map<K, number>();
  private total = 0;

  constructor(readonly maxBytes: number) {}

  get totalBytes(): number {
    return this.total;
  }

  get size(): number {
    return this.sizes.size;
  }

  has(key: K): boolean {
    return this.sizes.has(key);
  }

  /** Keys from least to most recently used. */
  keys(): K[] {
    return [...this.sizes.keys()];
  }

  /** Whether an entry of this size can be kept at all. */
  fits(bytes: number): boolean {
    return bytes <= this.maxBytes;
  }

  /** Marks a key as just used; false when it is unknown. */
  touch(key: K): boolean {
    const bytes = this.sizes.get(key);
    if (bytes === undefined) return false;
    this.sizes.delete(key);
    this.sizes.set(key, bytes);
    return true;
  }

  /**
   * Records a key as the most recently used with its size (replacing an earlier size) and returns the
   * least recently used keys that had to go to bring the total back within the bound, oldest first.
   */
  add(key: K, bytes: number): K[] {
    this.delete(key);
    this.sizes.set(key, bytes);
    this.total += bytes;
    return this.evictOver(this.maxBytes, key);
  }

  delete(key: K): boolean {
    const bytes = this.sizes.get(key);
    if (bytes === undefined) return false;
    this.sizes.delete(key);
    this.total -= bytes;
    return true;
  }

  /** Drops least recently used keys (never `keep`) until the total is at most `limit`. */
  private evictOver(limit: number, keep: K): K[] {
    const evicted: K[] = [];
    for (const [key, bytes] of this.sizes) {
      if (this.total <= limit) break;
      if (key === keep) continue;
      this.sizes.delete(key);
      this.total -= bytes;
      evicted.push(key);
    }
    return evicted;
  }
}
