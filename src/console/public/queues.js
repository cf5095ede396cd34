// Queues: Bull Board in a frame. Its page cannot send the bearer header, so the console first asks the API for a
// short-lived pass (an HttpOnly cookie scoped to /console/queues); the admin token never leaves this tab.
import { api } from './api.js';
import { failed } from './ui.js';

export function createQueues() {
  const frame = document.getElementById('queues-frame');
  const newTab = document.getElementById('queues-new-tab');

  async function openBoard() {
    try {
      await api('/admin/v1/queue-board/session', { method: 'POST' });
      frame.src = '/console/queues/';
      frame.hidden = false;
      newTab.hidden = false;
    } catch (err) {
      failed(err);
    }
  }

  document.getElementById('queues-open').addEventListener('click', () => void openBoard());

  return {
    show() {},
    hide() {},
    /** Sign-out: the pass ends too. */
    async close() {
      frame.removeAttribute('src');
      frame.hidden = true;
      newTab.hidden = true;
      await api('/admin/v1/queue-board/session', { method: 'DELETE' }).catch(() => undefined);
    },
  };
}
