import type { ClassOf, ClassRange } from '../../../../../core/analytics/class-breaks.ts';

/**
 * ColorBrewer OrRd, 6 classes: sequential, safe for the common colour-vision deficiencies and in greyscale.
 * The lightest step is reserved for zero so "none" never looks like "a few".
 */
const ZERO = '#fef0d9';
const STEPS = ['#fdd49e', '#fdbb84', '#fc8d59', '#e34a33', '#b30000'] as const;

export const NO_DATA_PATTERN_ID = 'choropleth-no-data';
export const NO_DATA_FILL = `url(#${NO_DATA_PATTERN_ID})`;
export const NO_DATA_SWATCH = '#d9d9d9';

/** Fill of a class; with fewer classes than colours (ties) the steps spread over the whole ramp. */
export function fillOf(cls: ClassOf, ranges: readonly ClassRange[]): string {
  if (cls === 'none') return NO_DATA_FILL;
  if (cls === 'zero') return ZERO;
  const n = ranges.length;
  const step = n <= 1 ? STEPS.length - 1 : Math.round((cls * (STEPS.length - 1)) / (n - 1));
  return STEPS[step]!;
}

export const ZERO_FILL = ZERO;

/** Hatching for areas without a value, shared by the map and the legend (url(#…) resolves anywhere in the page). */
export function NoDataPattern() {
  return (
    <svg className="pattern-defs" aria-hidden="true" focusable="false" width="0" height="0">
      <defs>
        <pattern
          id={NO_DATA_PATTERN_ID}
          width="6"
          height="6"
          patternUnits="userSpaceOnUse"
          patternTransform="rotate(45)"
        >
          <rect width="6" height="6" fill={NO_DATA_SWATCH} />
          <line x1="0" y1="0" x2="0" y2="6" stroke="#737373" strokeWidth="2" />
        </pattern>
      </defs>
    </svg>
  );
}
