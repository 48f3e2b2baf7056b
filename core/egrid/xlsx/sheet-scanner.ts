/**
 * A worksheet part's rows, read straight from its XML text without building a node per element:
 * a general XML parser spends its time on the attributes and events of cells nobody reads
 * (measured on the sample's 29 MB plant sheet: saxes alone ~660 ms, this scanner ~120 ms, plus ~50 ms
 * of inflating). It understands what a worksheet is made of: `<row r>`, `<c r t>` with `<v>`, `<f>` and
 * inline strings `<is>` (runs `<r><t>`, phonetic `<rPh>` left out), namespace prefixes, self-closing
 * elements, quoted '>' in attributes, entities, CDATA and comments. Only the columns the visitor
 * asks for are turned into values; the others are only checked for whether the row holds anything.
 * Input is taken chunk by chunk (UTF-8, or UTF-16LE with its byte order mark); only an unfinished
 * tag or text is carried to the next chunk.
 */
import { StringDecoder } from 'node:string_decoder';

/** A cell's own value: shared and inline strings resolved, formula cells by their cached value; empty and error cells are null. */
export type CellValue = string | number | boolean | null;

export interface SheetRowVisitor {
  /** Which columns (1-based) of this row to materialise: wanted[column] === 1; undefined: every column. */
  columns(row: number): Uint8Array | undefined;
  /** A row as it ends: values by column (only the wanted ones), and whether any cell of it holds a value. Return false to stop reading. */
  row(row: number, values: CellValue[], hasValue: boolean): boolean;
}

/** The sheet's XML is not what a worksheet part is (names the part and the row). */
export class SheetXmlError extends Error {
  override name = 'SheetXmlError';
}

/** Longest tag or text carried from one chunk to the next; a longer one means the XML is not a worksheet. */
const MAX_CARRY = 16 * 1024 * 1024;

const enum Kind {
  Other,
  SheetData,
  Row,
  Cell,
  Value,
  Formula,
  InlineString,
  Text,
  Phonetic,
}

const enum CellType {
  Number,
  Shared,
  FormulaString,
  Inline,
  Boolean,
  Error,
  Date,
}

const INCOMPLETE = -1;
const EMPTY = Buffer.alloc(0);

export async function scanSheet(chunks: AsyncIterable<Buffer>, sharedStrings: readonly string[], visitor: SheetRowVisitor, part: string): Promise<void> {
  const scanner = new SheetScanner(sharedStrings, visitor, part);
  let utf16: StringDecoder | undefined;
  let first = true;
  for await (const chunk of chunks) {
    if (scanner.done) {
      // After </sheetData> the rest of the part is only inflated, so that the zip's CRC-32 is checked.
      if (scanner.stopped) return; // the visitor has what it needs (leaving destroys the entry stream)
      continue;
    }
    if (first) {
      first = false;
      if (chunk[0] === 0xff && chunk[1] === 0xfe) utf16 = new StringDecoder('utf16le');
    }
    if (utf16) scanner.push(utf16.write(chunk));
    else scanner.pushUtf8(chunk);
    if (scanner.stopped) return;
  }
  if (scanner.done) return;
  if (utf16) scanner.push(utf16.end());
  scanner.end();
}

class SheetScanner {
  /** </sheetData> was reached, or the visitor stopped. */
  done = false;
  /** The visitor asked to stop. */
  stopped = false;
  /** Bytes not scanned yet: an unfinished construct, a cut character. */
  private pending: Buffer = EMPTY;
  private sawSheetData = false;
  private inSheetData = false;

  private inRow = false;
  private rowNumber = 0;
  private lastRow = 0;
  private lastColumn = 0;
  private wanted: Uint8Array | undefined;
  private values: CellValue[] = [];
  private hasValue = false;

  private inCell = false;
  private column = 0;
  private type: CellType = CellType.Number;
  private valueText: string | undefined;
  private inlineText: string | undefined;
  private inInlineString = false;
  private phoneticDepth = 0;

  /** Set by tagEnd: the value ranges of the attributes r and t (-1 when absent) and whether the tag closes itself. */
  private rStart = -1;
  private rEnd = -1;
  private tStart = -1;
  private tEnd = -1;
  private selfClosing = false;
  /** Set by readText. */
  private text = '';

  constructor(
    private readonly strings: readonly string[],
    private readonly visitor: SheetRowVisitor,
    private readonly part: string,
  ) {}

