import { randomUUID } from 'node:crypto';
import type { BotEvent } from '../../src/handover/domain/bot-events';
import type { EndReason } from '../../src/handover/domain/handover.model';
import type { BotApi } from './bot-api';
import type { ChatEntry, CustomerStatus, RoutingChoice } from './demo-events';

const WANTS_HUMAN = /\b(agent|human)s?\b/i;

const ANSWERS: [RegExp, string][] = [
  [/\b(hi|hello|hey)\b/i, 'Hello! I can tell you our opening hours or prices, or connect you to a person: just say “agent”.'],
  [/\b(hours?|open)\b/i, "We're open around the clock (it's a demo, after all)."],
  [/\b(price|prices|cost|plan)\b/i, 'Plans start at 9 € a month. For anything tricky, ask for an “agent”.'],
  [/\bthank/i, "You're welcome!"],
];
const FALLBACK = "I'm a tiny scripted bot and only know a few things. Type “agent” or “human” to talk to a person.";
const GREETING = "Hi, I'm the demo bot. Ask me about opening hours or prices, or type “agent” to talk to a human.";
export const BACK_WITH_THE_BOT = "You're back with the bot. Anything else I can do for you?";

const END_REASONS: Record<EndReason, string> = {
  agent_ended: 'The agent ended the chat.',
  customer_ended: 'You left the chat with the agent.',
  bot_released: 'You left the chat with the agent.',
  inactivity_timeout: 'The chat with the agent timed out.',
  queue_timeout: 'No agent was free in time.',
  admin_released: 'An administrator ended the chat.',
  provider_error: 'The contact center could not be reached.',
};

function chatEntry(fields: Omit<ChatEntry, 'id' | 'at'>): ChatEntry {
  return { id: randomUUID(), at: new Date().toISOString(), ...fields };
}

export type Publish = (event: 'chat' | 'status' | 'agent-typing' | 'chat-reset', data: unknown) => void;

/**
 * The customer's side of the playground: a scripted bot that answers a few things and, on "agent" or "human",
 * hands the conversation over through the connector's bot API; during the handover it relays the customer's
 * messages and shows the connector's callbacks; afterwards it answers again. One customer at a time.
 */
export class DemoBot {
  private chat: ChatEntry[] = [];
  private status!: CustomerStatus;
  /** Customer actions run one after the other, so their API calls reach the connector in order. */
  private serial: Promise<unknown> = Promise.resolve();
  /** Callback ids already shown: a retried delivery (same `webhook-id`) is shown once. */
  private readonly seen = new Set<string>();

  constructor(
    private readonly api: BotApi,
    private readonly publish: Publish,
  ) {
    this.newCustomer();
  }

  snapshot(): { chat: ChatEntry[]; status: CustomerStatus } {
    return { chat: [...this.chat], status: { ...this.status } };
  }

  userMessage(text: string, routing: RoutingChoice): Promise<void> {
    return this.inOrder(async () => {
      const entry = this.say({ from: 'user', text });
      if (this.status.mode === 'bot') {
        if (WANTS_HUMAN.test(text)) return this.handOver(routing);
        this.say({ from: 'bot', text: ANSWERS.find(([pattern]) => pattern.test(text))?.[1] ?? FALLBACK });
        return;
      }
      await this.api.sendMessage(this.status.sessionId, { messageId: entry.id, text }).catch((err: Error) => {
        this.say({ from: 'system', text: `Your message could not be sent: ${err.message}` });
      });
    });
  }

  userTyping(): Promise<void> {
    return this.inOrder(async () => {
      if (this.status.mode !== 'bot') await this.api.typing(this.status.sessionId).catch(() => undefined);
    });
  }

  /** The customer leaves the agent (the bot platform's release). */
  leave(): Promise<void> {
    return this.inOrder(async () => {
      if (this.status.mode === 'bot') return;
      await this.api.release(this.status.sessionId).catch((err: Error) => {
        this.say({ from: 'system', text: `Could not leave the agent: ${err.message}` });
      });
    });
  }

