// Dead letters: deliveries that failed after their retries; replay puts one back in its session's queue.
import { api, query } from './api.js';
import { el, failed, formatTime, latestOnly, reloadOn, rowButton, table, toast } from './ui.js';

/** What was not delivered: the bot event's type, or the contact-center command's kind. */
const what = (d) => d.entry?.body?.event?.type ?? d.entry?.body?.kind ?? '?';

export function createDeadLetters({ endpointSelect }) {
  const form = document.getElementById('dead-letters-filters');
  const startLoad = latestOnly();

  async function load() {
    const current = startLoad();
    try {
      const list = await api(`/admin/v1/dead-letters${query({ endpointId: endpointSelect.value, limit: 100 })}`);
      if (!current()) return;
      document.getElementById('dead-letters-table').replaceChildren(
        table(
          [
            { label: 'Failed', cell: (d) => formatTime(d.failedAt) },
            { label: 'Endpoint', cell: (d) => d.endpointId },
            { label: 'Session', cell: (d) => el('span', { class: 'mono', text: d.sessionId }) },
            { label: 'Direction', cell: (d) => (d.lane === 'to-bot' ? 'to the bot' : 'to the agent') },
            { label: 'What', cell: (d) => what(d) },
            { label: 'Reason', cell: (d) => d.reason },
            { label: 'Attempts', num: true, cell: (d) => d.attempts },
            {
              label: 'Actions',
              cell: (d) => rowButton('Replay', `Replay ${what(d)} of session ${d.sessionId}`, () => replay(d), ''),
            },
          ],
          list.items,
          { caption: 'Dead letters', empty: 'No dead letters.' },
        ),
      );
    } catch (err) {
      failed(err);
    }
  }

  async function replay(deadLetter) {
    try {
      await api(`/admin/v1/dead-letters/${encodeURIComponent(deadLetter.id)}/replay`, { method: 'POST' });
      toast(`Replayed ${what(deadLetter)} of ${deadLetter.sessionId}`);
      await load();
    } catch (err) {
      failed(err);
    }
  }

  reloadOn(form, load);

  return { show: load, hide() {} };
}
