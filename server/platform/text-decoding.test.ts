import { Readable } from 'node:stream';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { decodeStream, decodeText, sniffDelimiter, SNIFF_BYTES } from './text-decoding.ts';

const sample =
  'HOOD_158,name,population_2021\r\n001,Montréal-Nord Café,12 345\r\n002,Ölberg Straße — “quoted”,6 260\r\n';

async function readAll(stream: Readable): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += String(chunk);
  return out;
}

function chunked(bytes: Uint8Array, size: number): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) parts.push(Buffer.from(bytes.subarray(i, i + size)));
  return Readable.from(parts);
}

describe('decodeText', () => {
  it('reads UTF-8 without BOM', () => {
    const r = decodeText(new TextEncoder().encode(sample));
    expect(r).toEqual({ text: sample, encoding: 'utf-8' });
  });

  it('strips a UTF-8 BOM', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(sample, 'utf8')]);
    const r = decodeText(bytes);
    expect(r.encoding).toBe('utf-8');
    expect(r.text).toBe(sample);
    expect(r.text.charCodeAt(0)).not.toBe(0xfeff);
  });

  it('strips a UTF-8 BOM even when UTF-8 is declared', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(sample, 'utf8')]);
    expect(decodeText(bytes, 'UTF-8').text).toBe(sample);
  });

  it('detects Windows-1252 from older spreadsheet exports', () => {
    const text =
      'code;nom;remarque\r\n001;Montréal-Nord;“élevé” — près du café\r\n002;Côte-des-Neiges;déjà vu à l’école\r\n';
    const bytes = iconv.encode(text, 'windows-1252');
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow();
    const r = decodeText(bytes);
    expect(r.encoding).toBe('windows-1252');
    expect(r.text).toBe(text);
  });

  it('reads UTF-16LE with BOM', () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(sample, 'utf-16le')]);
    const r = decodeText(bytes);
    expect(r).toEqual({ text: sample, encoding: 'utf-16le' });
  });

  it('reads UTF-16BE with BOM and UTF-16LE without one', () => {
    const be = Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode(sample, 'utf-16be')]);
    expect(decodeText(be)).toEqual({ text: sample, encoding: 'utf-16be' });
    expect(decodeText(iconv.encode(sample, 'utf-16le'))).toEqual({ text: sample, encoding: 'utf-16le' });
  });

  it('uses a declared encoding when there is no BOM, and rejects unknown names', () => {
    const bytes = iconv.encode('naïve €', 'iso-8859-15');
    expect(decodeText(bytes, 'ISO-8859-15')).toEqual({ text: 'naïve €', encoding: 'iso-8859-15' });
    expect(() => decodeText(bytes, 'klingon-8')).toThrow(/Unknown text encoding/);
  });

  it('treats an empty file as empty UTF-8', () => {
    expect(decodeText(new Uint8Array())).toEqual({ text: '', encoding: 'utf-8' });
  });
});

describe('decodeStream', () => {
  it('decodes a large UTF-8 file whose multi-byte characters straddle the sniffing window and chunks', async () => {
    const line = 'é€😀,ab\n';
    const text = line.repeat(Math.ceil((SNIFF_BYTES * 3) / Buffer.byteLength(line)));
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
    const { stream, encoding } = await decodeStream(chunked(bytes, 1000));
    expect(encoding).toBe('utf-8');
    expect(await readAll(stream)).toBe(text);
  });

  it('detects Windows-1252 from the head of a stream and decodes the rest', async () => {
    const text = 'naïve café;déjà\n'.repeat(10_000);
    const { stream, encoding } = await decodeStream(chunked(iconv.encode(text, 'windows-1252'), 4096));
    expect(encoding).toBe('windows-1252');
    expect(await readAll(stream)).toBe(text);
  });

  it('decodes UTF-16LE with BOM and short inputs that end before the window', async () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(sample, 'utf-16le')]);
    const { stream, encoding } = await decodeStream(chunked(bytes, 7));
    expect(encoding).toBe('utf-16le');
    expect(await readAll(stream)).toBe(sample);
  });

  it('passes input errors on to the consumer', async () => {
    async function* failing(): AsyncGenerator<Buffer> {
      yield Buffer.alloc(SNIFF_BYTES + 10, 0x61);
      throw new Error('disk gone');
    }
    const { stream } = await decodeStream(Readable.from(failing()));
    await expect(readAll(stream)).rejects.toThrow('disk gone');
  });
});

describe('sniffDelimiter', () => {
  it('finds each supported delimiter', () => {
    expect(sniffDelimiter('a,b,c\n1,2,3\n4,5,6\n')).toBe(',');
    expect(sniffDelimiter('a;b;c\r\n1;2,5;3\r\n4;5,1;6\r\n')).toBe(';');
    expect(sniffDelimiter('a\tb\tc\n1\t2\t3\n')).toBe('\t');
    expect(sniffDelimiter('a|b|c\n1|2|3\n')).toBe('|');
  });

  it('ignores delimiters inside quoted fields, including quoted line breaks', () => {
    const text = 'code;description;n\n1;"a, b, c, d";2\n2;"multi\nline, with, commas";3\n3;plain;4\n';
    expect(sniffDelimiter(text)).toBe(';');
  });

  it('prefers the consistent delimiter over a more frequent but irregular one', () => {
    const text = 'name,count\n"Smith; Jones; Lee",3\nAli,2\n"Wu; Ng",1\n';
    expect(sniffDelimiter(text)).toBe(',');
  });

  it('falls back to comma for a single column or empty sample', () => {
    expect(sniffDelimiter('population\n100\n200\n')).toBe(',');
    expect(sniffDelimiter('')).toBe(',');
  });

  it('reads the real Toronto hate-crime header as comma separated', () => {
    const header =
      '_id,EVENT_UNIQUE_ID,OCCURRENCE_YEAR,OCCURRENCE_DATE\r\n1,HC-2018-1,2018,2018-01-01\r\n2,HC-2018-2,2018,"2018-01-02"\r\n';
    expect(sniffDelimiter(header)).toBe(',');
  });
});

describe('decodeText with other legacy code pages', () => {
  it('keeps chardet’s answer when Windows-1252 is not a contender', () => {
    const text = 'Привет, как дела? Район;Население\nЦентральный;12000\nСеверный;8000\n';
    const r = decodeText(iconv.encode(text, 'windows-1251'));
    expect(r).toEqual({ text, encoding: 'windows-1251' });
  });
});
