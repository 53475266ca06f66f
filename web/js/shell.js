// The layout both apps share: header navigation, main view, footer preferences, skip link.
import { html, render } from '/vendor/lit-html/lit-html.js';
import { api } from './api.js';
import { createRouter } from './router.js';
import { initI18n, t, setLanguage, language, languages, onLanguageChange } from './i18n.js';
import { applyTheme, currentTheme, THEMES } from './theme.js';
import { currentPrincipal, onSessionChange, restore, signOut, setRealm } from './session.js';
import { loginView } from './pages/login.js';
import { passwordRequiredView } from './pages/security.js';

/** The operator's branding (name, color, logo) for the header; null when unreachable. */
async function loadBranding() {
  try {
    return await api('GET', '/api/v1/branding', { quiet: true });
  } catch {
    return null;
  }
}

const PICO_PRIMARY = '#0172ad';

/**
 * An operator's own color becomes Pico's primary through the CSSOM (the strict CSP allows it; no
 * inline style is written), in the light scheme only: the dark scheme keeps Pico's lighter primary,
 * whose contrast on dark backgrounds is checked.
 */
function applyBrandColor(branding) {
  const root = document.documentElement;
  const dark = root.dataset.theme === 'dark' || (!root.dataset.theme && matchMedia('(prefers-color-scheme: dark)').matches);
  for (const v of ['--pico-primary', '--pico-primary-background', '--pico-primary-border']) {
    if (branding && branding.primary_color !== PICO_PRIMARY && !dark) root.style.setProperty(v, branding.primary_color);
    else root.style.removeProperty(v);
  }
}

/**
 * startShell({ app: 'portal' | 'admin', base, nav: [{ path, label }], routes: [{ path, view, title }],
 *              signInRealm })
 * A view is (ctx) => template, where ctx = { params, router, refresh }; refresh() re-renders.
 * With signInRealm, every route but those marked { public: true } needs a signed-in principal of
 * that realm; the sign-in form shows until there is one. Nav items marked { signedIn: true } show
 * only to a signed-in principal, { signedOut: true } only to others, { permission } only to one granted it.
 */
export async function startShell({ app, base, nav, routes, notFound, signInRealm = null }) {
  applyTheme();
  await initI18n();
  const branding = await loadBranding();
  if (signInRealm) setRealm(signInRealm);
  if (signInRealm) await restore();
  const root = document.getElementById('app');
  let state;

  const router = createRouter({
    base,
    routes,
    notFound,
    onChange: (s) => {
      state = s;
      draw();
      document.getElementById('main')?.focus({ preventScroll: true });
    },
  });
  state = router.current();

  function draw() {
    const { route, params, path } = state;
    applyBrandColor(branding);
    const title = app === 'portal' && branding ? branding.portal_name : t(`app.${app}`);
    const who = currentPrincipal();
    const gated = signInRealm && !who && !route.public;
    document.title = gated ? `${t('login.title')} · ${title}` : route.title ? `${t(route.title)} · ${title}` : title;
    let view;
    if (gated) view = loginView({ realm: signInRealm, refresh: draw });
    else if (who?.must_change_password) view = passwordRequiredView({ refresh: draw });
    else view = route.view({ params, router, refresh: draw });
    render(html`
      <a class="skip-link" href="#main">${t('nav.skip')}</a>
      <header class="container">
        <nav aria-label=${t('nav.main')}>
          <ul><li><a class="brand" href=${router.href('/')}>${branding?.logo_url ? html`<img class="logo" src=${branding.logo_url} alt="">` : ''}<strong>${title}</strong></a></li></ul>
          <ul>
            ${gated || who?.must_change_password ? '' : nav.filter((item) => (item.signedIn ? who : item.signedOut ? !who : true) && (!item.permission || who?.permissions?.includes(item.permission))).map((item) => html`<li><a href=${router.href(item.path)}
              aria-current=${item.path === path ? 'page' : 'false'}>${t(item.label)}</a></li>`)}
            ${who ? html`
              <li><span class="who" data-testid="who">${who.display_name || who.email}</span></li>
              <li><button type="button" class="outline secondary sign-out" @click=${() => signOut().finally(() => router.navigate('/'))}>${t('login.sign_out')}</button></li>` : ''}
          </ul>
        </nav>
      </header>
      ${who?.impersonator ? html`<div class="impersonation container" role="status" data-testid="impersonation-banner">
        ${t('impersonation.banner', { name: who.impersonator.name })}
        <button type="button" class="secondary small" @click=${() => signOut().finally(() => router.navigate('/impersonate'))}>${t('impersonation.end')}</button>
      </div>` : ''}
      <main id="main" class="container" tabindex="-1">${view}</main>
      <footer class="container app-footer">
        <label>${t('prefs.theme')}
          <select data-testid="theme" @change=${(e) => { applyTheme(e.target.value); draw(); }}>
            ${THEMES.map((th) => html`<option value=${th} ?selected=${th === currentTheme()}>${t(`theme.${th}`)}</option>`)}
          </select>
        </label>
        <label>${t('prefs.language')}
          <select data-testid="language" @change=${(e) => setLanguage(e.target.value)}>
            ${languages().map((l) => html`<option value=${l} ?selected=${l === language()}>${t(`lang.${l}`)}</option>`)}
          </select>
        </label>
        <a href="/docs" data-external>${t('nav.docs')}</a>
      </footer>`, root);
    root.removeAttribute('aria-busy');
  }

  onLanguageChange(draw);
  onSessionChange(draw);
  draw();
  return { router, redraw: draw };
}
