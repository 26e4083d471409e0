import { lazy, Suspense, useEffect, useRef, type ReactNode } from 'react';
import type { Me } from './api/identity.ts';
import { ErrorNotice, Loading } from './components/status.tsx';
import { adminPages, homeOf, type AdminPage } from './features/auth/access.ts';
import { AcceptInvitationPage } from './features/auth/accept-invitation-page.tsx';
import { AuthProvider, fullySignedIn, useAuth, type Auth } from './features/auth/auth-context.tsx';
import { EnrolPage } from './features/auth/enrol-page.tsx';
import { SecondFactorPage } from './features/auth/second-factor-page.tsx';
import { SignInPage } from './features/auth/sign-in-page.tsx';
import { MapPage } from './features/map/map-page.tsx';
import { SignalsPage } from './features/signals/signals-page.tsx';
import { I18nProvider, useT, type MessageId } from './i18n/i18n.tsx';
import {
  directionOf,
  isLocale,
  LOCALE_NAMES,
  LOCALES,
  negotiateLocale,
  type Locale,
} from './i18n/locales.ts';
import { Link } from './routing/link.tsx';
import { paths, routeOf, safeNext, type Page, type Route } from './routing/routes.ts';
import { hrefWith, navigate, useUrl } from './routing/url-state.ts';

// Account and administration pages are their own chunks: most people use the map and the signals, not these.
// So is the early warning, which only the roles reading the picture open.
const AccountPage = lazy(async () => ({
  default: (await import('./features/account/account-page.tsx')).AccountPage,
}));
const AnalyticsPage = lazy(async () => ({
  default: (await import('./features/analytics/analytics-page.tsx')).AnalyticsPage,
}));
const admin = () => import('./features/admin/admin-pages.ts');
const AdminNav = lazy(async () => ({ default: (await admin()).AdminNav }));
const AuditPage = lazy(async () => ({ default: (await admin()).AuditPage }));
const OrganisationsPage = lazy(async () => ({ default: (await admin()).OrganisationsPage }));
const OrganisationPage = lazy(async () => ({ default: (await admin()).OrganisationPage }));
const PeoplePage = lazy(async () => ({ default: (await admin()).PeoplePage }));
const InvitePage = lazy(async () => ({ default: (await admin()).InvitePage }));
const PersonPage = lazy(async () => ({ default: (await admin()).PersonPage }));
const RolesPage = lazy(async () => ({ default: (await admin()).RolesPage }));
const RolePage = lazy(async () => ({ default: (await admin()).RolePage }));
const SessionsPage = lazy(async () => ({ default: (await admin()).SessionsPage }));

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
    if (requested !== locale)
      navigate(hrefWith(pathname, params, { lang: locale }) + window.location.hash, { replace: true });
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
    <AuthProvider>
      <I18nProvider locale={locale}>
        <Shell locale={locale} route={routeOf(pathname)} />
      </I18nProvider>
    </AuthProvider>
  );
}

/** Who may open a page: anyone, a session still owing its second factor, or a full session (with a permission). */
type Requirement =
  { kind: 'public' } | { kind: 'pending' } | { kind: 'full'; allowed: (auth: Auth) => boolean };

const anyone = (): boolean => true;

function requirementOf(route: Route): Requirement {
  switch (route.page) {
    case 'sign-in':
    case 'accept-invitation':
    case 'not-found':
      return { kind: 'public' };
    case 'second-factor':
    case 'enrol':
      return { kind: 'pending' };
    case 'map':
    case 'analytics':
      return { kind: 'full', allowed: (a) => a.can('picture', 'read') };
    case 'signals':
      return { kind: 'full', allowed: (a) => a.can('signal', 'read') };
    case 'account':
      return { kind: 'full', allowed: anyone };
    case 'admin':
      return { kind: 'full', allowed: (a) => adminPages(a).length > 0 };
    default: {
      const section = ADMIN_SECTION[route.page];
      return { kind: 'full', allowed: (a) => adminPages(a).includes(section!) };
    }
  }
}

const ADMIN_SECTION: Partial<Record<Page, AdminPage>> = {
  organisations: 'organisations',
  'organisation-new': 'organisations',
  organisation: 'organisations',
  people: 'people',
  'person-invite': 'people',
  person: 'people',
  roles: 'roles',
  'role-new': 'roles',
  role: 'roles',
  sessions: 'sessions',
  audit: 'audit',
};

