// @ts-check
/** Small DOM and HTTP helpers shared by the playground's panels. Text is always set as text, never as HTML. */

/**
 * @param {string} tag
 * @param {Record<string, string | boolean | undefined>} [attributes]
 * @param {(Node | string | null | undefined | false)[]} children
 * @returns {HTMLElement}
 */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    node.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children) {
    if (child) node.append(child);
  }
  return node;
}

/** @param {string} id */
export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`#${id} is missing`);
  return node;
}

/**
 * HH:MM:SS, or HH:MM:SS.mmm with `precise`.
 * @param {string} iso
 * @param {boolean} [precise]
 */
export function clock(iso, precise = false) {
  const time = new Date(iso);
  const seconds = time.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
  return precise ? `${seconds}.${String(time.getMilliseconds()).padStart(3, '0')}` : seconds;
}

/**
 * POSTs JSON to the demo server; throws an Error with the server's message when it refuses.
 * @param {string} path
 * @param {unknown} [body]
 */
export async function post(path, body = {}) {
  const response = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  if (response.ok) return;
  const problem = await response.json().catch(() => ({}));
  throw new Error(typeof problem.message === 'string' ? problem.message : `${response.status} ${response.statusText}`);
}

/**
 * Keeps a scrolling list at its end as it grows (new rows, images that finish loading), unless the reader has
 * scrolled up to read something older.
 * @param {HTMLElement} list
 */
export function stickToEnd(list) {
  let pinned = true;
  let ownScrollTop = -1;
  const follow = () => {
    if (!pinned) return;
    list.scrollTop = list.scrollHeight;
    ownScrollTop = list.scrollTop;
  };
  list.addEventListener('scroll', () => {
    // Only the reader's scrolling unpins; ours can be reported after the list has already grown or shrunk.
    if (list.scrollTop !== ownScrollTop) pinned = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  });
  list.addEventListener('load', follow, true);
  new MutationObserver(follow).observe(list, { childList: true, subtree: true, characterData: true });
  new ResizeObserver(follow).observe(list);
}

/**
 * Shows a transient "… is typing" line.
 * @param {HTMLElement} line
 */
export function typingIndicator(line) {
  /** @type {number | undefined} */
  let timer;
  return {
    /** @param {string} text */
    show(text) {
      line.textContent = text;
      clearTimeout(timer);
      timer = window.setTimeout(() => (line.textContent = ''), 4000);
    },
    hide() {
      clearTimeout(timer);
      line.textContent = '';
    },
  };
}

/**
 * One attachment: an image inline, anything else as a link.
 * @param {{ url: string, mime?: string, filename?: string }} attachment
 */
export function attachmentView({ url, mime, filename }) {
  const name = filename || url.split('/').pop() || 'attachment';
  if (mime?.startsWith('image/')) {
    return el('a', { class: 'attachment', href: url, target: '_blank', rel: 'noopener' }, el('img', { src: url, alt: name }));
  }
  return el('a', { class: 'attachment file', href: url, target: '_blank', rel: 'noopener' }, `File: ${name}`);
}
