// @ts-check
import { attachmentView, byId, clock, el, post, stickToEnd, typingIndicator } from './dom.js';

/**
 * Shapes of the emulators' live feeds (tools/emulators/genesys-cloud/types.ts, and the same shapes from
 * tools/emulators/genesys-multicloud-cx: its interactions as conversations), as far as the desk reads them.
 * @typedef {{ state: 'pending' | 'delivered' | 'failed' | 'skipped', attempts: unknown[] }} Delivery
 * @typedef {{ seq: number, at: string, direction: 'Inbound' | 'Outbound', type: string, id: string,
 *   payload: Record<string, any>, delivery?: Delivery }} LogEntry
 * @typedef {{ id: string, purpose: string, name?: string, connectedTime?: string, endTime?: string,
 *   disconnectType?: string }} Participant
 * @typedef {{ id: string, customer: { id: string, nickname?: string }, state: 'connected' | 'disconnected',
 *   customAttributes: Record<string, string>, participants: Participant[], agent: { name: string } | null,
 *   createdAt: string, messages: LogEntry[] }} Conversation
 * @typedef {{ key: string, at: string, view: () => HTMLElement, status?: string }} Row
 */

const IMAGE = { path: '/sample-invoice.png', mime: 'image/png', filename: 'invoice.png' };

/** @param {Conversation} c */
const customerName = (c) => c.customer.nickname || c.customer.id;

/** @param {Conversation} c */
function stateOf(c) {
  if (c.state === 'disconnected') return { label: 'ended', tone: 'ended' };
  if (c.agent) return { label: `with ${c.agent.name}`, tone: 'active' };
  return { label: 'waiting', tone: 'waiting' };
}

/** @param {LogEntry} entry */
const attachmentsOf = (entry) =>
  (Array.isArray(entry.payload.content) ? entry.payload.content : []).filter((c) => c.attachment).map((c) => c.attachment);

/**
 * @param {LogEntry} entry
 * @param {Map<string, string>} receipts
 */
function deliveryStatus(entry, receipts) {
  const receipt = receipts.get(entry.id);
  if (receipt === 'Delivered') return '✓✓ delivered to the customer';
  if (receipt?.startsWith('Failed')) return `✗ not delivered to the customer${receipt.slice('Failed'.length)}`;
  switch (entry.delivery?.state) {
    case 'delivered':
      return '✓ webhook accepted by the connector';
    case 'failed':
      return '✗ webhook failed';
    default:
      return 'sending…';
  }
}

/**
 * The transcript of a conversation as rows in time order: messages both ways and agents coming and going.
 * @param {Conversation} c
 * @returns {Row[]}
 */
function transcriptRows(c) {
  const receipts = new Map(
    c.messages
      .filter((m) => m.direction === 'Inbound' && m.type === 'Receipt')
      .map((m) => {
        const code = Array.isArray(m.payload.reasons) ? m.payload.reasons[0]?.code : undefined;
        return [m.id, `${String(m.payload.status)}${code !== undefined ? ` (${code})` : ''}`];
      }),
  );
  /** @type {Row[]} */
  const rows = [];
  for (const m of c.messages) {
    if (m.type !== 'Text' && m.type !== 'Structured') continue;
    const fromCustomer = m.direction === 'Inbound';
    const status = fromCustomer ? undefined : deliveryStatus(m, receipts);
    rows.push({
      key: `m:${m.seq}`,
      at: m.at,
      status,
      view: () =>
        el(
          'li',
          { class: `bubble bubble--${fromCustomer ? 'customer' : 'agent'}` },
          el('span', { class: 'who' }, fromCustomer ? customerName(c) : 'Agent', ' ', el('time', { datetime: m.at }, clock(m.at))),
          m.payload.text ? el('p', {}, m.payload.text) : null,
          ...attachmentsOf(m).map(attachmentView),
          status ? el('span', { class: 'status' }, status) : null,
        ),
    });
  }
  for (const p of c.participants) {
    const note = (/** @type {string} */ key, /** @type {string} */ at, /** @type {string} */ text) =>
      rows.push({ key, at, view: () => el('li', { class: 'note' }, text) });
    if (p.purpose === 'agent' && p.connectedTime) note(`p:${p.id}:in`, p.connectedTime, `${p.name ?? 'An agent'} joined`);
    if (p.purpose === 'agent' && p.endTime)
      note(
        `p:${p.id}:out`,
        p.endTime,
        /_TRANSFER$|^TRANSFER$/.test(p.disconnectType ?? '')
          ? `${p.name ?? 'The agent'} ${p.connectedTime ? 'transferred the chat' : 'did not answer'}`
          : `${p.name ?? 'The agent'} left`,
      );
    if (p.purpose === 'customer' && p.endTime) note(`p:${p.id}:out`, p.endTime, 'Conversation ended');
  }
  return rows.sort((a, b) => a.at.localeCompare(b.at));
}

