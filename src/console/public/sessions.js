// Sessions: filter by endpoint and state, open a session's timeline, release a live handover.
import { api, query } from './api.js';
import { dialog, el, failed, formatClock, formatTime, latestOnly, reloadOn, rowButton, table, toast } from './ui.js';

const LIVE = new Set(['requested', 'queued', 'active']);

/** The interesting part of a timeline entry's detail, as text. */
function describe(entry) {
  const d = entry.detail ?? {};
  const parts = [];
  if (typeof d.text === 'string') parts.push(`“${d.text}”`);
  if (d.reason) parts.push(`reason ${d.reason}`);
  if (d.agent) parts.push(`agent ${d.agent}`);
  if (d.transfer) parts.push('after a transfer');
  if (d.routing) {
    const r = d.routing;
    parts.push(
      [r.language, (r.skills ?? []).join('+'), r.priority !== undefined ? `priority ${r.priority}` : ''].filter(Boolean).join(', '),
    );
  }
  if (d.conversationId) parts.push(`conversation ${d.conversationId}`);
  if (d.attachments) parts.push(`${d.attachments} attachment(s)`);
  if (parts.length === 0 && Object.keys(d).length) parts.push(JSON.stringify(d));
  return parts.join(' · ');
}

export function createSessions({ endpointSelect }) {
  const form = document.getElementById('sessions-filters');
  const stateSelect = document.getElementById('sessions-state');
  const timeline = document.getElementById('timeline');
  const startLoad = latestOnly();
  let open;

  async function load() {
    const current = startLoad();
    try {
      const list = await api(`/admin/v1/sessions${query({ endpointId: endpointSelect.value, state: stateSelect.value, limit: 100 })}`);
      if (!current()) return;
      document.getElementById('sessions-table').replaceChildren(
        table(
          [
            { label: 'Session', cell: (s) => el('span', { class: 'mono', text: s.sessionId }) },
            { label: 'Endpoint', cell: (s) => s.endpointId },
            { label: 'User', cell: (s) => el('span', { class: 'mono', text: s.userId }) },
            {
              label: 'State',
              cell: (s) => (s.handover ? el('span', { class: `state state-${s.handover.state}`, text: s.handover.state }) : '–'),
            },
            { label: 'Reason', cell: (s) => s.handover?.reason ?? '' },
            { label: 'Requested', cell: (s) => formatTime(s.handover?.createdAt) },
            { label: 'Agent', cell: (s) => s.handover?.agent?.name ?? '' },
            {
              label: 'Actions',
              cell: (s) =>
                el(
                  'div',
                  { class: 'actions' },
                  rowButton('Timeline', `Timeline of session ${s.sessionId}`, () => showTimeline(s.endpointId, s.sessionId)),
                  s.handover && LIVE.has(s.handover.state)
                    ? rowButton('Release', `Release session ${s.sessionId}`, () => release(s.endpointId, s.sessionId), 'danger')
                    : null,
                ),
            },
          ],
          list.items,
          { caption: 'Sessions', empty: 'No session matches.' },
        ),
        el('p', {
          class: 'hint',
          text: `${list.total} session(s)${list.total > list.items.length ? `, the first ${list.items.length} shown` : ''}.`,
        }),
      );
    } catch (err) {
      failed(err);
    }
  }

  async function showTimeline(endpointId, sessionId, focus = true) {
    try {
      const session = await api(`/admin/v1/endpoints/${encodeURIComponent(endpointId)}/sessions/${encodeURIComponent(sessionId)}`);
      open = { endpointId, sessionId };
      document.getElementById('timeline-title').textContent = `Timeline of ${sessionId}`;
      const h = session.handover;
      document.getElementById('timeline-summary').textContent =
        `${endpointId} · user ${session.userId}` + (h ? ` · handover ${h.id}: ${h.state}${h.reason ? ` (${h.reason})` : ''}` : '');
      document
        .getElementById('timeline-entries')
        .replaceChildren(
          ...session.timeline.map((entry) =>
            el(
              'li',
              {},
              el('time', { datetime: entry.time, text: formatClock(entry.time) }),
              el('span', { class: 'event', text: entry.event }),
              el('span', { text: describe(entry) }),
            ),
          ),
        );
      timeline.hidden = false;
      if (focus) timeline.focus();
    } catch (err) {
      failed(err);
    }
  }

  async function release(endpointId, sessionId) {
    const sure = await dialog({
      title: `Release ${sessionId}?`,
      body: 'The handover ends with admin_released: the bot is told, and the conversation is closed at the contact center.',
      ok: 'Release',
      danger: true,
    });
    if (!sure) return;
    try {
      await api(`/admin/v1/endpoints/${encodeURIComponent(endpointId)}/sessions/${encodeURIComponent(sessionId)}/release`, {
        method: 'POST',
      });
      toast(`Released ${sessionId}`);
      await load();
      if (open?.sessionId === sessionId && open.endpointId === endpointId) await showTimeline(endpointId, sessionId, false);
    } catch (err) {
      failed(err);
    }
  }

  reloadOn(form, load);

  return { show: load, hide() {} };
}
