// The customer portal's entry point. `?auth=1` on any portal address opens the sign-in form.
import { startShell } from './shell.js';
import { homeView, notFoundView } from './pages/common.js';
import { statusView } from './pages/status.js';
import { loginView } from './pages/login.js';
import { registerView, confirmView } from './pages/register.js';
import { securityView } from './pages/security.js';
import { forgotView, resetView } from './pages/recovery.js';

let shell;
const goHome = () => shell.router.navigate('/');

shell = await startShell({
  app: 'portal',
  base: '',
  nav: [
    { path: '/', label: 'nav.home' },
    { path: '/status', label: 'nav.status' },
    { path: '/security', label: 'nav.security', signedIn: true },
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
    { path: '/security', view: securityView, title: 'nav.security' },
  ],
  notFound: notFoundView,
  signInRealm: 'portal',
});
if (new URLSearchParams(location.search).get('auth') === '1') shell.router.navigate('/login', { replace: true });
