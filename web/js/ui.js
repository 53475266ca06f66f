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
  return formDialog({ title, message, confirmLabel, danger }).then((values) => values !== null);
}

/**
 * A modal form for an action: fields [{ name, label, type: 'text' | 'textarea' | 'checkbox',
 * required, checked }], an optional impact line, and an optional phrase to type before the
 * confirm button works (deleting or banning: the customer's e-mail). Resolves the values
 * ({ name: string | boolean }) when confirmed, null when cancelled.
 */
export function formDialog({ title, message = '', fields = [], impact = '', typeToConfirm = '', confirmLabel = t('confirm.ok'), danger = false }) {
  return new Promise((resolve) => {
    const previous = document.activeElement;
    const dialog = document.createElement('dialog');
    dialog.className = 'confirm';
    dialog.setAttribute('aria-labelledby', 'form-dialog-title');
    const form = document.createElement('form');
    form.noValidate = true;
    const article = document.createElement('article');
    const h = document.createElement('h2');
    h.id = 'form-dialog-title';
    h.textContent = title;
    article.append(h);
    if (message) {
      const p = document.createElement('p');
      p.id = 'form-dialog-message';
      p.textContent = message;
      dialog.setAttribute('aria-describedby', p.id);
      article.append(p);
    }
    const inputs = {};
    for (const f of fields) {
      const label = document.createElement('label');
      const input = document.createElement(f.type === 'textarea' ? 'textarea' : 'input');
      input.name = f.name;
      if (f.type === 'checkbox') {
        input.type = 'checkbox';
        input.checked = !!f.checked;
        label.append(input, ` ${f.label}`);
      } else {
        if (f.type !== 'textarea') input.type = 'text';
        input.required = !!f.required;
        label.append(f.label, input);
      }
      inputs[f.name] = input;
      article.append(label);
    }
    if (impact) {
      const impactLine = document.createElement('p');
      impactLine.setAttribute('role', 'status');
      impactLine.dataset.testid = 'impact';
      impactLine.textContent = impact;
      article.append(impactLine);
    }
    let typed = null;
    if (typeToConfirm) {
      const label = document.createElement('label');
      typed = document.createElement('input');
      typed.type = 'text';
      typed.autocomplete = 'off';
      label.append(t('confirm.type', { phrase: typeToConfirm }), typed);
      article.append(label);
    }
    const footer = document.createElement('footer');
    const cancel = document.createElement('button');
    cancel.type = 'button';
    cancel.className = 'secondary';
    cancel.textContent = t('confirm.cancel');
    const ok = document.createElement('button');
    ok.type = 'submit';
    ok.textContent = confirmLabel;
    if (danger) ok.classList.add('danger');
    const ready = () => {
      const filled = fields.every((f) => !f.required || inputs[f.name].value.trim());
      ok.disabled = !filled || (typed && typed.value.trim() !== typeToConfirm);
    };
    form.addEventListener('input', ready);
    ready();
    footer.append(cancel, ok);
    article.append(footer);
    form.append(article);
    dialog.append(form);
    document.body.append(dialog);
    const finish = (answer) => {
      dialog.close();
      dialog.remove();
      previous?.focus?.();
      resolve(answer);
    };
    cancel.addEventListener('click', () => finish(null));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      if (ok.disabled) return;
      finish(Object.fromEntries(fields.map((f) => [f.name, f.type === 'checkbox' ? inputs[f.name].checked : inputs[f.name].value.trim()])));
    });
    dialog.addEventListener('cancel', (e) => { e.preventDefault(); finish(null); });
    dialog.addEventListener('click', (e) => { if (e.target === dialog) finish(null); });
    dialog.showModal();
    (fields.length ? inputs[fields[0].name] : cancel).focus(); // the safe choice, or the first field
  });
}
