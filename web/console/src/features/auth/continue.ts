import type { Locale } from '../../i18n/locales.ts';
import { paths, safeNext } from '../../routing/routes.ts';
import { hrefWith, navigate } from '../../routing/url-state.ts';
import { homeOf } from './access.ts';
import { capabilitiesOf, fullySignedIn, type Session } from './auth-context.tsx';

/** `path` in the current language, keeping the rest of its query. */
export function inLocale(path: string, locale: Locale, changes: Record<string, string | null> = {}): string {
  const url = new URL(path, 'http://console.invalid');
  return hrefWith(url.pathname, url.searchParams, { ...changes, lang: locale });
}

/**
 * The next step of signing in: the second factor the role still owes (enrolment first when there is none yet),
 * then the page the person was going to, or the first page their role opens.
 */
export function continueSignIn({ me, grants }: Session, locale: Locale, next: string | null): void {
  const going = safeNext(next);
  if (!fullySignedIn(me)) {
    navigate(inLocale(me.totpEnabled ? paths.secondFactor : paths.enrol, locale, { next: going }), {
      replace: true,
    });
    return;
  }
  navigate(inLocale(going ?? homeOf(capabilitiesOf(me, grants)), locale), { replace: true });
}