const TITLES: Record<Page, MessageId> = {
  map: 'map.title',
  signals: 'signals.title',
  analytics: 'analytics.title',
  'sign-in': 'signIn.title',
  'second-factor': 'secondFactor.title',
  enrol: 'enrol.title',
  'accept-invitation': 'invitation.title',
  account: 'account.title',
  admin: 'admin.title',
  organisations: 'organisations.title',
  'organisation-new': 'organisations.new',
  organisation: 'organisations.edit',
  people: 'people.title',
  'person-invite': 'people.invite',
  person: 'people.person',
  roles: 'roles.title',
  'role-new': 'roles.new',
  role: 'roles.role',
  sessions: 'sessions.title',
  audit: 'audit.title',
  'not-found': 'notFound.title',
};

const adminPath = (page: AdminPage): string => paths[page];

/**
 * Focuses the page's heading, now or as soon as it appears (a page still loading its code or its record shows its
 * heading a moment later), unless the person has moved focus elsewhere meanwhile.
 */
function focusHeadingWhenShown(): () => void {
  const visibleHeading = () => {
    const h = document.getElementById('main-heading');
    return h && h.checkVisibility() ? h : null;
  };
  const heading = visibleHeading();
  if (heading) {
    heading.focus();
    return () => undefined;
  }
  const main = document.getElementById('main');
  if (!main) return () => undefined;
  const focusedBefore = document.activeElement;
  const observer = new MutationObserver(() => {
    const shown = visibleHeading();
    if (!shown) return;
    observer.disconnect();
    const focusNow = document.activeElement;
    if (focusNow === focusedBefore || focusNow === document.body || focusNow === null) shown.focus();
  });
  observer.observe(main, { childList: true, subtree: true, attributes: true, attributeFilter: ['style'] });
  const timer = window.setTimeout(() => observer.disconnect(), 10_000);
  return () => {
    observer.disconnect();
    window.clearTimeout(timer);
  };
}

/** Replaces the current history entry once rendered: a redirect that Back does not return to. */
function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return <Loading />;
}

