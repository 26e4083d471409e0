import { useId } from 'react';
import {
  calendarYearOf,
  last52Weeks,
  samePeriod,
  type Period,
} from '../../../../../core/analytics/periods.ts';
import type { SignalExtent } from '../../api/types.ts';
import { useFormat, useT } from '../../i18n/i18n.tsx';

export type PeriodValue = { from: string | null; to: string | null };

/** The period a first visit shows: the 52 weeks up to the latest data, not up to today (imports lag). */
export function defaultPeriod(extent: SignalExtent | undefined): Period | undefined {
  return extent?.to ? last52Weeks(extent.to) : undefined;
}

export function PeriodFilter({
  value,
  extent,
  onChange,
}: {
  value: PeriodValue;
  extent: SignalExtent | undefined;
  onChange: (next: PeriodValue) => void;
}) {
  const t = useT();
  const format = useFormat();
  const fromId = useId();
  const toId = useId();
  const errorId = useId();
  const invalid = value.from !== null && value.to !== null && value.from > value.to;

  const presets: Array<{ key: string; label: string; period: Period }> = [];
  if (extent?.from && extent.to) {
    const year = calendarYearOf(extent.to);
    presets.push(
      { key: 'last52', label: t('filters.preset.last52'), period: last52Weeks(extent.to) },
      { key: 'year', label: t('filters.preset.year', { year: format.year(year.year) }), period: year },
      { key: 'all', label: t('filters.preset.all'), period: { from: extent.from, to: extent.to } },
    );
  }

  return (
    <fieldset className="period">
      <legend>{t('filters.period')}</legend>
      <div className="period-dates">
        <div className="field">
          <label htmlFor={fromId}>{t('filters.from')}</label>
          <input
            id={fromId}
            name="from"
            type="date"
            value={value.from ?? ''}
            aria-invalid={invalid || undefined}
            aria-describedby={invalid ? errorId : undefined}
            onChange={(e) => onChange({ ...value, from: e.target.value || null })}
          />
        </div>
        <div className="field">
          <label htmlFor={toId}>{t('filters.to')}</label>
          <input
            id={toId}
            name="to"
            type="date"
            value={value.to ?? ''}
            aria-invalid={invalid || undefined}
            aria-describedby={invalid ? errorId : undefined}
            onChange={(e) => onChange({ ...value, to: e.target.value || null })}
          />
        </div>
      </div>
      {presets.length > 0 && (
        <div className="presets" role="group" aria-label={t('filters.presets')}>
          {presets.map((p) => (
            <button
              key={p.key}
              type="button"
              className="preset"
              aria-pressed={samePeriod(value as Partial<Period>, p.period)}
              onClick={() => onChange(p.period)}
            >
              {p.label}
            </button>
          ))}
        </div>
      )}
      {invalid && (
        <p id={errorId} className="field-error" role="alert">
          {t('filters.invalidPeriod')}
        </p>
      )}
    </fieldset>
  );
}
