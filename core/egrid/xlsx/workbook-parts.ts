/**
 * Where a workbook's parts are: the workbook part (from the package relationships, conventionally
 * xl/workbook.xml), its sheets in workbook order with the part each relationship points to
 * (absolute "/xl/worksheets/sheet1.xml" or relative "worksheets/sheet1.xml" targets), and the
 * shared string table.
 */
import path from 'node:path';
import type { ZipArchive } from './zip';
import { localName, xmlElements, type XmlElement } from './xml';

const DEFAULT_WORKBOOK_PART = 'xl/workbook.xml';
const DEFAULT_SHARED_STRINGS_PART = 'xl/sharedStrings.xml';

export interface SheetPart {
  name: string;
  /** The zip path of its part; undefined when no relationship of the workbook names it. */
  part: string | undefined;
  rId: string | undefined;
}

export interface WorkbookParts {
  /** undefined when the zip has no workbook part (it is not an .xlsx workbook). */
  workbook: string | undefined;
  workbookRels: string | undefined;
  sheets: SheetPart[];
  sharedStrings: string | undefined;
}

interface Relationship {
  id: string;
  type: string;
  part: string;
}

export async function readWorkbookParts(zip: ZipArchive): Promise<WorkbookParts> {
  const packageRels = await readRelationships(zip, '', '_rels/.rels');
  const workbook = packageRels.find((r) => r.type.endsWith('/officeDocument'))?.part ?? DEFAULT_WORKBOOK_PART;
  const workbookXml = await zip.text(workbook);
  if (workbookXml === undefined) return { workbook: undefined, workbookRels: undefined, sheets: [], sharedStrings: undefined };

  const workbookRels = relationshipsPartOf(workbook);
  const rels = await readRelationships(zip, workbook, workbookRels);
  const byId = new Map(rels.map((r) => [r.id, r]));
  const sheets = xmlElements(workbookXml, workbook)
    .filter((e) => e.name === 'sheet' && e.attributes.name !== undefined)
    .map((e): SheetPart => {
      const rId = relationshipIdOf(e);
      return { name: e.attributes.name!, rId, part: rId !== undefined ? byId.get(rId)?.part : undefined };
    });
  const listed = rels.find((r) => r.type.endsWith('/sharedStrings'))?.part;
  const sharedStrings = listed ?? (zip.has(DEFAULT_SHARED_STRINGS_PART) ? DEFAULT_SHARED_STRINGS_PART : undefined);
  return { workbook, workbookRels: zip.has(workbookRels) ? workbookRels : undefined, sheets, sharedStrings };
}

/** The relationships part of a part: xl/workbook.xml -> xl/_rels/workbook.xml.rels. */
function relationshipsPartOf(part: string): string {
  return path.posix.join(path.posix.dirname(part), '_rels', `${path.posix.basename(part)}.rels`);
}

/** The internal relationships of `source` ('' for the package), targets resolved to zip paths; none when the part is absent. */
async function readRelationships(zip: ZipArchive, source: string, relsPart: string): Promise<Relationship[]> {
  const xml = await zip.text(relsPart);
  if (xml === undefined) return [];
  return xmlElements(xml, relsPart)
    .filter((e) => e.name === 'Relationship' && e.attributes.TargetMode !== 'External' && e.attributes.Id !== undefined && e.attributes.Target !== undefined)
    .map((e) => ({ id: e.attributes.Id!, type: e.attributes.Type ?? '', part: resolveTarget(source, e.attributes.Target!) }));
}

/** A relationship target as a zip path: absolute ("/xl/...") or relative to the source part's folder. */
export function resolveTarget(source: string, target: string): string {
  let decoded = target.replace(/\\/g, '/');
  try {
    decoded = decodeURIComponent(decoded);
  } catch {
    // not percent-encoded after all
  }
  if (decoded.startsWith('/')) return path.posix.normalize(decoded.slice(1));
  return path.posix.normalize(path.posix.join(path.posix.dirname(source), decoded));
}

/** The r:id of a <sheet> (any prefix bound to the relationships namespace). */
function relationshipIdOf(element: XmlElement): string | undefined {
  for (const [name, value] of Object.entries(element.attributes)) {
    if (name.includes(':') && localName(name) === 'id') return value;
  }
  return undefined;
}