function Shell({ locale, route }: { locale: Locale; route: Route }) {
  const t = useT();
  const auth = useAuth();
  const { params, pathname, href } = useUrl();
  const firstRender = useRef(true);
  const page = route.page;

  useEffect(() => {
    document.title = `${t(TITLES[page])} · ${t('app.name')}`;
  }, [page, t]);

  // After an in-app page change, move focus to the new page's heading as a full page load would for a screen reader.
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    return focusHeadingWhenShown();
  }, [pathname]);

  const navHref = (path: string, query: Record<string, string | null> = {}) =>
    hrefWith(path, new URLSearchParams(), { lang: locale, ...query });
  const requirement = requirementOf(route);
  const state = auth.state;
  const me = state.status === 'signed-in' ? state.me : undefined;

  let content: ReactNode;
  if (requirement.kind === 'public') {
    content = pageContent(route, locale, auth);
  } else if (state.status === 'loading') {
    content = <Loading />;
  } else if (state.status === 'unavailable') {
    content = (
      <>
        <h1 id="main-heading" tabIndex={-1}>
          {t(TITLES[page])}
        </h1>
        <ErrorNotice error={state.error} onRetry={() => void auth.refresh().catch(() => undefined)} />
      </>
    );
  } else if (state.status === 'signed-out') {
    // Remember where the person was going, so signing in brings them back to it.
    content = <Redirect to={navHref(paths.signIn, { next: safeNext(href) })} />;
  } else if (requirement.kind === 'pending') {
    content = pageContent(route, locale, auth);
  } else if (!fullySignedIn(state.me)) {
    content = (
      <Redirect
        to={navHref(state.me.totpEnabled ? paths.secondFactor : paths.enrol, { next: safeNext(href) })}
      />
    );
  } else if (page === 'admin') {
    content = <Redirect to={navHref(adminPath(adminPages(auth)[0] ?? 'organisations'))} />;
  } else if (!requirement.allowed(auth)) {
    content = <NotAllowed home={navHref(homeOf(auth))} />;
  } else {
    content = pageContent(route, locale, auth);
  }

  const section = ADMIN_SECTION[page];
  const signedIn = auth.me !== undefined;
  const showAdmin = signedIn && adminPages(auth).length > 0;

  return (
    <>
      <a className="skip-link" href="#main">
        {t('nav.skip')}
      </a>
      <header className="app-header">
        <Link className="brand" href={navHref(signedIn ? homeOf(auth) : paths.signIn)}>
          {t('app.name')}
        </Link>
        {signedIn && (
          <nav aria-label={t('nav.label')} className="main-nav">
            <ul>
              {auth.can('picture', 'read') && (
                <li>
                  <Link href={navHref(paths.map)} aria-current={page === 'map' ? 'page' : undefined}>
                    {t('nav.map')}
                  </Link>
                </li>
              )}
              {auth.can('signal', 'read') && (
                <li>
                  <Link href={navHref(paths.signals)} aria-current={page === 'signals' ? 'page' : undefined}>
                    {t('nav.signals')}
                  </Link>
                </li>
              )}
              {auth.can('picture', 'read') && (
                <li>
                  <Link
                    href={navHref(paths.analytics)}
                    aria-current={page === 'analytics' ? 'page' : undefined}
                  >
                    {t('nav.analytics')}
                  </Link>
                </li>
              )}
              {showAdmin && (
                <li>
                  <Link href={navHref('/admin')} aria-current={section ? 'page' : undefined}>
                    {t('nav.admin')}
                  </Link>
                </li>
              )}
            </ul>
          </nav>
        )}
        <div className="header-end">
          <nav aria-label={t('locale.label')} className="locale-switcher">
            <ul>
              {LOCALES.map((l) => (
                <li key={l}>
                  <Link
                    href={hrefWith(pathname, params, { lang: l }) + window.location.hash}
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
          {me && <AccountMenu me={me} locale={locale} current={page === 'account'} signedIn={signedIn} />}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {/* Keyed by page, so the previous page is unmounted, not kept hidden, while the next one's code arrives. */}
        <Suspense key={page} fallback={<Loading />}>
          {section && signedIn && requirement.kind === 'full' && requirement.allowed(auth) && (
            <AdminNav current={section} locale={locale} />
          )}
          {content}
        </Suspense>
      </main>
    </>
  );
}

function AccountMenu({
  me,
  locale,
  current,
  signedIn,
}: {
  me: Me;
  locale: Locale;
  current: boolean;
  signedIn: boolean;
}) {
  const t = useT();
  const auth = useAuth();
  const signOut = async () => {
    await auth.signOut().catch(() => undefined);
    // Replaces the sign-in redirect the signed-out page has already made, so Back does not offer it.
    navigate(hrefWith(paths.signIn, new URLSearchParams(), { lang: locale, signedOut: '1' }), {
      replace: true,
    });
  };
  return (
    <div className="account-menu">
      {signedIn && (
        <Link
          href={hrefWith(paths.account, new URLSearchParams(), { lang: locale })}
          aria-current={current ? 'page' : undefined}
          data-testid="account-link"
        >
          <span className="visually-hidden">{t('nav.account')}: </span>
          {me.user.displayName}
        </Link>
      )}
      <button type="button" className="header-button" onClick={() => void signOut()}>
        {t('nav.signOut')}
      </button>
    </div>
  );
}

function NotAllowed({ home }: { home: string }) {
  const t = useT();
  return (
    <>
      <h1 id="main-heading" tabIndex={-1}>
        {t('forbidden.title')}
      </h1>
      <p>{t('forbidden.body')}</p>
      <p>
        <Link href={home}>{t('forbidden.home')}</Link>
      </p>
    </>
  );
}

function NotFound({ home }: { home: string }) {
  const t = useT();
  return (
    <>
      <h1 id="main-heading" tabIndex={-1}>
        {t('notFound.title')}
      </h1>
      <p>
        <Link href={home}>{t('notFound.back')}</Link>
      </p>
    </>
  );
}

function pageContent(route: Route, locale: Locale, auth: Auth): ReactNode {
  switch (route.page) {
    case 'map':
      return <MapPage locale={locale} />;
    case 'signals':
      return <SignalsPage locale={locale} />;
    case 'analytics':
      return <AnalyticsPage locale={locale} />;
    case 'sign-in':
      return <SignInPage locale={locale} />;
    case 'second-factor':
      return <SecondFactorPage locale={locale} />;
    case 'enrol':
      return <EnrolPage locale={locale} />;
    case 'accept-invitation':
      return <AcceptInvitationPage locale={locale} />;
    case 'account':
      return <AccountPage locale={locale} />;
    case 'organisations':
      return <OrganisationsPage locale={locale} />;
    case 'organisation-new':
      return <OrganisationPage locale={locale} id={null} />;
    case 'organisation':
      return <OrganisationPage key={route.id} locale={locale} id={route.id} />;
    case 'people':
      return <PeoplePage locale={locale} />;
    case 'person-invite':
      return <InvitePage locale={locale} />;
    case 'person':
      return <PersonPage key={route.id} locale={locale} id={route.id} />;
    case 'roles':
      return <RolesPage locale={locale} />;
    case 'role-new':
      return <RolePage locale={locale} code={null} />;
    case 'role':
      return <RolePage key={route.code} locale={locale} code={route.code} />;
    case 'sessions':
      return <SessionsPage locale={locale} />;
    case 'audit':
      return <AuditPage locale={locale} />;
    case 'admin':
      return null;
    case 'not-found':
      return (
        <NotFound
          home={hrefWith(auth.me ? homeOf(auth) : paths.signIn, new URLSearchParams(), { lang: locale })}
        />
      );
  }
}