  /** UTF-8 bytes: the unfinished tag or text and a character cut at the chunk's end are carried as bytes, so each scan sees one flat string. */
  pushUtf8(chunk: Buffer): void {
    const bytes = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const complete = completeUtf8Length(bytes);
    const s = bytes.toString('utf8', 0, complete);
    const consumed = this.scan(s);
    const cut = bytes.subarray(complete);
    this.pending = consumed >= s.length ? Buffer.from(cut) : Buffer.concat([Buffer.from(s.slice(consumed), 'utf8'), cut]);
    if (this.pending.length > MAX_CARRY) this.fail(`a tag or text longer than ${MAX_CARRY / 1024 / 1024} MiB`);
  }

  /** Text (the UTF-16 case). */
  push(text: string): void {
    const s = this.pending.length === 0 ? text : this.pending.toString('utf8') + text;
    const consumed = this.scan(s);
    this.pending = consumed >= s.length ? EMPTY : Buffer.from(s.slice(consumed), 'utf8');
    if (this.pending.length > MAX_CARRY) this.fail(`a tag or text longer than ${MAX_CARRY / 1024 / 1024} MiB`);
  }

  end(): void {
    if (this.done) return;
    const rest = this.pending.toString('utf8');
    if (rest.trim() !== '') this.fail(`the XML ends inside a tag or text ("${rest.slice(0, 40)}"): the part is truncated`);
    if (!this.sawSheetData) this.fail('no <sheetData> element: not a worksheet');
    this.fail('the XML ends before </sheetData>: the part is truncated');
  }

  private fail(problem: string): never {
    const where = this.rowNumber > 0 ? ` (at row ${this.rowNumber})` : '';
    throw new SheetXmlError(`${this.part}: ${problem}${where}`);
  }

  /** Handles every complete construct of s; returns where the first incomplete one starts. */
  private scan(s: string): number {
    let pos = 0;
    const length = s.length;
    while (!this.done) {
      const lt = s.indexOf('<', pos);
      if (lt < 0) return length;
      const c1 = s.charCodeAt(lt + 1);
      if (c1 !== c1) return lt; // NaN: the chunk ends after '<'
      if (c1 === 99 /* c */ && this.inRow) {
        const next = this.simpleCell(s, lt);
        if (next >= 0) {
          pos = next;
          continue;
        }
      }
      if (c1 === 47 /* / */) {
        const gt = s.indexOf('>', lt + 2);
        if (gt < 0) return lt;
        let end = lt + 2;
        while (end < gt && !isSpace(s.charCodeAt(end))) end++;
        this.closeTag(kindOf(s, lt + 2, end));
        pos = gt + 1;
      } else if (c1 === 63 /* ? */) {
        const end = s.indexOf('?>', lt + 2);
        if (end < 0) return lt;
        pos = end + 2;
      } else if (c1 === 33 /* ! */) {
        const next = this.skipMarkup(s, lt);
        if (next === INCOMPLETE) return lt;
        pos = next;
      } else {
        let end = lt + 1;
        while (end < length && !isNameEnd(s.charCodeAt(end))) end++;
        if (end >= length) return lt;
        if (end === lt + 1) this.fail(`"<" not followed by a tag name`);
        const kind = kindOf(s, lt + 1, end);
        const gt = this.tagEnd(s, end, kind === Kind.Row || kind === Kind.Cell);
        if (gt === INCOMPLETE) return lt;
        const next = this.openTag(kind, s, gt);
        if (next === INCOMPLETE) return lt;
        pos = next;
      }
    }
    return length;
  }

  /** Comments, CDATA outside values and a DOCTYPE (not allowed in a package part) at lt. */
  private skipMarkup(s: string, lt: number): number {
    if (s.length < lt + 9) return INCOMPLETE;
    if (s.startsWith('<!--', lt)) {
      const end = s.indexOf('-->', lt + 4);
      return end < 0 ? INCOMPLETE : end + 3;
    }
    if (s.startsWith('<![CDATA[', lt)) {
      const end = s.indexOf(']]>', lt + 9);
      return end < 0 ? INCOMPLETE : end + 3;
    }
    this.fail(`unexpected markup "${s.slice(lt, lt + 12)}" (a DOCTYPE is not allowed in a workbook part)`);
  }

