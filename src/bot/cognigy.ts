import type { OutboundRequest } from '../infrastructure/http/outbound-http';
import type { CognigyNotifySettings } from '../endpoints/endpoint.model';
import type { BotCallbackEvent } from './bot-callback-event';

/** Cognigy's handover status vocabulary (`input.handover.status`, what its Lookup node switches on). */
export type CognigyHandoverStatus = 'queue' | 'active' | 'completed' | 'cancelled' | 'error';

const ENDED_STATUS: Record<string, CognigyHandoverStatus> = {
  agent_ended: 'completed',
  customer_ended: 'completed',
  bot_released: 'cancelled',
  admin_released: 'cancelled',
  queue_timeout: 'cancelled',
  inactivity_timeout: 'cancelled',
  provider_error: 'error',
};

/** The Cognigy status of a lifecycle event, or undefined for events that are not lifecycle (messages, typing). */
export function cognigyStatus(event: BotCallbackEvent): CognigyHandoverStatus | undefined {
  switch (event.type) {
    case 'handover.queued':
    case 'handover.queue_update':
      return 'queue';
    case 'agent.joined':
      return 'active';
    case 'handover.ended':
      return ENDED_STATUS[(event.data as { reason?: string }).reason ?? ''] ?? 'completed';
    default:
      return undefined;
  }
}

type Api = 'notify' | 'inject';

/** Where one API of the endpoint's Cognigy form is, and how to authenticate there. */
function target(settings: CognigyNotifySettings, api: Api, urlToken: string | undefined): { url: string; restToken?: string } {
  if (settings.apiBaseUrl) {
    return { url: `${settings.apiBaseUrl.replace(/\/+$/, '')}/new/v2.0/endpoint/${api}`, restToken: urlToken ?? settings.urlToken };
  }
  const notifyUrl = settings.notifyUrl as string;
  if (settings.apiKey) {
    // The REST API's own notify URL: the URLToken rides in the body.
    const url = api === 'notify' ? notifyUrl : (settings.injectUrl ?? notifyUrl.replace(/\/endpoint\/notify\b/, '/endpoint/inject'));
    return { url, restToken: urlToken ?? settings.urlToken };
  }
  const configured = api === 'notify' ? notifyUrl : (settings.injectUrl ?? notifyUrl.replace(/\/notify\//, '/inject/'));
  if (!urlToken) return { url: configured };
  // Another Cognigy Endpoint of the same installation: same host and path, its own URLToken as the last segment.
  const url = new URL(configured);
  url.pathname = url.pathname.replace(/[^/]+\/?$/, encodeURIComponent(urlToken));
  return { url: url.toString() };
}

/**
 * The request that tells Cognigy about an event: agent messages through Notify (straight to the user), lifecycle
 * through Inject (the Flow runs and can take over again), typing not at all (Notify has no typing, and an Inject
 * would run the Flow for nothing). `urlToken` routes a handover to another Cognigy Endpoint.
 */
export function cognigyRequest(settings: CognigyNotifySettings, event: BotCallbackEvent, urlToken?: string): OutboundRequest | undefined {
  if (event.type === 'agent.typing') return undefined;
  const status = cognigyStatus(event);
  const api: Api = event.type === 'agent.message' ? 'notify' : 'inject';
  const { url, restToken } = target(settings, api, urlToken);
  const body = {
    userId: event.userId,
    sessionId: event.sessionId,
    text: api === 'notify' ? messageText(event) : '',
    data: { handover: status ? { ...event, status } : event },
    ...(restToken !== undefined ? { URLToken: restToken } : {}),
  };
  return { method: 'POST', url, headers: settings.apiKey ? { 'x-api-key': settings.apiKey } : {}, json: body };
}

/** The agent's text, or the attachments as links when the message has none (Notify shows text). */
function messageText(event: BotCallbackEvent): string {
  const { text, attachments = [] } = event.data as { text?: string; attachments?: { url: string; filename?: string }[] };
  if (text) return text;
  return attachments.map((a) => (a.filename ? `${a.filename}: ${a.url}` : a.url)).join('\n');
}
