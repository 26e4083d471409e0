import type { Page, PagedList } from '../api/paged-list.ts';
import { useT } from '../i18n/i18n.tsx';
import { ErrorNotice } from './status.tsx';

/** The "load more" button under a paged list, with the failure of the last attempt and a retry. */
export function LoadMore<P extends Page<unknown>>({ list }: { list: PagedList<P> }) {
  const t = useT();
  return (
    <>
      {list.moreError && <ErrorNotice error={list.moreError} onRetry={() => void list.loadMore()} />}
      {list.nextCursor && (
        <p>
          <button
            type="button"
            onClick={() => void list.loadMore()}
            disabled={list.loadingMore}
            aria-busy={list.loadingMore}
          >
            {list.loadingMore ? t('status.loading') : t('signals.loadMore')}
          </button>
        </p>
      )}
    </>
  );
}
