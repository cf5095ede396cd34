// @ts-check
import { attachmentView, byId, clock, el, post, stickToEnd, typingIndicator } from './dom.js';

/**
 * @typedef {{ id: string, at: string, from: 'user' | 'bot' | 'agent' | 'system', text?: string,
 *   attachments?: { url: string, mime?: string, filename?: string }[], agentName?: string }} ChatEntry
 * @typedef {{ sessionId: string, nickname: string, mode: 'bot' | 'connecting' | 'queued' | 'agent',
 *   agentName?: string, position?: number, estimatedWaitMs?: number }} CustomerStatus
 */

const TYPING_EVERY_MS = 3000;

/** @param {CustomerStatus} status @param {string} provider the contact center's name */
function describeStatus(status, provider) {
  switch (status.mode) {
    case 'bot':
      return 'Talking to the bot';
    case 'connecting':
      return 'Handing over to an agent…';
    case 'queued': {
      const parts = ['Waiting for an agent'];
      if (typeof status.position === 'number') parts.push(`position ${status.position}`);
      if (typeof status.estimatedWaitMs === 'number') parts.push(`about ${Math.max(1, Math.round(status.estimatedWaitMs / 1000))} s`);
      return parts.join(' · ');
    }
    case 'agent':
      return `Talking to ${status.agentName ?? 'an agent'} (${provider})`;
  }
}

/** The routing form as the handover's routing data. */
function readRouting() {
  const form = /** @type {HTMLFormElement} */ (byId('routing-form'));
  const data = new FormData(form);
  const text = (/** @type {string} */ name) => String(data.get(name) ?? '').trim();
  const priority = Number.parseInt(text('priority'), 10);
  const customAttributes = Object.fromEntries(
    text('customAttributes')
      .split('\n')
      .map((line) => line.split('='))
      .filter((parts) => parts.length >= 2 && parts[0].trim())
      .map(([key, ...value]) => [key.trim(), value.join('=').trim()]),
  );
  return {
    nickname: text('nickname'),
    language: text('language'),
    skills: text('skills')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    priority: Number.isNaN(priority) ? undefined : priority,
    customAttributes,
  };
}

/** @param {ChatEntry} entry */
function entryView(entry) {
  const who = { user: 'You', bot: 'Bot', agent: entry.agentName ?? 'Agent', system: '' }[entry.from];
  if (entry.from === 'system') return el('li', { class: 'note' }, entry.text ?? '');
  return el(
    'li',
    { class: `bubble bubble--${entry.from}` },
    el('span', { class: 'who' }, who, ' ', el('time', { datetime: entry.at }, clock(entry.at))),
    entry.text ? el('p', {}, entry.text) : null,
    ...(entry.attachments ?? []).map(attachmentView),
  );
}

/** The customer's panel: chat log, status line, composer, routing form. */
export function customerPanel() {
  const log = byId('chat');
  const statusLine = byId('customer-status');
  const leave = byId('leave');
  const routing = /** @type {HTMLDetailsElement} */ (byId('routing'));
  const input = /** @type {HTMLInputElement} */ (byId('chat-input'));
  const typing = typingIndicator(byId('agent-typing'));
  /** @type {CustomerStatus['mode']} */
  let mode = 'bot';
  let provider = 'Genesys Cloud';
  let lastTypingSent = 0;
  stickToEnd(log);

  /** @param {ChatEntry} entry */
  const add = (entry) => {
    if (entry.from === 'agent') typing.hide();
    log.append(entryView(entry));
  };

  /** @param {CustomerStatus} status */
  const setStatus = (status) => {
    // The routing form has done its job once the handover starts; the chat gets the room.
    if ((mode === 'bot') !== (status.mode === 'bot')) routing.open = status.mode === 'bot';
    mode = status.mode;
    statusLine.textContent = describeStatus(status, provider);
    statusLine.dataset.mode = status.mode;
    leave.hidden = status.mode === 'bot';
  };

  /** @param {Error} err */
  const problem = (err) => add({ id: crypto.randomUUID(), at: new Date().toISOString(), from: 'system', text: `Not sent: ${err.message}` });

  byId('chat-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = '';
    lastTypingSent = 0;
    post('/api/chat/messages', { text, routing: readRouting() }).catch(problem);
  });
  input.addEventListener('input', () => {
    if (mode === 'bot' || Date.now() - lastTypingSent < TYPING_EVERY_MS) return;
    lastTypingSent = Date.now();
    post('/api/chat/typing').catch(() => undefined);
  });
  leave.addEventListener('click', () => post('/api/chat/leave').catch(problem));
  byId('restart').addEventListener('click', () => post('/api/chat/restart').catch(problem));

  return {
    /** @param {{ chat: ChatEntry[], status: CustomerStatus, provider?: { label: string } }} snapshot */
    reset(snapshot) {
      if (snapshot.provider) provider = snapshot.provider.label;
      log.replaceChildren();
      typing.hide();
      snapshot.chat.forEach(add);
      setStatus(snapshot.status);
      log.scrollTop = log.scrollHeight;
    },
    add,
    setStatus,
    /** @param {{ agentName?: string }} who */
    agentTyping({ agentName }) {
      typing.show(`${agentName ?? 'The agent'} is typing…`);
    },
  };
}