  /**
   * The index of the '>' ending the start tag whose name ends at p, honouring quoted values;
   * records the r and t attributes when asked.
   */
  private tagEnd(s: string, p: number, record: boolean): number {
    this.rStart = this.tStart = -1;
    this.selfClosing = false;
    const length = s.length;
    for (;;) {
      while (p < length && isSpace(s.charCodeAt(p))) p++;
      if (p >= length) return INCOMPLETE;
      const c = s.charCodeAt(p);
      if (c === 62 /* > */) return p;
      if (c === 47 /* / */) {
        if (p + 1 >= length) return INCOMPLETE;
        if (s.charCodeAt(p + 1) !== 62) this.fail(`"/" inside a tag`);
        this.selfClosing = true;
        return p + 1;
      }
      const nameStart = p;
      while (p < length) {
        const n = s.charCodeAt(p);
        if (n === 61 /* = */ || isSpace(n) || n === 62 || n === 47) break;
        p++;
      }
      const nameEnd = p;
      while (p < length && isSpace(s.charCodeAt(p))) p++;
      if (p >= length) return INCOMPLETE;
      if (s.charCodeAt(p) !== 61) this.fail(`attribute "${s.slice(nameStart, nameEnd)}" without a value`);
      p++;
      while (p < length && isSpace(s.charCodeAt(p))) p++;
      if (p >= length) return INCOMPLETE;
      const quote = s.charCodeAt(p);
      if (quote !== 34 && quote !== 39) this.fail(`attribute "${s.slice(nameStart, nameEnd)}" with an unquoted value`);
      const valueEnd = s.indexOf(quote === 34 ? '"' : "'", p + 1);
      if (valueEnd < 0) return INCOMPLETE;
      if (record && nameEnd - nameStart === 1) {
        const name = s.charCodeAt(nameStart);
        if (name === 114 /* r */) {
          this.rStart = p + 1;
          this.rEnd = valueEnd;
        } else if (name === 116 /* t */) {
          this.tStart = p + 1;
          this.tEnd = valueEnd;
        }
      }
      p = valueEnd + 1;
    }
  }

  /** Acts on a complete start tag ending at gt; returns where scanning goes on, or INCOMPLETE. */
  private openTag(kind: Kind, s: string, gt: number): number {
    switch (kind) {
      case Kind.SheetData:
        this.sawSheetData = true;
        if (this.selfClosing) this.done = true;
        else this.inSheetData = true;
        return gt + 1;
      case Kind.Row:
        if (!this.inSheetData) return gt + 1;
        this.startRow(this.rStart < 0 ? 0 : positiveInteger(s, this.rStart, this.rEnd));
        if (this.selfClosing) this.endRow();
        return gt + 1;
      case Kind.Cell:
        if (!this.inRow) return gt + 1;
        this.startCell(s);
        if (this.selfClosing) {
          this.endCell();
          return gt + 1;
        }
        return this.plainCellEnd(s, gt + 1);
      case Kind.Value:
        if (!this.inCell) return gt + 1;
        if (this.selfClosing) {
          this.valueText = '';
          return gt + 1;
        }
        // A column nobody reads, in a row already known to hold something: its text is not needed.
        if (this.hasValue && !this.isWanted(this.column)) return gt + 1;
        {
          const end = this.readText(s, gt + 1);
          if (end === INCOMPLETE) return INCOMPLETE;
          this.valueText = this.text;
          return end;
        }
      case Kind.InlineString:
        if (this.inCell && !this.selfClosing) {
          this.inInlineString = true;
          this.inlineText ??= '';
        }
        return gt + 1;
      case Kind.Phonetic:
        if (this.inInlineString && !this.selfClosing) this.phoneticDepth++;
        return gt + 1;
      case Kind.Text: {
        if (!this.inInlineString || this.phoneticDepth > 0 || this.selfClosing) return gt + 1;
        const end = this.readText(s, gt + 1);
        if (end === INCOMPLETE) return INCOMPLETE;
        this.inlineText += this.text;
        return end;
      }
      default:
        // <f> (its formula text is skipped like any text) and everything outside the cells.
        return gt + 1;
    }
  }

  /**
   * A cell start tag written the usual way (`<c r="B7" s="1" t="s">`: single spaces, one-letter
   * attribute names, double quotes) and what follows it, without the general tag machinery; most
   * cells of a sheet. Returns where scanning goes on, or -1 (nothing changed) for anything else.
   */
  private simpleCell(s: string, lt: number): number {
    const length = s.length;
    let p = lt + 2;
    let rStart = -1;
    let rEnd = -1;
    let tStart = -1;
    let tEnd = -1;
    for (;;) {
      if (p + 4 >= length) return INCOMPLETE;
      const c = s.charCodeAt(p);
      if (c === 62 /* > */) break;
      if (c !== 32 || s.charCodeAt(p + 2) !== 61 /* = */ || s.charCodeAt(p + 3) !== 34 /* " */) return INCOMPLETE;
      const name = s.charCodeAt(p + 1);
      let q = p + 4;
      while (q < length && s.charCodeAt(q) !== 34) q++;
      if (q >= length) return INCOMPLETE;
      if (name === 114 /* r */) {
        rStart = p + 4;
        rEnd = q;
      } else if (name === 116 /* t */) {
        tStart = p + 4;
        tEnd = q;
      }
      p = q + 1;
    }
    this.rStart = rStart;
    this.rEnd = rEnd;
    this.tStart = tStart;
    this.tEnd = tEnd;
    this.startCell(s);
    return this.plainCellEnd(s, p + 1);
  }

