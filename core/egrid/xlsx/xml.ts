/**
 * The small XML parts of a workbook (relationships, workbook.xml, the shared strings) go through
 * saxes, a strict, well-kept XML parser: entities, CDATA and namespace prefixes are handled there.
 */
import { SaxesParser } from 'saxes';
import { StringDecoder } from 'node:string_decoder';

export interface XmlElement {
  /** Local name, without a namespace prefix. */
  name: string;
  /** Attributes by their name as written ("r:id" keeps its prefix). */
  attributes: Record<string, string>;
}

export interface XmlHandlers {
  open?(element: XmlElement): void;
  close?(name: string): void;
  text?(text: string): void;
}

export function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}

/** A streaming parse: feed byte chunks, then end(); malformed XML throws naming the part, line and column. */
export class XmlPartParser {
  private readonly parser: SaxesParser;
  private decoder: StringDecoder | undefined;
  private error: Error | undefined;

  constructor(
    private readonly part: string,
    handlers: XmlHandlers,
  ) {
    this.parser = new SaxesParser({ fileName: part });
    const { open, close, text } = handlers;
    if (open) this.parser.on('opentag', (tag) => open({ name: localName(tag.name), attributes: tag.attributes as Record<string, string> }));
    if (close) this.parser.on('closetag', (tag) => close(localName(tag.name)));
    if (text) {
      this.parser.on('text', text);
      this.parser.on('cdata', text);
    }
    this.parser.on('error', (err) => {
      this.error ??= err;
    });
  }

  write(chunk: Buffer | string): void {
    if (typeof chunk === 'string') {
      this.parser.write(chunk);
    } else {
      if (!this.decoder) {
        // UTF-16LE with its byte order mark, else UTF-8 (saxes drops a UTF-8 byte order mark).
        this.decoder = new StringDecoder(chunk[0] === 0xff && chunk[1] === 0xfe ? 'utf16le' : 'utf8');
        if (chunk[0] === 0xff && chunk[1] === 0xfe) chunk = chunk.subarray(2);
      }
      this.parser.write(this.decoder.write(chunk));
    }
    this.check();
  }

  end(): void {
    if (this.decoder) this.parser.write(this.decoder.end());
    this.parser.close();
    this.check();
  }

  private check(): void {
    if (this.error) throw new Error(`${this.part} is not well-formed XML: ${this.error.message.replace(`${this.part}:`, 'at ')}`);
  }
}

/** Every element of a small part, in document order. */
export function xmlElements(xml: string, part: string): XmlElement[] {
  const elements: XmlElement[] = [];
  const parser = new XmlPartParser(part, { open: (element) => elements.push(element) });
  parser.write(xml);
  parser.end();
  return elements;
}