/**
 * The emulated agent desk (Genesys Cloud or Multicloud CX): the queue, the selected conversation, and the agent's
 * actions; actions the contact center has not (typing and attachments on Multicloud CX) stay disabled.
 */
export function deskPanel() {
  let capabilities = { typing: true, attachments: true };
  /** @type {Map<string, Conversation>} */
  const conversations = new Map();
  /** @type {Map<string, HTMLElement>} */
  const listItems = new Map();
  /** @type {Map<string, HTMLElement>} rows of the selected conversation's transcript */
  const rowViews = new Map();
  /** @type {string | undefined} */
  let selectedId;

  const list = byId('conversations');
  const transcript = byId('transcript');
  const problem = byId('desk-problem');
  const customerTyping = typingIndicator(byId('customer-typing'));
  stickToEnd(transcript);
  const replyInput = /** @type {HTMLInputElement} */ (byId('reply-input'));
  const buttons = {
    join: /** @type {HTMLButtonElement} */ (byId('join-form').querySelector('button')),
    reply: /** @type {HTMLButtonElement} */ (byId('reply-form').querySelector('button')),
    transfer: /** @type {HTMLButtonElement} */ (byId('transfer-form').querySelector('button')),
    image: /** @type {HTMLButtonElement} */ (byId('send-image')),
    typing: /** @type {HTMLButtonElement} */ (byId('agent-typing-button')),
    end: /** @type {HTMLButtonElement} */ (byId('end')),
  };

  /**
   * @param {string} action
   * @param {Record<string, unknown>} [body]
   */
  const act = async (action, body = {}) => {
    if (!selectedId) return;
    try {
      await post(`/api/desk/conversations/${encodeURIComponent(selectedId)}/${action}`, body);
      problem.textContent = '';
    } catch (err) {
      problem.textContent = `${action}: ${/** @type {Error} */ (err).message}`;
    }
  };

  /** @param {string} id */
  const formValue = (id) => String(new FormData(/** @type {HTMLFormElement} */ (byId(id))).get('agentName') ?? '').trim();

  byId('join-form').addEventListener('submit', (event) => {
    event.preventDefault();
    act('join', { agentName: formValue('join-form') });
  });
  byId('transfer-form').addEventListener('submit', (event) => {
    event.preventDefault();
    act('transfer', { agentName: formValue('transfer-form') });
  });
  byId('reply-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const text = replyInput.value.trim();
    if (!text) return;
    replyInput.value = '';
    act('messages', { text });
  });
  buttons.image.addEventListener('click', () => {
    const text = replyInput.value.trim() || undefined;
    replyInput.value = '';
    act('messages', { text, attachments: [{ url: new URL(IMAGE.path, location.href).href, mime: IMAGE.mime, filename: IMAGE.filename }] });
  });
  buttons.typing.addEventListener('click', () => act('typing'));
  buttons.end.addEventListener('click', () => act('end'));

  /** @param {string} id */
  const select = (id) => {
    selectedId = id;
    rowViews.clear();
    transcript.replaceChildren();
    customerTyping.hide();
    problem.textContent = '';
    render();
    transcript.scrollTop = transcript.scrollHeight;
  };

  /** @param {Conversation} c */
  const listItem = (c) => {
    let item = listItems.get(c.id);
    if (!item) {
      item = el('li', {}, el('button', { type: 'button', class: 'conversation-item' }));
      item.firstElementChild?.addEventListener('click', () => select(c.id));
      listItems.set(c.id, item);
      list.prepend(item);
    }
    const state = stateOf(c);
    const attributes = c.customAttributes;
    const button = /** @type {HTMLElement} */ (item.firstElementChild);
    button.replaceChildren(
      el('span', { class: 'name' }, customerName(c)),
      el('span', { class: `badge badge--${state.tone}` }, state.label),
      el(
        'span',
        { class: 'meta' },
        [attributes.language, attributes.skills, attributes.priority && `priority ${attributes.priority}`].filter(Boolean).join(' · '),
      ),
    );
    if (c.id === selectedId) button.setAttribute('aria-current', 'true');
    else button.removeAttribute('aria-current');
  };

  /** @param {Conversation} c */
  const renderConversation = (c) => {
    const state = stateOf(c);
    byId('conversation-title').textContent = customerName(c);
    const badge = byId('conversation-state');
    badge.textContent = state.label;
    badge.className = `badge badge--${state.tone}`;
    byId('attributes').replaceChildren(
      ...Object.entries(c.customAttributes).flatMap(([key, value]) => [el('div', {}, el('dt', {}, key), el('dd', {}, value))]),
    );

    /** @type {Element | null} */
    let previous = null;
    for (const row of transcriptRows(c)) {
      let view = rowViews.get(row.key);
      if (!view) {
        view = row.view();
        rowViews.set(row.key, view);
        transcript.insertBefore(view, previous ? previous.nextSibling : transcript.firstChild);
      } else if (row.status) {
        const status = view.querySelector('.status');
        if (status && status.textContent !== row.status) status.textContent = row.status;
      }
      previous = view;
    }

    const open = c.state === 'connected';
    buttons.join.disabled = !open || Boolean(c.agent);
    for (const button of [buttons.reply, buttons.image, buttons.typing, buttons.transfer]) button.disabled = !open || !c.agent;
    if (!capabilities.typing) buttons.typing.disabled = true;
    if (!capabilities.attachments) buttons.image.disabled = true;
    buttons.end.disabled = !open;
    replyInput.disabled = !open || !c.agent;
  };

  const render = () => {
    for (const c of conversations.values()) listItem(c);
    byId('no-conversations').hidden = conversations.size > 0;
    const selected = selectedId ? conversations.get(selectedId) : undefined;
    byId('conversation').hidden = !selected;
    if (selected) renderConversation(selected);
  };

  /**
   * Adds or replaces a conversation; keeps messages it already knows that the (possibly older) view lacks.
   * @param {Conversation} incoming
   */
  const upsert = (incoming) => {
    const known = conversations.get(incoming.id);
    if (known) {
      const bySeq = new Map(known.messages.map((m) => [m.seq, m]));
      for (const m of incoming.messages) bySeq.set(m.seq, m);
      incoming.messages = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
    }
    conversations.set(incoming.id, incoming);
    const current = selectedId ? conversations.get(selectedId) : undefined;
    if (!known && (!current || current.state === 'disconnected')) selectedId = incoming.id;
  };

  /** @param {{ conversations: Conversation[], routing: { queueName: string }, capabilities?: { typing: boolean, attachments: boolean } }} desk */
  const reset = (desk) => {
    if (desk.capabilities) capabilities = desk.capabilities;
    conversations.clear();
    listItems.clear();
    list.replaceChildren();
    selectedId = undefined;
    byId('queue-name').textContent = desk.routing.queueName;
    const byAge = [...desk.conversations].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    byAge.forEach(upsert);
    const open = byAge.filter((c) => c.state === 'connected').pop() ?? byAge.at(-1);
    if (open) select(open.id);
    else render();
  };

  /** @param {any} change a frame of the emulator's live feed */
  const apply = (change) => {
    const before = selectedId;
    switch (change.type) {
      case 'conversation':
        upsert(change.conversation);
        break;
      case 'message': {
        const c = conversations.get(change.conversationId);
        if (!c) return;
        if (!c.messages.some((m) => m.seq === change.entry.seq)) c.messages.push(change.entry);
        if (change.conversationId === selectedId && change.entry.direction === 'Inbound') {
          if (change.entry.type === 'Event') customerTyping.show('The customer is typing…');
          if (change.entry.type === 'Text') customerTyping.hide();
        }
        break;
      }
      case 'delivery': {
        const entry = conversations.get(change.conversationId)?.messages.find((m) => m.id === change.messageId && m.delivery);
        if (entry) entry.delivery = change.delivery;
        break;
      }
      case 'routing':
        byId('queue-name').textContent = change.routing.queueName;
        return;
      case 'reset':
        reset({ conversations: [], routing: { queueName: byId('queue-name').textContent ?? '' } });
        return;
      default:
        return;
    }
    if (selectedId !== before && selectedId) select(selectedId);
    else render();
  };

  return { reset, apply };
}
