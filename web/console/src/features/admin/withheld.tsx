import { useT } from '../../i18n/i18n.tsx';

/**
 * In place of a field the server left out because the signed-in role may not see it: a dash, read out as "not
 * available", so it cannot be mistaken for an empty value ("never", "not set up").
 */
export function Withheld() {
  const t = useT();
  return (
    <>
      <span aria-hidden="true">—</span>
      <span className="visually-hidden">{t('table.notAvailable')}</span>
    </>
  );
}
