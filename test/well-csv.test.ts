import test from 'ava';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { PassThrough, Readable } from 'node:stream';
import { depthToTenths, parseWellCsv, WellCsvReader } from '../core/well/csv';
import { requireShared } from './helpers/shared';

const source = 'test.csv';
const parse = (text: string) => parseWellCsv(text, { source });

test('the sample parses as the original read it: 5,461 rows read, the empty last row dropped, depths in tenths', async (t) => {
  const file = requireShared(t, 'data', 'well', 'well_imager_200.csv');
  const golden = requireShared(t, 'golden', 'well_imager_150_pillow_bicubic.csv');
  if (!file || !golden) return;
  const parsed = await parseWellCsv(createReadStream(file), { source: file });
  t.is(parsed.width, 200);
  t.is(parsed.rowsRead, 5461);
  t.is(parsed.rowsDropped, 1);
  t.is(parsed.depthsTenths.length, 5460);
  t.is(parsed.pixels.length, 5460 * 200);
  t.is(parsed.depthsTenths[0], 90001);
  t.is(parsed.depthsTenths[5459], 95460);
  t.deepEqual([...parsed.pixels.subarray(0, 3)], [224, 224, 224]);
  const expectedDepths = (await readFile(golden, 'utf8'))
    .trim()
    .split(/\r?\n/)
    .slice(1)
    .map((line) => Number(line.slice(0, line.indexOf(','))));
  t.deepEqual(parsed.depthsTenths, expectedDepths);
});

test('Buffer, string, LF and CRLF inputs give the same rows; a stray blank line is skipped', async (t) => {
  const lf = 'depth,col1,col2\n9000.1,1.0,2.0\n\n9000.2,3.0,4.0\n';
  for (const input of [lf, lf.replace(/\n/g, '\r\n'), Buffer.from(lf), Readable.from([lf.slice(0, 7), lf.slice(7)])]) {
    const parsed = await parseWellCsv(input, { source });
    t.deepEqual(parsed.depthsTenths, [90001, 90002]);
    t.deepEqual([...parsed.pixels], [1, 2, 3, 4]);
    t.is(parsed.width, 2);
    t.is(parsed.rowsRead, 2);
    t.is(parsed.rowsDropped, 0);
  }
});

test('rows with any empty value are dropped and counted, wherever they are', async (t) => {
  const parsed = await parse('depth,col1,col2\r\n9000.1,1.0,2.0\r\n9000.2,,4.0\r\n,5.0,6.0\r\n9000.4,7.0,8.0\r\n,,\r\n');
  t.deepEqual(parsed.depthsTenths, [90001, 90004]);
  t.deepEqual([...parsed.pixels], [1, 2, 7, 8]);
  t.is(parsed.rowsRead, 5);
  t.is(parsed.rowsDropped, 3);
});

test('depth rounds to tenths as numpy round(1) × 10 → int64 does (half to even)', async (t) => {
  t.is(depthToTenths(9000.1), 90001);
  t.is(depthToTenths(9546.0), 95460);
  t.is(depthToTenths(0.25), 2); // numpy: round(0.25, 1) = 0.2
  t.is(depthToTenths(0.35), 4);
  t.is(depthToTenths(9000.15), 90002);
  t.is(depthToTenths(-12.3), -123);
  const parsed = await parse('depth,col1\n9000.12,1\n9000.26,2\n1e3,3\n');
  t.deepEqual(parsed.depthsTenths, [90001, 90003, 10000]);
});

test('pixels: integral decimals kept, fractional ones truncated like the uint8 cast, 0 and 255 accepted', async (t) => {
  const parsed = await parse('depth,col1,col2,col3,col4\n1.0,0.0,255.0,12.5,254.99\n');
  t.deepEqual([...parsed.pixels], [0, 255, 12, 254]);
});

test('a pixel above 255 rejects the file naming the line, the column and the value', async (t) => {
  const err = await t.throwsAsync(parse('depth,col1,col2\r\n9000.1,1.0,2.0\r\n9000.2,3.0,256.0\r\n'));
  t.is(err?.message, 'test.csv: line 3: column 3 (col2): pixel value 256.0 is outside 0-255');
});

test('a negative pixel and 255.5 are out of range too', async (t) => {
  await t.throwsAsync(parse('depth,col1\n1.0,-1.0\n'), { message: 'test.csv: line 2: column 2 (col1): pixel value -1.0 is outside 0-255' });
  await t.throwsAsync(parse('depth,col1\n1.0,2\n2.0,255.5\n'), { message: /line 3: column 2 \(col1\): pixel value 255.5 is outside 0-255/ });
});

