/**
 * The shared string table (xl/sharedStrings.xml): each `<si>` is the text of its `<t>` elements,
 * plain or in rich-text runs (`<r><t>`), without phonetic readings (`<rPh>`); whitespace is kept as
 * written (xml:space="preserve" or not: the cell readers trim where it matters).
 */
import { XmlPartParser } from './xml';

export async function readSharedStrings(chunks: AsyncIterable<Buffer>, part: string): Promise<string[]> {
  const strings: string[] = [];
  let inItem = false;
  let inText = false;
  let phoneticDepth = 0;
  let text = '';
  const parser = new XmlPartParser(part, {
    open({ name }) {
      if (name === 'si') {
        inItem = true;
        text = '';
      } else if (name === 'rPh') {
        phoneticDepth++;
      } else if (name === 't' && inItem && phoneticDepth === 0) {
        inText = true;
      }
    },
    close(name) {
      if (name === 't') {
        inText = false;
      } else if (name === 'rPh') {
        phoneticDepth = Math.max(0, phoneticDepth - 1);
      } else if (name === 'si' && inItem) {
        strings.push(text);
        inItem = false;
      }
    },
    text(value) {
      if (inText) text += value;
    },
  });
  for await (const chunk of chunks) parser.write(chunk);
  parser.end();
  return strings;
}
