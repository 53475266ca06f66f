// The admin panel's entry point.
import { startShell } from './shell.js';
import { homeView, notFoundView } from './pages/common.js';
import { statusView } from './pages/status.js';

startShell({
  app: 'admin',
  base: '/admin',
  nav: [{ path: '/', label: 'nav.overview' }, { path: '/status', label: 'nav.status' }],
  routes: [
    { path: '/', view: homeView('admin') },
    { path: '/status', view: statusView, title: 'nav.status' },
  ],
  notFound: notFoundView,
  signInRealm: 'staff',
});