test('a non-numeric pixel or depth rejects the file naming the line and column', async (t) => {
  await t.throwsAsync(parse('depth,col1,col2\n9000.1,1.0,2.0\n9000.2,abc,4.0\n'), { message: 'test.csv: line 3: column 2 (col1): "abc" is not a number' });
  await t.throwsAsync(parse('depth,col1\n9000.1,0x10\n'), { message: /line 2: column 2 \(col1\): "0x10" is not a number/ });
  await t.throwsAsync(parse('depth,col1\n9000.1,nan\n'), { message: /line 2: column 2 \(col1\): "nan" is not a number/ });
  await t.throwsAsync(parse('depth,col1\n9000.1,1\nten,2\n'), { message: 'test.csv: line 3: column 1 (depth): "ten" is not a number' });
});

test('a wrong column count rejects the file naming the line and both counts', async (t) => {
  await t.throwsAsync(parse('depth,col1,col2\n9000.1,1.0,2.0\n9000.2,3.0\n'), { message: 'test.csv: line 3: expected 3 columns (depth + 2 pixels), got 2' });
  await t.throwsAsync(parse('depth,col1,col2\n9000.1,1.0,2.0,9.0\n'), { message: 'test.csv: line 2: expected 3 columns (depth + 2 pixels), got 4' });
});

test('a duplicate depth (after rounding to tenths) rejects the file naming both lines', async (t) => {
  await t.throwsAsync(parse('depth,col1\n9000.1,1\n9000.2,2\n9000.10,3\n'), { message: 'test.csv: line 4: duplicate depth 9000.10 (9000.1 ft already on line 2)' });
  await t.throwsAsync(parse('depth,col1\r\n9000.1,1\r\n\r\n9000.12,3\r\n'), { message: /line 4: duplicate depth 9000.12 \(9000.1 ft already on line 2\)/ });
});

test('the header must be depth,col1..colN', async (t) => {
  await t.throwsAsync(parse('Depth,col1\n1,2\n'), {
    message: 'test.csv: line 1: header must start with "depth", got "Depth" (this CSV\'s header is "Depth,col1"; a well-imager CSV\'s is depth,col1,...,colN)',
  });
  await t.throwsAsync(parse('depth,col1,col3\n1,2,3\n'), { message: 'test.csv: line 1: header column 3 (col3): expected "col2"' });
  await t.throwsAsync(parse('depth\n1\n'), { message: /line 1: header has no pixel columns/ });
  await t.throwsAsync(parse(''), { message: 'test.csv: empty file (expected a header depth,col1,...,colN)' });
  await t.throwsAsync(parse('depth,col1\n,\n'), { message: 'test.csv: no data rows (1 read, 1 dropped for empty cells)' });
  const bom = await parse('\ufeffdepth,col1\n1,2\n');
  t.deepEqual(bom.depthsTenths, [10]);
});

test('other widths are accepted', async (t) => {
  const header = ['depth', ...Array.from({ length: 7 }, (_, i) => `col${i + 1}`)].join(',');
  const parsed = await parse(`${header}\n1.5,1,2,3,4,5,6,7\n`);
  t.is(parsed.width, 7);
  t.deepEqual([...parsed.pixels], [1, 2, 3, 4, 5, 6, 7]);
});

test('a bad value deep in the real file is reported with its file line', async (t) => {
  const file = requireShared(t, 'data', 'well', 'well_imager_200.csv');
  if (!file) return;
  const lines = (await readFile(file, 'utf8')).split('\r\n');
  const cells = lines[1233].split(',');
  cells[57] = '300.0';
  lines[1233] = cells.join(',');
  await t.throwsAsync(parseWellCsv(Buffer.from(lines.join('\r\n')), { source: 'well_imager_200.csv' }), {
    message: 'well_imager_200.csv: line 1234: column 58 (col57): pixel value 300.0 is outside 0-255',
  });
});

test('a read error of the input stream is reported with the source', async (t) => {
  const stream = new PassThrough();
  stream.write('depth,col1\n1,2\n');
  setImmediate(() => stream.destroy(new Error('connection reset')));
  await t.throwsAsync(parseWellCsv(stream, { source: 's3://raw/well.csv' }), { message: 's3://raw/well.csv: connection reset' });
});

test('csv-parse errors (an unclosed quote) carry the source', async (t) => {
  await t.throwsAsync(parse('depth,col1\n1,"2\n'), { message: /^test\.csv: .*Quote Not Closed/i });
});

