import { useT, type MessageId } from '../../i18n/i18n.tsx';
import type { Locale } from '../../i18n/locales.ts';
import { Link } from '../../routing/link.tsx';
import { paths } from '../../routing/routes.ts';
import { hrefWith } from '../../routing/url-state.ts';
import { adminPages, type AdminPage } from '../auth/access.ts';
import { useAuth } from '../auth/auth-context.tsx';

const LABELS: Record<AdminPage, MessageId> = {
  organisations: 'organisations.title',
  people: 'people.title',
  roles: 'roles.title',
  sessions: 'sessions.title',
  audit: 'audit.title',
};

/** The administration section's own navigation: only the pages the role opens. */
export function AdminNav({ current, locale }: { current: AdminPage; locale: Locale }) {
  const t = useT();
  const auth = useAuth();
  return (
    <nav className="admin-nav" aria-label={t('admin.title')}>
      <ul>
        {adminPages(auth).map((p) => (
          <li key={p}>
            <Link
              href={hrefWith(paths[p], new URLSearchParams(), { lang: locale })}
              aria-current={p === current ? 'page' : undefined}
            >
              {t(LABELS[p])}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}
