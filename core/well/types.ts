/** Well-imager domain types shared by the ETL, the store and the service (SPEC §4.3, §4.4). */

/** Per-well metadata item: lets the service list wells without a table scan. */
export interface WellMetadata {
  well: string;
  minDepthTenths: number;
  maxDepthTenths: number;
  rows: number;
  /** Pixels per stored row (images_size). */
  width: number;
  /** Where the rows came from, e.g. s3://bucket/key. */
  source: string;
  /** ISO-8601 time of the ingest. */
  ingestedAt: string;
  /**
   * Smallest and largest stored pixel value of the whole well (after the resize): the window of
   * `normalize=well`. Absent for wells ingested before the catalog kept them.
   */
  valueMin?: number;
  valueMax?: number;
}

/** Rows of one well between two depths, in depth order; pixels are rows × width bytes. */
export interface ImageFrame {
  well: string;
  depthsTenths: number[];
  width: number;
  pixels: Uint8Array;
}

/** A frame as the store serves it: the rows plus what identifies the data they were cut from. */
export interface ServedFrame extends ImageFrame {
  /** Names the ingest the rows come from: a re-ingest of the well always changes it. */
  version: string;
  /** The whole well's stored value range (normalize=well), when the catalog has it. */
  valueMin?: number;
  valueMax?: number;
}
