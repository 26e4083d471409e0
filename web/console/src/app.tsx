import { useEffect, useRef } from 'react';
import { MapPage } from './features/map/map-page.tsx';
import { SignalsPage } from './features/signals/signals-page.tsx';
import { I18nProvider, useT } from './i18n/i18n.tsx';
import {
  directionOf,
  isLocale,
  LOCALE_NAMES,
  LOCALES,
  negotiateLocale,
  type Locale,
} from './i18n/locales.ts';
import { Link } from './routing/link.tsx';
import { hrefWith, navigate, useUrl } from './routing/url-state.ts';

type Page = 'map' | 'signals' | 'not-found';

const pageOf = (pathname: string): Page =>
  pathname === '/' || pathname === '/map' ? 'map' : pathname === '/signals' ? 'signals' : 'not-found';

const STORED_LOCALE = 'cohesion.locale';

function storedLocale(): Locale | undefined {
  try {
    const v = window.localStorage.getItem(STORED_LOCALE);
    return isLocale(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

export function App() {
  const { params, pathname } = useUrl();
  const requested = params.get('lang');
  const locale: Locale = isLocale(requested)
    ? requested
    : (storedLocale() ?? negotiateLocale(navigator.languages));

  // The locale lives in the URL (?lang=) so a shared link opens in the same language; a visit without it is negotiated once.
  useEffect(() => {
    if (requested !== locale) navigate(hrefWith(pathname, params, { lang: locale }), { replace: true });
    try {
      window.localStorage.setItem(STORED_LOCALE, locale);
    } catch {
      // Private browsing without storage: the URL still carries the choice.
    }
  }, [requested, locale, pathname, params]);

  useEffect(() => {
    document.documentElement.lang = locale;
    document.documentElement.dir = directionOf(locale);
  }, [locale]);

  return (
    <I18nProvider locale={locale}>
      <Shell locale={locale} page={pageOf(pathname)} />
    </I18nProvider>
  );
}

function Shell({ locale, page }: { locale: Locale; page: Page }) {
  const t = useT();
  const { params, pathname } = useUrl();
  const firstRender = useRef(true);

  useEffect(() => {
    document.title = `${page === 'signals' ? t('nav.signals') : page === 'map' ? t('map.title') : t('notFound.title')} · ${t('app.name')}`;
  }, [page, t]);

  // After an in-app page change, move focus to the new page's heading as a full page load would for a screen reader.
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    document.getElementById('main-heading')?.focus();
  }, [page]);

  const navHref = (path: string) => hrefWith(path, new URLSearchParams(), { lang: locale });

  return (
    <>
      <a className="skip-link" href="#main">
        {t('nav.skip')}
      </a>
      <header className="app-header">
        <Link className="brand" href={navHref('/map')}>
          {t('app.name')}
        </Link>
        <nav aria-label={t('nav.label')} className="main-nav">
          <ul>
            <li>
              <Link href={navHref('/map')} aria-current={page === 'map' ? 'page' : undefined}>
                {t('nav.map')}
              </Link>
            </li>
            <li>
              <Link href={navHref('/signals')} aria-current={page === 'signals' ? 'page' : undefined}>
                {t('nav.signals')}
              </Link>
            </li>
          </ul>
        </nav>
        <nav aria-label={t('locale.label')} className="locale-switcher">
          <ul>
            {LOCALES.map((l) => (
              <li key={l}>
                <Link
                  href={hrefWith(pathname, params, { lang: l })}
                  lang={l}
                  hrefLang={l}
                  aria-current={l === locale ? 'true' : undefined}
                >
                  {LOCALE_NAMES[l]}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        {page === 'map' && <MapPage locale={locale} />}
        {page === 'signals' && <SignalsPage locale={locale} />}
        {page === 'not-found' && (
          <>
            <h1 id="main-heading" tabIndex={-1}>
              {t('notFound.title')}
            </h1>
            <p>
              <Link href={navHref('/map')}>{t('notFound.back')}</Link>
            </p>
          </>
        )}
      </main>
    </>
  );
}
