// Small DOM helpers. Text always goes in as text (never as HTML): timelines carry what users and agents wrote.

/** `el('td', { class: 'num', text: 3 })`, `el('button', { type: 'button', onclick }, 'Release')`. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') node.textContent = String(value);
    else if (key === 'class') node.className = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/**
 * A table: `columns` are `{ label, num?, cell(row) → Node | string }`. `caption` names it for screen readers.
 * An empty list shows `empty` instead.
 */
export function table(columns, rows, { caption, empty = 'Nothing to show.' } = {}) {
  if (rows.length === 0) return el('p', { class: 'empty', text: empty });
  return el(
    'table',
    {},
    caption ? el('caption', { class: 'visually-hidden', text: caption }) : null,
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        columns.map((c) => el('th', { scope: 'col', class: c.num ? 'num' : undefined, text: c.label })),
      ),
    ),
    el(
      'tbody',
      {},
      rows.map((row) =>
        el(
          'tr',
          {},
          columns.map((c) => el('td', { class: c.num ? 'num' : undefined }, c.cell(row))),
        ),
      ),
    ),
  );
}

let toastTimer;

export function toast(message) {
  const node = document.getElementById('toast');
  node.textContent = message;
  node.classList.add('visible');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => node.classList.remove('visible'), 4000);
}

/**
 * A modal dialog (native <dialog>: focus moves in, Escape cancels, focus returns to where it was). Answers true
 * for OK. `cancel: null` shows only the OK button.
 */
export function dialog({ title, body, ok = 'OK', cancel = 'Cancel', danger = false }) {
  const node = document.getElementById('dialog');
  const okButton = document.getElementById('dialog-ok');
  const cancelButton = document.getElementById('dialog-cancel');
  const returnTo = document.activeElement;
  document.getElementById('dialog-title').textContent = title;
  document.getElementById('dialog-body').replaceChildren(typeof body === 'string' ? el('p', { text: body }) : body);
  okButton.textContent = ok;
  okButton.className = danger ? 'danger' : '';
  cancelButton.hidden = cancel === null;
  if (cancel) cancelButton.textContent = cancel;
  return new Promise((resolve) => {
    const finish = (answer) => {
      okButton.onclick = cancelButton.onclick = node.oncancel = null;
      node.close();
      if (returnTo instanceof HTMLElement) returnTo.focus();
      resolve(answer);
    };
    okButton.onclick = () => finish(true);
    cancelButton.onclick = () => finish(false);
    node.oncancel = (event) => {
      event.preventDefault();
      finish(false);
    };
    node.showModal();
    (cancel === null ? okButton : cancelButton).focus();
  });
}

/** Copies text; where the clipboard API is unavailable (plain http), selects `field` for Ctrl+C. */
export async function copy(text, field) {
  try {
    await navigator.clipboard.writeText(text);
    toast('Copied to the clipboard');
  } catch {
    if (field) {
      field.focus();
      field.select();
    }
    toast('Press Ctrl+C (or ⌘C) to copy the selected text');
  }
}

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'medium' });
const clockFormat = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });

export const formatTime = (iso) => (iso ? timeFormat.format(new Date(iso)) : '–');
export const formatClock = (iso) => (iso ? clockFormat.format(new Date(iso)) : '–');

/** 42 → "42 s", 125 → "2 min 5 s", null → "–". */
export function formatSeconds(seconds) {
  if (seconds === null || seconds === undefined) return '–';
  if (seconds < 60) return `${Math.round(seconds * 10) / 10} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

export const formatPercent = (ratio) => (ratio === null || ratio === undefined ? '–' : `${Math.round(ratio * 1000) / 10} %`);

/** Fills a <select> with the endpoints, keeping its first option ("All endpoints") and its current choice. */
export function fillEndpointSelect(select, endpoints) {
  const current = select.value;
  const [all] = select.options;
  select.replaceChildren(all, ...endpoints.map((e) => el('option', { value: e.id, text: e.name === e.id ? e.id : `${e.name} (${e.id})` })));
  select.value = endpoints.some((e) => e.id === current) ? current : '';
}

/** Shows an error of a failed action, or rethrows nothing: the console stays usable. */
export function failed(err) {
  toast(err.status === 401 ? 'Signed out: the admin token was refused' : `Failed: ${err.message}`);
}

/**
 * For loads that may overlap (a filter changed while the last answer is on its way): each call starts a load
 * and answers whether it is still the latest one, so an older answer never overwrites a newer one.
 */
export function latestOnly() {
  let latest = 0;
  return () => {
    const mine = ++latest;
    return () => mine === latest;
  };
}

/** A small button in a table row: `text` is shown, `name` is what assistive technology announces (it names the row). */
export function rowButton(text, name, action, kind = 'secondary') {
  return el('button', { type: 'button', class: `small ${kind}`.trim(), 'aria-label': name, text, onclick: () => void action() });
}

/** Submitting a filter form (re)loads its list. */
export function reloadOn(form, load) {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void load();
  });
}
