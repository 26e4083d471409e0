import type { ClassRange } from '../../../../../core/analytics/class-breaks.ts';
import { useT } from '../../i18n/i18n.tsx';
import { fillOf, NO_DATA_FILL, ZERO_FILL } from './choropleth.tsx';

export function MapLegend({
  title,
  ranges,
  showZero,
  showNoData,
  formatValue,
}: {
  title: string;
  ranges: readonly ClassRange[];
  showZero: boolean;
  showNoData: boolean;
  formatValue: (n: number) => string;
}) {
  const t = useT();
  const items: Array<{ key: string; fill: string; text: string }> = [];
  if (showZero) items.push({ key: 'zero', fill: ZERO_FILL, text: formatValue(0) });
  ranges.forEach((r, i) =>
    items.push({
      key: `c${i}`,
      fill: fillOf(i, ranges),
      text:
        r.min === r.max
          ? formatValue(r.min)
          : t('map.legend.range', { min: formatValue(r.min), max: formatValue(r.max) }),
    }),
  );
  if (showNoData) items.push({ key: 'none', fill: NO_DATA_FILL, text: t('map.legend.noData') });

  return (
    <figure className="legend" aria-labelledby="legend-title">
      <figcaption id="legend-title" className="legend-title">
        {title}
      </figcaption>
      <ul className="legend-items">
        {items.map((item) => (
          <li key={item.key} className="legend-item" data-class={item.key}>
            <svg className="legend-swatch" width="24" height="16" aria-hidden="true" focusable="false">
              <rect x="0.5" y="0.5" width="23" height="15" fill={item.fill} stroke="#595959" />
            </svg>
            <span>{item.text}</span>
          </li>
        ))}
      </ul>
    </figure>
  );
}
