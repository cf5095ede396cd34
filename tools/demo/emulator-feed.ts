import WebSocket from 'ws';
import type { DeliveryRecord, EmulatorChange, LogEntry, NotificationRecord } from '../emulators/genesys-cloud';
import type { McxChange, RoutingCall } from '../emulators/genesys-multicloud-cx';
import type { TimelineDraft } from './demo-events';
import { quote } from './timeline';

/** A frame of either emulator's live feed (`/emulator/v1/live`) other than the first snapshot. */
export type LiveChange = (EmulatorChange | McxChange) & { at: string };

const LIFECYCLE_TOPICS: Record<string, string> = {
  'user.start': 'agent joined',
  'user.end': 'agent left',
  'customer.end': 'customer disconnected',
  acw: 'after-call work',
};

function contentCount(payload: Record<string, unknown>): number {
  return Array.isArray(payload.content) ? payload.content.length : 0;
}

function describeText(entry: LogEntry): string {
  const attachments = contentCount(entry.payload);
  const text = quote(entry.payload.text);
  return [text, attachments > 0 ? `+ ${attachments} attachment${attachments > 1 ? 's' : ''}` : ''].filter(Boolean).join(' ');
}

/**
 * Reads the hops through the connector off the emulator's changes: the connector's API calls (inbound messages,
 * typing, receipts), the webhook deliveries to the connector, notifications pushed to it (Genesys Cloud), the
 * Interactions webhook and the Designer application's routing-context call (Multicloud CX).
 */
export class EmulatorHops {
  /** Summaries of outbound (agent-side) messages, for their webhook deliveries. */
  private readonly outbound = new Map<string, string>();

  /** `apiChannel`: how the connector's calls to the contact center are named ("Open Messaging API"). */
  constructor(private readonly apiChannel = 'Open Messaging API') {}

  describe(change: LiveChange): TimelineDraft[] {
    switch (change.type) {
      case 'message':
        return this.message(change.entry as LogEntry);
      case 'delivery':
        return this.delivery(change.delivery);
      case 'notification':
        return this.notification(change.notification);
      case 'lifecycle':
        return this.lifecycle(change.event, change.delivery);
      case 'routing-call':
        return this.routingCall(change.call);
      default:
        return [];
    }
  }

  /** STARTED / FINISHED: recorded when queued, told once the connector answered. */
  private lifecycle(event: string, delivery: DeliveryRecord): TimelineDraft[] {
    this.outbound.set(delivery.messageId, `interaction ${event}`);
    return [];
  }

  private routingCall(call: RoutingCall): TimelineDraft[] {
    const answer = call.status !== undefined ? `→ ${call.status}` : `→ ${call.error ?? 'no answer'}`;
    const skills = Array.isArray(call.userData?.skills) ? ` skills ${call.userData.skills.join(', ')}` : '';
    return [
      {
        at: call.at,
        from: 'genesys',
        to: 'connector',
        channel: 'routing-context',
        summary: `Designer asks for the routing data ${answer}${skills}`,
        outcome: call.status === 200 ? 'ok' : 'error',
      },
    ];
  }

  private message(entry: LogEntry): TimelineDraft[] {
    if (entry.direction === 'Outbound') {
      this.outbound.set(entry.id, entry.type === 'Event' ? 'agent typing' : `agent message ${describeText(entry)}`);
      return [];
    }
    const hop = { at: entry.at, from: 'connector', to: 'genesys', channel: this.apiChannel, outcome: 'ok' } as const;
    switch (entry.type) {
      case 'Text':
        return [{ ...hop, summary: `customer message ${describeText(entry)}` }];
      case 'Event':
        return [{ ...hop, summary: 'customer typing' }];
      case 'Receipt':
        return [{ ...hop, summary: `receipt "${String(entry.payload.status)}" for an agent message` }];
      default:
        return [{ ...hop, summary: `${entry.type} message` }];
    }
  }

  private delivery(delivery: DeliveryRecord): TimelineDraft[] {
    const last = delivery.attempts.at(-1);
    if (!last || delivery.state === 'skipped') return [];
    const what = this.outbound.get(delivery.messageId) ?? 'message';
    const answer = last.status !== undefined ? `→ ${last.status}` : `→ ${last.error ?? 'no answer'}`;
    const outcome = delivery.state === 'delivered' ? 'ok' : delivery.state === 'failed' ? 'error' : 'retry';
    if (delivery.state !== 'pending') this.outbound.delete(delivery.messageId);
    const channel = what.startsWith('interaction ') ? 'Interactions webhook' : 'webhook';
    return [{ at: last.at, from: 'genesys', to: 'connector', channel, summary: `${what} ${answer}`, outcome }];
  }

  private notification(notification: NotificationRecord): TimelineDraft[] {
    if (notification.deliveredTo === 0) return [];
    const suffix = Object.keys(LIFECYCLE_TOPICS).find((key) => notification.topicName.endsWith(`.${key}`));
    const summary = suffix ? `${LIFECYCLE_TOPICS[suffix]} (${suffix})` : notification.topicName;
    return [{ at: notification.at, from: 'genesys', to: 'connector', channel: 'notification', summary, outcome: 'ok' }];
  }
}

/** Subscribes to the emulator's live feed; resolves once the feed's first snapshot arrived. */
export async function followEmulator(emulatorUrl: string, onChange: (change: LiveChange) => void): Promise<{ close(): Promise<void> }> {
  const socket = new WebSocket(`${emulatorUrl.replace(/^http/, 'ws')}/emulator/v1/live`);
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as LiveChange | { type: 'snapshot' };
      if (frame.type !== 'snapshot') return onChange(frame);
      socket.off('error', reject);
      socket.on('error', () => undefined);
      resolve();
    });
  });
  return {
    close: async () => {
      if (socket.readyState === WebSocket.CLOSED) return;
      const closed = new Promise((resolve) => socket.once('close', resolve));
      socket.close();
      await closed;
    },
  };
}
