// @ts-check
import { customerPanel } from './chat.js';
import { deskPanel } from './desk.js';
import { byId } from './dom.js';
import { timelinePanel } from './timeline.js';

/** Wires the three panels to the demo server's one live stream (Server-Sent Events; reconnects by itself). */
const customer = customerPanel();
const timeline = timelinePanel();
const desk = deskPanel();
const connection = byId('connection');

/** @param {'connecting' | 'live' | 'lost'} state */
function setConnection(state) {
  connection.dataset.state = state;
  connection.textContent = { connecting: 'Connecting…', live: 'Live', lost: 'Reconnecting…' }[state];
}

const source = new EventSource('/api/events');
/**
 * @param {string} event
 * @param {(data: any) => void} handle
 */
const on = (event, handle) => source.addEventListener(event, (message) => handle(JSON.parse(/** @type {MessageEvent} */ (message).data)));

on('snapshot', (snapshot) => {
  for (const label of document.querySelectorAll('.provider-name')) label.textContent = snapshot.provider.label;
  document.body.dataset.provider = snapshot.provider.type;
  customer.reset(snapshot);
  timeline.reset(snapshot.timeline);
  desk.reset(snapshot.desk);
  setConnection('live');
  document.body.dataset.ready = 'true';
});
on('chat', customer.add);
on('chat-reset', customer.reset);
on('status', customer.setStatus);
on('agent-typing', customer.agentTyping);
on('timeline', timeline.add);
on('desk', desk.apply);
source.addEventListener('error', () => setConnection('lost'));
