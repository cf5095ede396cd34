import { randomUUID } from 'node:crypto';
import { ControlError } from '../shared/control-errors';
import type { DeliveryRecord } from '../shared/signed-webhooks';
import type { Channel, ChannelInput, DeskConversation, InteractionView, LogEntry, McxChange, RoutingCall } from './types';

/** What the store keeps of an interaction is what the control API shows of it. */
export type Interaction = InteractionView;

const interactionKey = (channelId: string, consumerId: string) => `${channelId}\u0000${consumerId}`;

/**
 * The emulator's memory: channels, and interactions keyed by (channel, consumer). A consumer has at most one open
 * (not Done) interaction per channel; its messages continue it, and after Done the next one opens a new interaction.
 */
export class McxStore {
  readonly channels = new Map<string, Channel>();
  private readonly interactions = new Map<string, Interaction>();
  /** (channel, consumer) → the open interaction. */
  private readonly open = new Map<string, string>();
  /** Agent message id → its interaction. */
  private readonly agentMessages = new Map<string, string>();
  private readonly listeners = new Set<(change: McxChange) => void>();
  private seq = 0;
  private messageSeq = 0;

  addChannel(input: ChannelInput): Channel {
    for (const key of ['channelId', 'ccid', 'requestSecret', 'webhookUrl'] as const) {
      if (typeof input?.[key] !== 'string' || !input[key]) throw new ControlError(400, `${key} is required`);
    }
    const channel: Channel = {
      channelId: input.channelId,
      ccid: input.ccid,
      requestSecret: input.requestSecret,
      webhookSecret: input.webhookSecret || input.requestSecret,
      webhookUrl: input.webhookUrl,
      interactionsWebhookUrl: input.interactionsWebhookUrl || undefined,
      apiKey: input.apiKey || undefined,
      routingUrl: input.routingUrl || undefined,
      routingToken: input.routingToken || undefined,
      type: input.type || 'sms',
      name: input.name || `Channel ${input.channelId}`,
    };
    this.channels.set(channel.channelId, channel);
    return channel;
  }

  /** A Nexus message id, shaped like the examples' `<epoch-ms>-<seq>`. */
  nextMessageId(): string {
    return `${Date.now()}-${this.messageSeq++}`;
  }

  get(id: string): Interaction | undefined {
    return this.interactions.get(id);
  }

  all(): Interaction[] {
    return [...this.interactions.values()];
  }

  openInteraction(channelId: string, consumerId: string): Interaction | undefined {
    const id = this.open.get(interactionKey(channelId, consumerId));
    return id ? this.interactions.get(id) : undefined;
  }

  /** The newest interaction of a consumer on a channel, open or Done. */
  latest(channelId: string, consumerId: string): Interaction | undefined {
    return this.all()
      .filter((i) => i.channelId === channelId && i.consumerId === consumerId)
      .pop();
  }

  createInteraction(channelId: string, consumerId: string): Interaction {
    const interaction: Interaction = {
      id: randomUUID(),
      channelId,
      consumerId,
      state: 'queued',
      agent: null,
      createdAt: new Date().toISOString(),
      routingCalls: [],
      messages: [],
      lifecycle: [],
    };
    this.interactions.set(interaction.id, interaction);
    this.open.set(interactionKey(channelId, consumerId), interaction.id);
    this.changed(interaction);
    return interaction;
  }

  accept(interaction: Interaction, agentName: string): void {
    interaction.state = 'active';
    interaction.agent = { name: agentName };
    interaction.acceptedAt ??= new Date().toISOString();
    this.changed(interaction);
  }

  transfer(interaction: Interaction, agentName: string): void {
    interaction.agent = { name: agentName };
    this.changed(interaction);
  }

  finish(interaction: Interaction, by: 'agent' | 'workflow'): void {
    interaction.state = 'done';
    interaction.finishedAt = new Date().toISOString();
    interaction.finishedBy = by;
    this.open.delete(interactionKey(interaction.channelId, interaction.consumerId));
    this.changed(interaction);
  }

  append(interaction: Interaction, entry: Omit<LogEntry, 'seq' | 'at'>): LogEntry {
    const full: LogEntry = { seq: this.seq++, at: new Date().toISOString(), ...entry };
    interaction.messages.push(full);
    if (full.direction === 'Outbound') this.agentMessages.set(full.id, interaction.id);
    this.emit({ type: 'message', conversationId: interaction.id, entry: structuredClone(full) });
    return full;
  }

  /** The agent message (Outbound entry) with this Nexus id, in any interaction of the consumer on the channel. */
  findAgentMessage(channelId: string, consumerId: string, messageId: string): { interaction: Interaction; entry: LogEntry } | undefined {
    const interaction = this.interactions.get(this.agentMessages.get(messageId) ?? '');
    if (!interaction || interaction.channelId !== channelId || interaction.consumerId !== consumerId) return undefined;
    const entry = interaction.messages.find((m) => m.direction === 'Outbound' && m.id === messageId);
    return entry && { interaction, entry };
  }

  deliveryUpdated(interactionId: string, delivery: DeliveryRecord): void {
    this.emit({ type: 'delivery', conversationId: interactionId, messageId: delivery.messageId, delivery: structuredClone(delivery) });
  }

  routingCalled(interaction: Interaction, call: RoutingCall): void {
    interaction.routingCalls.push(call);
    this.emit({ type: 'routing-call', conversationId: interaction.id, call: structuredClone(call) });
    this.changed(interaction);
  }

  view(interaction: Interaction): InteractionView {
    return structuredClone(interaction);
  }

  /** The interaction as the demo's agent desk reads a conversation; the routing answer is its participant data. */
  deskView(interaction: Interaction): DeskConversation {
    const userData = [...interaction.routingCalls].reverse().find((c) => c.userData)?.userData ?? {};
    const attributes: Record<string, string> = {};
    for (const [key, value] of Object.entries(userData)) {
      if (key === 'customAttributes' && typeof value === 'object' && value !== null) {
        for (const [k, v] of Object.entries(value)) attributes[k] = String(v);
      } else if (key !== 'handoverId' && value !== undefined && value !== null) {
        attributes[key] = Array.isArray(value) ? value.join(',') : String(value);
      }
    }
    const participants: DeskConversation['participants'] = [];
    if (interaction.acceptedAt) {
      participants.push({
        id: `${interaction.id}-agent`,
        purpose: 'agent',
        name: interaction.agent?.name,
        connectedTime: interaction.acceptedAt,
        endTime: interaction.finishedAt,
      });
    }
    if (interaction.finishedAt)
      participants.push({ id: `${interaction.id}-customer`, purpose: 'customer', endTime: interaction.finishedAt });
    return {
      id: interaction.id,
      customer: { id: interaction.consumerId },
      state: interaction.state === 'done' ? 'disconnected' : 'connected',
      customAttributes: attributes,
      participants,
      agent: interaction.state === 'done' ? null : interaction.agent,
      createdAt: interaction.createdAt,
      messages: structuredClone(interaction.messages),
    };
  }

  onChange(listener: (change: McxChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(change: McxChange): void {
    for (const listener of this.listeners) listener(change);
  }

  /** Forgets every interaction; channels stay. */
  reset(): void {
    this.interactions.clear();
    this.open.clear();
    this.agentMessages.clear();
    this.emit({ type: 'reset' });
  }

  private changed(interaction: Interaction): void {
    this.emit({ type: 'conversation', conversation: this.deskView(interaction) });
  }
}