  /** A new customer (new session); a live handover of the previous one is released. */
  restart(): Promise<void> {
    return this.inOrder(async () => {
      if (this.status.mode !== 'bot') await this.api.release(this.status.sessionId).catch(() => undefined);
      this.newCustomer();
      this.publish('chat-reset', this.snapshot());
    });
  }

  /** A verified callback from the connector. Events of an earlier customer are acknowledged and ignored. */
  callback(event: BotEvent): void {
    if (event.sessionId !== this.status.sessionId || this.seen.has(event.id)) return;
    this.seen.add(event.id);
    switch (event.type) {
      case 'handover.queued':
        this.setStatus({ mode: 'queued' });
        this.say({ from: 'system', text: "You're in the queue for an agent." });
        break;
      case 'handover.queue_update': {
        const { position, estimatedWaitMs } = (event as BotEvent<'handover.queue_update'>).data;
        this.setStatus({ position, estimatedWaitMs });
        break;
      }
      case 'agent.joined': {
        const name = (event as BotEvent<'agent.joined'>).data.agent.name ?? 'An agent';
        const transferred = this.status.mode === 'agent';
        this.setStatus({ mode: 'agent', agentName: name, position: undefined, estimatedWaitMs: undefined });
        this.say({ from: 'system', text: transferred ? `${name} took over the chat.` : `${name} joined the chat.` });
        break;
      }
      case 'agent.message': {
        const { text, attachments, agent } = (event as BotEvent<'agent.message'>).data;
        this.say({
          from: 'agent',
          text,
          agentName: agent.name,
          attachments: attachments.map(({ url, mime, filename }) => ({ url, mime, filename })),
        });
        break;
      }
      case 'agent.typing':
        this.publish('agent-typing', { agentName: (event as BotEvent<'agent.typing'>).data.agent.name });
        break;
      case 'handover.ended':
        this.setStatus({ mode: 'bot', agentName: undefined, position: undefined, estimatedWaitMs: undefined });
        this.say({
          from: 'system',
          text: END_REASONS[(event as BotEvent<'handover.ended'>).data.reason] ?? 'The chat with the agent ended.',
        });
        this.say({ from: 'bot', text: BACK_WITH_THE_BOT });
        break;
    }
  }

  private async handOver(routing: RoutingChoice): Promise<void> {
    this.say({ from: 'bot', text: "Sure, I'm connecting you to a human agent. Please hold on…" });
    const nickname = routing.nickname?.trim() || this.status.nickname;
    this.setStatus({ mode: 'connecting', nickname });
    try {
      await this.api.startHandover({
        sessionId: this.status.sessionId,
        userId: this.status.sessionId.replace(/^web-/, 'visitor-'),
        user: { nickname },
        language: routing.language,
        skills: routing.skills,
        priority: routing.priority,
        customAttributes: routing.customAttributes,
        transcript: this.chat.filter((e) => e.from !== 'system' && e.text).map((e) => ({ from: e.from, text: e.text, time: e.at })),
      });
    } catch (err) {
      this.setStatus({ mode: 'bot' });
      this.say({ from: 'bot', text: `Sorry, I couldn't reach an agent: ${(err as Error).message}` });
    }
  }

  /** Starts over without publishing: the caller publishes the new snapshot when there is anyone to tell. */
  private newCustomer(): void {
    this.status = { sessionId: `web-${randomUUID().slice(0, 8)}`, nickname: 'Ada', mode: 'bot' };
    this.chat = [chatEntry({ from: 'bot', text: GREETING })];
  }

  private say(fields: Omit<ChatEntry, 'id' | 'at'>): ChatEntry {
    const entry = chatEntry(fields);
    this.chat.push(entry);
    this.publish('chat', entry);
    return entry;
  }

  private setStatus(change: Partial<CustomerStatus>): void {
    this.status = { ...this.status, ...change };
    this.publish('status', this.status);
  }

  private inOrder(work: () => Promise<void>): Promise<void> {
    const run = this.serial.then(work);
    this.serial = run.catch(() => undefined);
    return run;
  }
}
