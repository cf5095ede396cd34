// @ts-check
import { byId, clock, el, stickToEnd } from './dom.js';

/**
 * @typedef {'customer' | 'bot' | 'connector' | 'genesys' | 'agent'} Party
 * @typedef {{ id: string, at: string, from: Party, to: Party, channel: string, summary: string,
 *   outcome: 'ok' | 'retry' | 'error' }} Hop
 */

/** @type {Record<Party, string>} */
const PARTY = { customer: 'Customer', bot: 'Bot', connector: 'Connector', genesys: 'Genesys', agent: 'Agent' };

/** @param {Hop} hop */
function hopView(hop) {
  const route =
    hop.from === hop.to
      ? el('span', { class: 'route' }, el('span', { class: `party party--${hop.from}` }, PARTY[hop.from]))
      : el(
          'span',
          { class: 'route' },
          el('span', { class: `party party--${hop.from}` }, PARTY[hop.from]),
          el('span', { class: 'arrow', 'aria-label': 'to' }, '→'),
          el('span', { class: `party party--${hop.to}` }, PARTY[hop.to]),
        );
  const li = el(
    'li',
    { class: `hop channel--${hop.channel.replace(/\s+/g, '-')} outcome--${hop.outcome}` },
    el('time', { datetime: hop.at }, clock(hop.at, true)),
    route,
    el('span', { class: 'channel' }, hop.channel),
    el('span', { class: 'summary' }, hop.summary),
  );
  li.dataset.at = hop.at;
  return li;
}

/** The connector timeline: hops in the order they happened (sources report with different delays). */
export function timelinePanel() {
  const list = byId('timeline');
  const empty = byId('timeline-empty');
  stickToEnd(list);

  /** @param {Hop} hop */
  const add = (hop) => {
    const firstLater = [...list.children].find((node) => /** @type {HTMLElement} */ (node.dataset.at ?? '') > hop.at);
    list.insertBefore(hopView(hop), firstLater ?? null);
    empty.hidden = true;
  };

  return {
    /** @param {Hop[]} hops */
    reset(hops) {
      list.replaceChildren();
      empty.hidden = hops.length > 0;
      hops.forEach(add);
      list.scrollTop = list.scrollHeight;
    },
    add,
  };
}
