import type { ApiError } from '../api/client.ts';
import { useT } from '../i18n/i18n.tsx';

export function Loading() {
  const t = useT();
  return (
    <p className="status status-loading" role="status">
      {t('status.loading')}
    </p>
  );
}

/** An API failure in words the server chose (the problem's title), with a way to try again. */
export function ErrorNotice({ error, onRetry }: { error: ApiError; onRetry?: () => void }) {
  const t = useT();
  return (
    <div className="status status-error" role="alert">
      <p>{t('status.error', { title: error.message })}</p>
      {onRetry && (
        <button type="button" onClick={onRetry}>
          {t('status.retry')}
        </button>
      )}
    </div>
  );
}

export function Empty({ children }: { children: string }) {
  return <p className="status status-empty">{children}</p>;
}
