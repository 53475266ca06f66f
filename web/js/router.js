// History-API router: paths like '/customers/:id' under a base ('' for the portal, '/admin').
export function createRouter({ base, routes, notFound, onChange }) {
  const compiled = routes.map((r) => ({
    ...r,
    re: new RegExp(`^${r.path.replace(/:(\w+)/g, '(?<$1>[^/]+)')}/?$`),
  }));

  function current() {
    let path = location.pathname.startsWith(base) ? location.pathname.slice(base.length) : location.pathname;
    if (!path.startsWith('/')) path = `/${path}`;
    for (const r of compiled) {
      const m = path.match(r.re);
      if (m) return { route: r, params: { ...m.groups }, path };
    }
    return { route: { view: notFound }, params: {}, path };
  }

  function navigate(path, { replace = false } = {}) {
    const url = base + path;
    if (replace) history.replaceState({}, '', url);
    else history.pushState({}, '', url);
    onChange(current());
  }

  // same-origin links inside the app are routed here instead of reloading the page
  document.addEventListener('click', (e) => {
    const a = e.target.closest('a[href]');
    if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || a.target) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin || a.hasAttribute('data-external')) return;
    if (base && !url.pathname.startsWith(base)) return;
    if (!base && url.pathname.startsWith('/admin')) return;
    e.preventDefault();
    navigate(url.pathname.slice(base.length) || '/');
  });
  window.addEventListener('popstate', () => onChange(current()));

  return { current, navigate, href: (path) => base + path };
}

const linkTokens = new Map();

/**
 * The token of an e-mailed link (?token=…) on the page at this path. The first read takes it out
 * of the address bar at once, so it stays out of the history, bookmarks, screenshots and the
 * Referer of any request the page makes; later reads get it from memory.
 */
export function linkToken() {
  const params = new URLSearchParams(location.search);
  const inBar = params.get('token');
  if (inBar) {
    linkTokens.set(location.pathname, inBar);
    params.delete('token');
    const rest = params.toString();
    history.replaceState(history.state, '', location.pathname + (rest ? `?${rest}` : '') + location.hash);
  }
  return linkTokens.get(location.pathname) || '';
}