test('cells padded with spaces or tabs read as their values; a whitespace-only cell drops its row; a whitespace-only line is skipped', async (t) => {
  const parsed = await parse(' depth , col1,col2\t\n 9000.1 ,\t1.0 , 2\n   \n9000.2, ,4.0\n9000.3,5,\t6.0\u00a0\n');
  t.deepEqual(parsed.depthsTenths, [90001, 90003]);
  t.deepEqual([...parsed.pixels], [1, 2, 5, 6]);
  t.is(parsed.rowsRead, 3);
  t.is(parsed.rowsDropped, 1);
  await t.throwsAsync(parse('depth,col1\n1.0, 1x \n'), { message: 'test.csv: line 2: column 2 (col1): "1x" is not a number' });
  await t.throwsAsync(parse('depth,col1\n1.0,\t300 \n'), { message: 'test.csv: line 2: column 2 (col1): pixel value 300 is outside 0-255' });
});

test('the common cells take a fast path that agrees with Number() and the uint8 truncation, up to 255 exactly', async (t) => {
  const cells = ['0', '7', '07', '255', '255.0', '255.000000000000', '254.999999999999', '12.5', '1.', '099.90', '0.000000000001'];
  const parsed = await parse(`depth,${cells.map((_, i) => `col${i + 1}`).join(',')}\n1,${cells.join(',')}\n`);
  t.deepEqual([...parsed.pixels], cells.map((c) => Math.trunc(Number(c))));
  // Past 12 fraction digits a decimal may round up to the next integer: the exact path decides, as Number() does.
  t.deepEqual([...(await parse('depth,col1,col2\n1,254.99999999999999999,3.9999999999999999\n')).pixels], [255, 4]);
  await t.throwsAsync(parse('depth,col1\n1,255.0000000000001\n'), { message: 'test.csv: line 2: column 2 (col1): pixel value 255.0000000000001 is outside 0-255' });
  await t.throwsAsync(parse('depth,col1\n1,1000\n'), { message: /pixel value 1000 is outside 0-255/ });
  await t.throwsAsync(parse('depth,col1\n1,.\n'), { message: /"\." is not a number/ });
});

test('the reader hands rows out in batches as it reads, in file order, with the file\'s counters', async (t) => {
  const rows = Array.from({ length: 7 }, (_, i) => `${i + 1}.0,${i},${i + 100}`);
  const reader = new WellCsvReader(['depth,col1,col2', ...rows.slice(0, 3), '8.0,,1', ...rows.slice(3)].join('\n') + '\n', { source, batchRows: 3 });
  const batches: { depths: number[]; pixels: number[] }[] = [];
  for await (const batch of reader) batches.push({ depths: batch.depthsTenths, pixels: [...batch.pixels] });
  t.deepEqual(
    batches.map((b) => b.depths),
    [
      [10, 20, 30],
      [40, 50, 60],
      [70],
    ],
  );
  t.deepEqual(batches[2]!.pixels, [6, 106]);
  t.deepEqual([reader.width, reader.rowsRead, reader.rowsDropped, reader.rowsKept], [2, 8, 1, 7]);
});

test('a bad line throws from the iteration after the batches before it; a duplicate depth is found across batches', async (t) => {
  const reader = new WellCsvReader('depth,col1\n1,1\n2,2\n3,3\n1.0,4\n', { source, batchRows: 2 });
  const seen: number[][] = [];
  const error = await t.throwsAsync(async () => {
    for await (const batch of reader) seen.push(batch.depthsTenths);
  });
  t.is(error?.message, 'test.csv: line 5: duplicate depth 1.0 (1 ft already on line 2)');
  t.deepEqual(seen, [[10, 20]]);
});

test('files uploaded by mistake are named for what they are (SPEC 4.5): a workbook, an old .xls, a zip, binary, empty', async (t) => {
  const zipHead = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(600, 1)]);
  const xlsHead = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(600)]);
  await t.throwsAsync(parseWellCsv(zipHead, { source: 'egrid.csv' }), {
    message: 'egrid.csv is a zip archive (an Excel .xlsx workbook is one), not a well-imager CSV (text with a header depth,col1,...,colN)',
  });
  await t.throwsAsync(parseWellCsv(Readable.from([xlsHead.subarray(0, 5), xlsHead.subarray(5)]), { source: 'old.csv' }), { message: /^old\.csv is an old binary Excel file \(\.xls.*save it as \.xlsx, not a well-imager CSV/ });
  await t.throwsAsync(parseWellCsv(Buffer.from([1, 2, 0, 4]), { source: 'b.csv' }), { message: /^b\.csv is a binary file, not text, not a well-imager CSV/ });
  await t.throwsAsync(parseWellCsv(Buffer.alloc(0), { source: 'e.csv' }), { message: 'e.csv: empty file (expected a header depth,col1,...,colN)' });
  await t.throwsAsync(parse('ORISPL,PNAME,PSTATABB\n1,A,AL\n'), {
    message: 'test.csv: line 1: header must start with "depth", got "ORISPL" (this CSV\'s header is "ORISPL,PNAME,PSTATABB"; a well-imager CSV\'s is depth,col1,...,colN)',
  });
});
