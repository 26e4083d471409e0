import { useMemo, useState } from 'react';
import type { AreaPictureRow } from '../../api/types.ts';
import { useFormat, useT, type MessageId } from '../../i18n/i18n.tsx';
import { ScrollTable } from '../../components/scroll-table.tsx';

export type SortKey = 'name' | 'count' | 'population' | 'ratePer10k';
export type Sort = { key: SortKey; direction: 'ascending' | 'descending' };

const COLUMNS: Array<{ key: SortKey; label: MessageId; numeric: boolean }> = [
  { key: 'name', label: 'table.area', numeric: false },
  { key: 'count', label: 'table.count', numeric: true },
  { key: 'population', label: 'table.population', numeric: true },
  { key: 'ratePer10k', label: 'table.rate', numeric: true },
];

/** Missing values (no population) sort last in both directions: they are not small, they are unknown. */
export function sortRows(rows: readonly AreaPictureRow[], sort: Sort, locale: string): AreaPictureRow[] {
  const collator = new Intl.Collator(locale);
  const sign = sort.direction === 'ascending' ? 1 : -1;
  return [...rows].sort((a, b) => {
    if (sort.key === 'name') return sign * collator.compare(a.name, b.name);
    const x = a[sort.key];
    const y = b[sort.key];
    if (x === null || y === null) return x === y ? collator.compare(a.name, b.name) : x === null ? 1 : -1;
    return sign * (x - y) || collator.compare(a.name, b.name);
  });
}

/** The map's numbers as a table: the accessible, sortable twin of the choropleth, row for row. */
export function AreaTable({
  rows,
  caption,
  defaultSort,
  selected,
  onSelect,
  locale,
  busy,
}: {
  rows: readonly AreaPictureRow[];
  caption: string;
  defaultSort: Sort;
  selected: string | null;
  onSelect: (code: string) => void;
  locale: string;
  busy: boolean;
}) {
  const t = useT();
  const format = useFormat();
  const [sort, setSort] = useState<Sort | null>(null);
  const active = sort ?? defaultSort;
  const sorted = useMemo(() => sortRows(rows, active, locale), [rows, active, locale]);

  const toggle = (key: SortKey) =>
    setSort(
      active.key === key
        ? { key, direction: active.direction === 'ascending' ? 'descending' : 'ascending' }
        : { key, direction: key === 'name' ? 'ascending' : 'descending' },
    );

  return (
    <ScrollTable id="area-table" className="area-table" busy={busy} caption={caption}>
      <thead>
        <tr>
          {COLUMNS.map((c) => (
            <th
              key={c.key}
              scope="col"
              className={c.numeric ? 'numeric' : undefined}
              aria-sort={active.key === c.key ? active.direction : 'none'}
            >
              <button type="button" className="sort-button" data-sort={c.key} onClick={() => toggle(c.key)}>
                {t(c.label)}
                <span className="sort-indicator" aria-hidden="true">
                  {active.key === c.key ? (active.direction === 'ascending' ? '▲' : '▼') : '↕'}
                </span>
              </button>
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {sorted.map((row) => (
          <tr key={row.code} data-code={row.code} className={row.code === selected ? 'selected' : undefined}>
            <th scope="row">
              <button
                type="button"
                className="link-button"
                aria-pressed={row.code === selected}
                onClick={() => onSelect(row.code)}
              >
                {row.name}
              </button>
            </th>
            <td className="numeric" data-col="count">
              {format.count(row.count)}
            </td>
            <td className="numeric" data-col="population">
              {row.population === null ? <NotAvailable /> : format.count(row.population)}
            </td>
            <td className="numeric" data-col="rate">
              {row.ratePer10k === null ? <NotAvailable /> : format.rate(row.ratePer10k)}
            </td>
          </tr>
        ))}
      </tbody>
    </ScrollTable>
  );
}

function NotAvailable() {
  const t = useT();
  return (
    <>
      <span aria-hidden="true">—</span>
      <span className="visually-hidden">{t('table.notAvailable')}</span>
    </>
  );
}
