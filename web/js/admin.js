// The admin panel's entry point.
import { startShell } from './shell.js';
import { homeView, notFoundView } from './pages/common.js';
import { statusView } from './pages/status.js';
import { messagesView, messageView } from './pages/messages.js';
import { templatesView } from './pages/templates.js';
import { securityView } from './pages/security.js';
import { forgotView, resetView, notMeView } from './pages/recovery.js';

startShell({
  app: 'admin',
  base: '/admin',
  nav: [
    { path: '/', label: 'nav.overview' },
    { path: '/messages', label: 'nav.messages' },
    { path: '/templates', label: 'nav.templates' },
    { path: '/status', label: 'nav.status' },
    { path: '/security', label: 'nav.security' },
  ],
  routes: [
    { path: '/', view: homeView('admin') },
    { path: '/messages', view: messagesView, title: 'nav.messages' },
    { path: '/messages/:id', view: messageView, title: 'nav.messages' },
    { path: '/templates', view: templatesView, title: 'nav.templates' },
    { path: '/status', view: statusView, title: 'nav.status' },
    { path: '/security', view: securityView, title: 'nav.security' },
    { path: '/forgot', view: (ctx) => forgotView({ ...ctx, realm: 'staff' }), title: 'recovery.title', public: true },
    { path: '/reset', view: (ctx) => resetView({ ...ctx, realm: 'staff' }), title: 'recovery.title', public: true },
    { path: '/not-me', view: (ctx) => notMeView({ ...ctx, realm: 'staff' }), title: 'notme.title', public: true },
  ],
  notFound: notFoundView,
  signInRealm: 'staff',
});
