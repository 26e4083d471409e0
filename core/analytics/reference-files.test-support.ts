// Test support, not product code (it reads files): the golden outputs in ../shared/reference, as the README there
// describes them (comma-separated, one header row, no quoted fields, an empty field for NA).
import fs from 'node:fs';

export const reference = (file: string): URL => new URL(`../../../shared/reference/${file}`, import.meta.url);

/** One record per row, every field as its text. */
export function readCsv(url: URL): Array<Record<string, string>> {
  const [header, ...lines] = fs.readFileSync(url, 'utf8').trimEnd().split('\n');
  const names = header!.split(',');
  return lines.map((line) => {
    const fields = line.split(',');
    return Object.fromEntries(names.map((name, i) => [name, fields[i] ?? '']));
  });
}
