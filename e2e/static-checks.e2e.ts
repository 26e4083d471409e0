// Checks on the console's sources that no type checker makes: complete ICU catalogs and logical CSS only.
import fs from 'node:fs';
import path from 'node:path';
import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const i18nDir = path.join(root, 'web/console/src/i18n');
const catalog = (locale: string): Record<string, string> =>
  JSON.parse(fs.readFileSync(path.join(i18nDir, `${locale}.json`), 'utf8')) as Record<string, string>;

/** The arguments a message uses, with their kind, e.g. { count: 'plural', name: 'argument' }. */
function argumentsOf(
  elements: MessageFormatElement[],
  into = new Map<string, string>(),
): Map<string, string> {
  for (const el of elements) {
    if (el.type === TYPE.argument) into.set(el.value, 'argument');
    if (el.type === TYPE.number) into.set(el.value, 'number');
    if (el.type === TYPE.date || el.type === TYPE.time) into.set(el.value, 'date');
    if (el.type === TYPE.plural || el.type === TYPE.select) {
      into.set(el.value, el.type === TYPE.plural ? 'plural' : 'select');
      for (const option of Object.values(el.options)) argumentsOf(option.value, into);
    }
    if (el.type === TYPE.tag) argumentsOf(el.children, into);
  }
  return into;
}

describe('console message catalogs', () => {
  const en = catalog('en');
  for (const locale of ['fr', 'ar']) {
    it(`${locale} has every English message, with the same arguments`, () => {
      const other = catalog(locale);
      expect(Object.keys(other).sort()).toEqual(Object.keys(en).sort());
      for (const [id, message] of Object.entries(en)) {
        const theirs = other[id]!;
        expect(theirs.trim(), id).not.toBe('');
        expect(Object.fromEntries(argumentsOf(parse(theirs))), id).toEqual(
          Object.fromEntries(argumentsOf(parse(message))),
        );
      }
    });
  }

  it('gives Arabic plurals every category the language needs', () => {
    for (const [id, message] of Object.entries(catalog('ar'))) {
      for (const el of parse(message)) {
        if (el.type !== TYPE.plural) continue;
        expect(Object.keys(el.options), id).toEqual(
          expect.arrayContaining(['one', 'two', 'few', 'many', 'other']),
        );
      }
    }
  });
});

describe('console stylesheets', () => {
  // Physical directions break the Arabic mirror; block/inline logical equivalents exist for all of them.
  const physical =
    /(?:^|[\s;{])(?:(?:margin|padding|border|inset|scroll-margin|scroll-padding)-(?:left|right|top|bottom)(?:-[a-z]+)?|left|right|top|bottom|(?:min-|max-)?(?:width|height)|float|clear)\s*:|text-align\s*:\s*(?:left|right)|border-(?:top|bottom)-(?:left|right)-radius/m;

  const files = fs
    .readdirSync(path.join(root, 'web/console/src'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.css'));

  it('exist', () => expect(files.length).toBeGreaterThan(0));

  for (const file of files) {
    it(`${file} uses logical properties only`, () => {
      const css = fs
        .readFileSync(path.join(root, 'web/console/src', file), 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '');
      const offending = css.split('\n').filter((line) => physical.test(line));
      expect(offending).toEqual([]);
    });
  }

  it('the check catches physical properties', () => {
    for (const bad of [
      '  margin-left: 1rem;',
      'a { left: 0 }',
      '  text-align: right;',
      '  max-width: 10px;',
      '  border-top-left-radius: 2px;',
    ])
      expect(physical.test(bad), bad).toBe(true);
    for (const good of [
      '  margin-inline-start: 1rem;',
      '  inset-inline-end: 0;',
      '  text-align: start;',
      '@media (max-width: 960px) {',
    ])
      expect(physical.test(good), good).toBe(false);
  });
});
