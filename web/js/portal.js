// The customer portal's entry point.
import { startShell } from './shell.js';
import { homeView, notFoundView } from './pages/common.js';
import { statusView } from './pages/status.js';

startShell({
  app: 'portal',
  base: '',
  nav: [{ path: '/', label: 'nav.home' }, { path: '/status', label: 'nav.status' }],
  routes: [
    { path: '/', view: homeView('portal') },
    { path: '/status', view: statusView, title: 'nav.status' },
  ],
  notFound: notFoundView,
});
