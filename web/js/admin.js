// The admin panel's entry point.
import { startShell } from './shell.js';
import { notFoundView } from './pages/common.js';
import { statusView } from './pages/status.js';
import { messagesView, messageView } from './pages/messages.js';
import { templatesView } from './pages/templates.js';
import { securityView } from './pages/security.js';
import { tokensView } from './pages/tokens.js';
import { forgotView, resetView, notMeView } from './pages/recovery.js';
import { customersView, customerNewView, customerView, customerImportView } from './pages/customers.js';
import { dashboardView, staffView, settingsView, auditView, portalRolesView } from './pages/operator.js';

startShell({
  app: 'admin',
  base: '/admin',
  nav: [
    { path: '/', label: 'nav.overview' },
    { path: '/customers', label: 'nav.customers', permission: 'customers.read' },
    { path: '/messages', label: 'nav.messages', permission: 'messages.read' },
    { path: '/templates', label: 'nav.templates', permission: 'messages.read' },
    { path: '/status', label: 'nav.status' },
    { path: '/roles', label: 'nav.roles', permission: 'roles.manage' },
    { path: '/staff', label: 'nav.staff', permission: 'staff.manage' },
    { path: '/settings', label: 'nav.settings', permission: 'settings.manage' },
    { path: '/audit', label: 'nav.audit', permission: 'audit.read' },
    { path: '/security', label: 'nav.security' },
    { path: '/tokens', label: 'nav.tokens', permission: 'tokens.manage' },
  ],
  routes: [
    { path: '/', view: dashboardView, title: 'dashboard.title' },
    { path: '/customers', view: customersView, title: 'customers.title' },
    { path: '/customers/new', view: customerNewView, title: 'customers.new' },
    { path: '/customers/import', view: customerImportView, title: 'import.title' },
    { path: '/customers/:id', view: customerView, title: 'customers.one' },
    { path: '/roles', view: portalRolesView, title: 'roles.title' },
    { path: '/staff', view: staffView, title: 'staff.title' },
    { path: '/settings', view: settingsView, title: 'settings.title' },
    { path: '/audit', view: auditView, title: 'audit.title' },
    { path: '/messages', view: messagesView, title: 'nav.messages' },
    { path: '/messages/:id', view: messageView, title: 'nav.messages' },
    { path: '/templates', view: templatesView, title: 'nav.templates' },
    { path: '/status', view: statusView, title: 'nav.status' },
    { path: '/security', view: securityView, title: 'nav.security' },
    { path: '/tokens', view: tokensView, title: 'tokens.title' },
    { path: '/forgot', view: (ctx) => forgotView({ ...ctx, realm: 'staff' }), title: 'recovery.title', public: true },
    { path: '/reset', view: (ctx) => resetView({ ...ctx, realm: 'staff' }), title: 'recovery.title', public: true },
    { path: '/not-me', view: (ctx) => notMeView({ ...ctx, realm: 'staff' }), title: 'notme.title', public: true },
  ],
  notFound: notFoundView,
  signInRealm: 'staff',
});
