// Accessible toasts (a live region) and a modal confirm dialog built on <dialog>.
import { t } from './i18n.js';

function region(kind) {
  const id = kind === 'error' ? 'toasts-alert' : 'toasts-status';
  let el = document.getElementById(id);
  if (!el) {
    el = document.createElement('div');
    el.id = id;
    el.className = 'toasts';
    el.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    el.setAttribute('aria-live', kind === 'error' ? 'assertive' : 'polite');
    document.body.append(el);
  }
  return el;
}

/** Shows a message for a while; kind: 'info' | 'success' | 'error'. */
export function toast(message, kind = 'info', ms = 6000) {
  const item = document.createElement('div');
  item.className = `toast toast-${kind}`;
  const text = document.createElement('span');
  text.textContent = message;
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'toast-close';
  close.setAttribute('aria-label', t('toast.close'));
  close.textContent = '×';
  close.addEventListener('click', () => item.remove());
  item.append(text, close);
  region(kind).append(item);
  setTimeout(() => item.remove(), ms);
  return item;
}

/**
 * Asks for confirmation in a modal dialog. Resolves true when confirmed, false when cancelled
 * (button, Escape or backdrop). Focus returns to where it was.
 */
export function confirmDialog({ title, message, confirmLabel = t('confirm.ok'), danger = false }) {
  return new Promise((resolve) => {
    const previous = document.activeElement;
    const dialog = document.createElement('dialog');
    dialog.className = 'confirm';
    dialog.setAttribute('aria-labelledby', 'confirm-title');
    dialog.setAttribute('aria-describedby', 'confirm-message');
    const article = document.createElement('article');
    const h = document.createElement('h2');
    h.id = 'confirm-title';
    h.textContent = title;
    const p = document.createElement('p');
    p.id = 'confirm-message';
    p.textContent = message;
    const footer = document.createElement('footer');
    const cancel = document.createElement('button');
    cancel.type = 'button';
    cancel.className = 'secondary';
    cancel.textContent = t('confirm.cancel');
    const ok = document.createElement('button');
    ok.type = 'button';
    ok.textContent = confirmLabel;
    if (danger) ok.classList.add('danger');
    footer.append(cancel, ok);
    article.append(h, p, footer);
    dialog.append(article);
    document.body.append(dialog);
    const finish = (answer) => {
      dialog.close();
      dialog.remove();
      previous?.focus?.();
      resolve(answer);
    };
    cancel.addEventListener('click', () => finish(false));
    ok.addEventListener('click', () => finish(true));
    dialog.addEventListener('cancel', (e) => { e.preventDefault(); finish(false); });
    dialog.addEventListener('click', (e) => { if (e.target === dialog) finish(false); });
    dialog.showModal();
    cancel.focus(); // the safe choice has the focus
  });
}