  /**
   * The common shape `<v>text</v></c>` right after a cell's start tag, read in one step (most cells
   * of a sheet); anything else (a formula, an inline string, whitespace, prefixes, CDATA, the chunk
   * ending) goes through the general path from p.
   */
  private plainCellEnd(s: string, p: number): number {
    if (s.charCodeAt(p) !== 60 || s.charCodeAt(p + 1) !== 118 || s.charCodeAt(p + 2) !== 62) return p;
    const end = s.indexOf('<', p + 3);
    if (end < 0 || !s.startsWith('</v></c>', end)) return p;
    if (!this.hasValue || this.isWanted(this.column)) this.valueText = decodeText(s.slice(p + 3, end));
    this.endCell();
    return end + 8;
  }

  private closeTag(kind: Kind): void {
    switch (kind) {
      case Kind.Cell:
        if (this.inCell) this.endCell();
        break;
      case Kind.Row:
        if (this.inRow) this.endRow();
        break;
      case Kind.InlineString:
        this.inInlineString = false;
        this.phoneticDepth = 0;
        break;
      case Kind.Phonetic:
        if (this.phoneticDepth > 0) this.phoneticDepth--;
        break;
      case Kind.SheetData:
        if (this.inSheetData) {
          this.inSheetData = false;
          this.done = true;
        }
        break;
      default:
        break;
    }
  }

  private startRow(number: number): void {
    if (this.inRow) this.endRow();
    this.rowNumber = number > 0 ? number : this.lastRow + 1;
    this.inRow = true;
    this.lastColumn = 0;
    this.wanted = this.visitor.columns(this.rowNumber);
    this.values = [];
    this.hasValue = false;
  }

  private endRow(): void {
    if (this.inCell) this.endCell();
    this.inRow = false;
    this.lastRow = this.rowNumber;
    if (!this.visitor.row(this.rowNumber, this.values, this.hasValue)) this.done = this.stopped = true;
  }

  private startCell(s: string): void {
    if (this.inCell) this.endCell();
    const column = this.rStart < 0 ? 0 : columnOf(s, this.rStart, this.rEnd);
    this.column = column > 0 ? column : this.lastColumn + 1;
    this.lastColumn = this.column;
    this.type = this.tStart < 0 ? CellType.Number : cellTypeOf(s, this.tStart, this.tEnd);
    this.valueText = undefined;
    this.inlineText = undefined;
    this.inInlineString = false;
    this.phoneticDepth = 0;
    this.inCell = true;
  }

  private endCell(): void {
    this.inCell = false;
    this.inInlineString = false;
    const wanted = this.isWanted(this.column);
    if (!wanted && this.hasValue) return;
    const value = this.cellValue();
    if (value === null) return;
    this.hasValue = true;
    if (wanted) this.values[this.column] = value;
  }

  private isWanted(column: number): boolean {
    const wanted = this.wanted;
    return wanted === undefined || (column < wanted.length && wanted[column] === 1);
  }

  private cellValue(): CellValue {
    const text = this.valueText;
    switch (this.type) {
      case CellType.Shared: {
        if (text === undefined) return null;
        const found = this.strings[Number(text)];
        return found === undefined || found === '' ? null : found;
      }
      case CellType.Inline: {
        const inline = this.inlineText ?? text;
        return inline === undefined || inline === '' ? null : inline;
      }
      case CellType.FormulaString:
      case CellType.Date:
        return text === undefined || text === '' ? null : text;
      case CellType.Boolean: {
        if (text === undefined) return null;
        const flag = text.trim().toLowerCase();
        return flag === '' ? null : flag === '1' || flag === 'true';
      }
      case CellType.Error:
        return null;
      default: {
        if (text === undefined || text.length === 0) return null;
        const n = +text;
        if (n === 0 && text.trim() === '') return null;
        return Number.isFinite(n) ? n : null;
      }
    }
  }

