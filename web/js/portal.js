// The customer portal's entry point. `?auth=1` on any portal address opens the sign-in form.
import { startShell } from './shell.js';
import { homeView, notFoundView } from './pages/common.js';
import { statusView } from './pages/status.js';
import { loginView } from './pages/login.js';
import { registerView, confirmView } from './pages/register.js';
import { securityView } from './pages/security.js';
import { forgotView, resetView, notMeView, impersonateView } from './pages/recovery.js';
import { profileView, applyPreferences } from './pages/profile.js';
import { tokensView } from './pages/tokens.js';
import { peopleView, groupsView, invitationView } from './pages/people.js';
import { api } from './api.js';

let shell;
// after sign-in: the account's language and time zone drive the portal, then home
const goHome = () => {
  api('GET', '/api/v1/me', { quiet: true }).then((me) => applyPreferences(me.profile)).catch(() => {});
  shell.router.navigate('/');
};

shell = await startShell({
  app: 'portal',
  base: '',
  nav: [
    { path: '/', label: 'nav.home' },
    { path: '/status', label: 'nav.status' },
    { path: '/profile', label: 'profile.title', signedIn: true },
    { path: '/security', label: 'nav.security', signedIn: true },
    { path: '/people', label: 'nav.people', signedIn: true, permission: 'individuals.manage' },
    { path: '/groups', label: 'nav.groups', signedIn: true, permission: 'groups.manage' },
    { path: '/tokens', label: 'nav.tokens', signedIn: true, permission: 'tokens.manage' },
    { path: '/login', label: 'login.submit', signedOut: true },
    { path: '/register', label: 'register.title', signedOut: true },
  ],
  routes: [
    { path: '/', view: homeView('portal'), public: true },
    { path: '/status', view: statusView, title: 'nav.status', public: true },
    { path: '/login', view: (ctx) => loginView({ ...ctx, realm: 'portal', onDone: goHome }), title: 'login.title', public: true },
    { path: '/register', view: registerView, title: 'register.title', public: true },
    { path: '/confirm', view: confirmView, title: 'confirm.title', public: true },
    { path: '/forgot', view: (ctx) => forgotView({ ...ctx, realm: 'portal' }), title: 'recovery.title', public: true },
    { path: '/reset', view: (ctx) => resetView({ ...ctx, realm: 'portal' }), title: 'recovery.title', public: true },
    { path: '/not-me', view: (ctx) => notMeView({ ...ctx, realm: 'portal' }), title: 'notme.title', public: true },
    { path: '/impersonate', view: impersonateView, title: 'impersonation.title', public: true },
    { path: '/profile', view: profileView, title: 'profile.title' },
    { path: '/security', view: securityView, title: 'nav.security' },
    { path: '/tokens', view: tokensView, title: 'tokens.title' },
    { path: '/people', view: peopleView, title: 'people.title' },
    { path: '/groups', view: groupsView, title: 'groups.title' },
    { path: '/invitation', view: invitationView, title: 'invitation.title', public: true },
  ],
  notFound: notFoundView,
  signInRealm: 'portal',
});
if (new URLSearchParams(location.search).get('auth') === '1') shell.router.navigate('/login', { replace: true });