  /** Text from `from` to the next tag (CDATA and comments inside included/skipped); its end, or INCOMPLETE. */
  private readText(s: string, from: number): number {
    let text = '';
    let p = from;
    for (;;) {
      const lt = s.indexOf('<', p);
      if (lt < 0) return INCOMPLETE;
      if (s.charCodeAt(lt + 1) !== 33 /* ! */) {
        if (lt + 1 >= s.length) return INCOMPLETE;
        this.text = text + decodeText(s.slice(p, lt));
        return lt;
      }
      if (s.length < lt + 9) return INCOMPLETE;
      if (s.startsWith('<![CDATA[', lt)) {
        const end = s.indexOf(']]>', lt + 9);
        if (end < 0) return INCOMPLETE;
        text += decodeText(s.slice(p, lt)) + s.slice(lt + 9, end);
        p = end + 3;
      } else if (s.startsWith('<!--', lt)) {
        const end = s.indexOf('-->', lt + 4);
        if (end < 0) return INCOMPLETE;
        text += decodeText(s.slice(p, lt));
        p = end + 3;
      } else {
        this.fail(`unexpected markup "${s.slice(lt, lt + 12)}" inside a value`);
      }
    }
  }
}

/** How many leading bytes of b are whole UTF-8 characters (only a character cut at the end is left out). */
function completeUtf8Length(b: Buffer): number {
  const n = b.length;
  for (let i = n - 1; i >= 0 && i >= n - 4; i--) {
    const c = b[i]!;
    if (c < 0x80) return n;
    if (c >= 0xc0) return i + (c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2) <= n ? n : i;
  }
  return n;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13;
}

function isNameEnd(c: number): boolean {
  return c === 32 || c === 62 || c === 47 || c === 10 || c === 9 || c === 13;
}

/** The element kind of the tag name s[start, end), ignoring a namespace prefix. */
function kindOf(s: string, start: number, end: number): Kind {
  for (let i = start; i < end; i++) if (s.charCodeAt(i) === 58 /* : */) start = i + 1;
  const c0 = s.charCodeAt(start);
  switch (end - start) {
    case 1:
      return c0 === 99 ? Kind.Cell : c0 === 118 ? Kind.Value : c0 === 116 ? Kind.Text : c0 === 102 ? Kind.Formula : Kind.Other;
    case 2:
      return c0 === 105 && s.charCodeAt(start + 1) === 115 ? Kind.InlineString : Kind.Other;
    case 3:
      if (c0 !== 114) return Kind.Other;
      if (s.startsWith('ow', start + 1)) return Kind.Row;
      return s.startsWith('Ph', start + 1) ? Kind.Phonetic : Kind.Other;
    case 9:
      return s.startsWith('sheetData', start) ? Kind.SheetData : Kind.Other;
    default:
      return Kind.Other;
  }
}

/** The cell type of a t attribute's value s[start, end) (compared in place: one per cell). */
function cellTypeOf(s: string, start: number, end: number): CellType {
  const c0 = s.charCodeAt(start);
  switch (end - start) {
    case 1:
      return c0 === 115 ? CellType.Shared : c0 === 98 ? CellType.Boolean : c0 === 101 ? CellType.Error : c0 === 100 ? CellType.Date : CellType.Number;
    case 3:
      return s.startsWith('str', start) ? CellType.FormulaString : CellType.Number;
    case 9:
      return s.startsWith('inlineStr', start) ? CellType.Inline : CellType.Number;
    default:
      return CellType.Number;
  }
}

/** The column number of a cell reference ("AB12" -> 28); 0 when it has no letters. */
function columnOf(s: string, start: number, end: number): number {
  let column = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) column = column * 26 + (c - 64);
    else if (c >= 97 && c <= 122) column = column * 26 + (c - 96);
    else if (c !== 36 /* $ */) break;
  }
  return column;
}

/** The digits of s[start, end) as a number; 0 when there are none. */
function positiveInteger(s: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return isSpace(c) && n > 0 ? n : 0;
    n = n * 10 + (c - 48);
  }
  return n;
}

const ENTITY = /&(?:#x([0-9a-fA-F]{1,6})|#([0-9]{1,7})|(amp|lt|gt|quot|apos));/g;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** XML text to its characters: entities and character references decoded, line ends normalised. */
export function decodeText(raw: string): string {
  let text = raw.indexOf('&') < 0 ? raw : raw.replace(ENTITY, (whole, hex: string | undefined, dec: string | undefined, name: string | undefined) => {
    if (name !== undefined) return NAMED[name]!;
    const code = hex !== undefined ? parseInt(hex, 16) : Number(dec);
    return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
  if (text.indexOf('\r') >= 0) text = text.replace(/\r\n?/g, '\n');
  return text;
}
