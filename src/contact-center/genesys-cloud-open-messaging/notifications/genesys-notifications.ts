import { Inject, Injectable, Logger, OnApplicationShutdown, Optional } from '@nestjs/common';
import { OutboundHttp } from '../../../infrastructure/http/outbound-http';
import { MetricsService } from '../../../infrastructure/metrics/metrics.service';
import { FleetLeases } from '../../../infrastructure/redis/fleet-lease';
import { ProviderUnavailableError } from '../../provider-errors';
import { ConversationSignalPublisher } from '../conversation-signal-publisher';
import { conversationTopics } from '../conversation-signals';
import { GenesysApiClient, GenesysEndpoint } from '../genesys-api-client';
import type { NotificationMessage } from '../genesys-types';
import { ChannelTopicAnswer, NotificationChannel } from './notification-channel';
import { DEFAULT_NOTIFICATION_OPTIONS, GENESYS_NOTIFICATION_OPTIONS, notificationLease, NotificationOptions } from './notification-options';
import { ProviderProblems } from './provider-problems';

const PUBLISH_ATTEMPTS = 5;
const TOPIC_CONVERSATION = /^v2\.detail\.events\.conversation\.([A-Za-z0-9-]+)\./;

export interface ChannelStatus {
  channelId?: string;
  open: boolean;
  /** This endpoint's topics on the channel (endpoints sharing an OAuth client share its channels). */
  topics: number;
  connects: number;
}

export interface EndpointNotificationStatus {
  conversations: string[];
  channels: ChannelStatus[];
  /** Conversations not watched for want of a channel (Genesys keeps 20 per OAuth client). */
  unwatched: string[];
}

/** The OAuth client a channel belongs to: Genesys counts (and evicts) channels per user/app combination. */
const clientKey = (endpoint: GenesysEndpoint) => `${endpoint.provider.apiBaseUrl}|${endpoint.provider.clientId}`;

/**
 * Watches conversations' lifecycle topics over the Genesys Notifications API, in this process (NotificationOwners
 * decides which process: the one holding the endpoint's lease). Channels belong to an
 * OAuth client, not to an endpoint: endpoints sharing a client share its channels (a new one only when the others
 * are full), and a process never opens one when the client already has `maxChannelsPerClient - 1` (one stays free for
 * a renewal's overlap): Genesys keeps 20 per client and silently drops the oldest. Signals go to the sink in the order
 * they arrived, per endpoint; when the handover intake is briefly unavailable (Redis) they are retried in memory.
 */
@Injectable()
export class GenesysNotifications implements OnApplicationShutdown {
  private readonly logger = new Logger(GenesysNotifications.name);
  private readonly options: NotificationOptions;
  private readonly pools = new Map<string, ClientPool>();
  private readonly publishing = new Map<string, Promise<void>>();
  private closed = false;

  constructor(
    private readonly api: GenesysApiClient,
    private readonly http: OutboundHttp,
    private readonly publisher: ConversationSignalPublisher,
    @Optional() @Inject(GENESYS_NOTIFICATION_OPTIONS) options?: Partial<NotificationOptions>,
    @Optional() private readonly health?: ProviderProblems,
    @Optional() private readonly metrics?: MetricsService,
    @Optional() private readonly leases?: FleetLeases,
  ) {
    this.options = { ...DEFAULT_NOTIFICATION_OPTIONS, ...options };
  }

  async watch(endpoint: GenesysEndpoint, conversationId: string): Promise<void> {
    const key = clientKey(endpoint);
    let pool = this.pools.get(key);
    if (!pool) {
      pool = new ClientPool(key, endpoint, this.api, this.http, this.options, this.logger, {
        publish: (ep, message) => this.enqueue(ep, message),
        subscriptions: (endpoints, answer) => this.onSubscriptions(endpoints, answer),
        channelLimit: (ep, count) => this.onChannelLimit(ep, count),
        channels: (count) => this.metrics?.notificationChannels.set({ client: endpoint.provider.clientId }, count),
        fence: (endpointIds) => this.fence(endpointIds),
      });
      this.pools.set(key, pool);
    }
    await pool.watch(endpoint, conversationId);
  }

  async unwatch(endpoint: GenesysEndpoint, conversationId: string): Promise<void> {
    const key = clientKey(endpoint);
    const pool = this.pools.get(key);
    if (!pool) return;
    await pool.unwatch(conversationId);
    if (pool.isIdle) {
      pool.close();
      this.pools.delete(key);
    }
  }

  /** Stops watching every conversation of the endpoint here at once: its notifications belong to another process now. */
  dropEndpoint(endpointId: string): void {
    for (const [key, pool] of this.pools) {
      pool.dropEndpoint(endpointId);
      if (pool.isIdle) {
        pool.close();
        this.pools.delete(key);
      }
    }
  }

  /** What this process watches, per endpoint id: conversations and the channels holding them. */
  status(): Record<string, EndpointNotificationStatus> {
    const result: Record<string, EndpointNotificationStatus> = {};
    for (const pool of this.pools.values()) Object.assign(result, pool.status());
    return result;
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    const closing = [...this.pools.values()];
    this.pools.clear();
    for (const pool of closing) pool.close();
    await Promise.allSettled([...this.publishing.values()]);
  }

  /**
   * The fencing check before a channel is created (Genesys drops a client's oldest channel past 20, so a stale
   * owner creating one could push the live owner's out): this process must still hold, with its token, the lease of
   * an endpoint the channel serves. Without leases (a bare instance in a test) every creation may go ahead.
   */
  private async fence(endpointIds: string[]): Promise<void> {
    if (!this.leases) return;
    for (const id of endpointIds) if (await this.leases.confirm(notificationLease(id))) return;
    throw new ProviderUnavailableError(`Genesys notifications of ${endpointIds.join(', ')} are owned by another process now`);
  }

  private onSubscriptions(endpoints: Map<string, GenesysEndpoint>, answer: { rejected: ChannelTopicAnswer[]; permitted: string[] }): void {
    if (!this.health) return;
    const rejectedBy = new Map<string, ChannelTopicAnswer[]>();
    for (const topic of answer.rejected) {
      const endpoint = endpoints.get(TOPIC_CONVERSATION.exec(topic.id)?.[1] ?? '');
      if (endpoint) rejectedBy.set(endpoint.id, [...(rejectedBy.get(endpoint.id) ?? []), topic]);
    }
    for (const [endpointId, topics] of rejectedBy) {
      const missing = [...new Set(topics.flatMap((t) => (Array.isArray(t.missingPermissions) ? t.missingPermissions : [])))];
      const reason = topics.find((t) => t.rejectionReason)?.rejectionReason;
      const message =
        `Genesys rejected ${topics.length} notification topic(s)` +
        (missing.length > 0 ? `: the OAuth client's role lacks ${missing.join(', ')}` : reason ? `: ${reason}` : '') +
        '; agent joins, transfers and ends of these conversations are not seen';
      void this.health
        .report(endpointId, 'subscription_rejected', message, {
          topics: topics.length,
          example: topics[0].id,
          missingPermissions: missing,
          ...(reason ? { rejectionReason: reason } : {}),
        })
        .catch((err: Error) => this.logger.warn(`Cannot record the status of endpoint ${endpointId}: ${err.message}`));
    }
    const permittedBy = new Set(answer.permitted.map((t) => endpoints.get(TOPIC_CONVERSATION.exec(t)?.[1] ?? '')?.id));
    for (const endpointId of permittedBy) {
      if (endpointId && !rejectedBy.has(endpointId)) void this.health.clear(endpointId, 'subscription_rejected').catch(() => undefined);
    }
  }

  private onChannelLimit(endpoint: GenesysEndpoint, count: number): void {
    void this.health
      ?.report(
        endpoint.id,
        'channel_limit',
        `OAuth client ${endpoint.provider.clientId} has ${count} of Genesys's ${this.options.maxChannelsPerClient} notification channels; ` +
          'new conversations are not watched until one frees up (use another OAuth client, or fewer replicas per client)',
        { channels: count, limit: this.options.maxChannelsPerClient },
      )
      .catch(() => undefined);
  }

  private enqueue(endpoint: GenesysEndpoint, message: NotificationMessage): void {
    const previous = this.publishing.get(endpoint.id) ?? Promise.resolve();
    const next = previous.then(() => this.publishWithRetry(endpoint, message));
    this.publishing.set(endpoint.id, next);
    void next.finally(() => {
      if (this.publishing.get(endpoint.id) === next) this.publishing.delete(endpoint.id);
    });
  }

  private async publishWithRetry(endpoint: GenesysEndpoint, message: NotificationMessage): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.publisher.publish(endpoint, [message]);
        return;
      } catch (err) {
        if (attempt >= PUBLISH_ATTEMPTS || this.closed) {
          const what = message.topicName ?? 'a message';
          this.logger.error(`Genesys notifications: dropped ${what} for endpoint ${endpoint.id}: ${(err as Error).message}`);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
      }
    }
  }
}

interface PoolHooks {
  publish: (endpoint: GenesysEndpoint, message: NotificationMessage) => void;
  subscriptions: (endpoints: Map<string, GenesysEndpoint>, answer: { rejected: ChannelTopicAnswer[]; permitted: string[] }) => void;
  channelLimit: (endpoint: GenesysEndpoint, count: number) => void;
  channels: (count: number) => void;
  /** Rejects when this process may no longer create channels for these endpoints (see GenesysNotifications.fence). */
  fence: (endpointIds: string[]) => Promise<void>;
}

/** The channels of one OAuth client in this process, shared by every endpoint using that client. */
class ClientPool {
  private readonly channels: NotificationChannel[] = [];
  private readonly channelOf = new Map<string, NotificationChannel>();
  /** The endpoint watching each conversation: whose sink its events go to. */
  private readonly endpointOf = new Map<string, GenesysEndpoint>();
  /** Conversations waiting for room on a channel. */
  private readonly pending = new Map<string, GenesysEndpoint>();
  /** Topics assigned to each channel, counted when a conversation is placed (before its subscription is sent). */
  private readonly load = new Map<NotificationChannel, number>();
  private opening?: Promise<NotificationChannel | undefined>;
  private creation: Promise<unknown> = Promise.resolve();
  private pendingTimer?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly key: string,
    /** The endpoint last seen with this client: its credentials and rate limit make the channel calls. */
    private endpoint: GenesysEndpoint,
    private readonly api: GenesysApiClient,
    private readonly http: OutboundHttp,
    private readonly options: NotificationOptions,
    private readonly logger: Logger,
    private readonly hooks: PoolHooks,
  ) {}

  get isIdle(): boolean {
    return this.channelOf.size === 0 && this.pending.size === 0;
  }

  async watch(endpoint: GenesysEndpoint, conversationId: string): Promise<void> {
    this.endpoint = endpoint;
    this.endpointOf.set(conversationId, endpoint);
    const topics = conversationTopics(conversationId);
    let channel = this.channelOf.get(conversationId);
    while (!channel) {
      const fits = this.channels.find((c) => (this.load.get(c) ?? 0) + topics.length <= this.options.topicsPerChannel);
      if (fits) {
        // Placed at once, before any await: concurrent watches never overfill a channel.
        channel = fits;
        this.load.set(fits, (this.load.get(fits) ?? 0) + topics.length);
        this.pending.delete(conversationId);
        this.channelOf.set(conversationId, fits);
        break;
      }
      // One channel opened at a time; everyone else waits for it, then looks again.
      this.opening ??= this.openChannel(endpoint).finally(() => (this.opening = undefined));
      if (!(await this.opening)) {
        this.pending.set(conversationId, endpoint);
        this.schedulePending();
        return;
      }
      if (this.closed) return;
    }
    await channel.subscribe(topics);
  }

  async unwatch(conversationId: string): Promise<void> {
    this.pending.delete(conversationId);
    this.endpointOf.delete(conversationId);
    const channel = this.channelOf.get(conversationId);
    if (!channel) return;
    this.channelOf.delete(conversationId);
    this.load.set(channel, Math.max(0, (this.load.get(channel) ?? 0) - conversationTopics(conversationId).length));
    await channel.unsubscribe(conversationTopics(conversationId));
    this.closeEmpty([channel]);
    this.retryPending();
  }

  /** Forgets the endpoint's conversations without waiting for Genesys; channels left empty close at once. */
  dropEndpoint(endpointId: string): void {
    const touched = new Set<NotificationChannel>();
    for (const [conversationId, endpoint] of [...this.endpointOf]) {
      if (endpoint.id !== endpointId) continue;
      this.pending.delete(conversationId);
      this.endpointOf.delete(conversationId);
      const channel = this.channelOf.get(conversationId);
      if (!channel) continue;
      this.channelOf.delete(conversationId);
      const topics = conversationTopics(conversationId);
      this.load.set(channel, Math.max(0, (this.load.get(channel) ?? 0) - topics.length));
      touched.add(channel);
      void channel.unsubscribe(topics).catch(() => undefined);
    }
    this.closeEmpty(touched);
  }

  /** Closes those of `channels` that hold nothing (a channel just opened for a watch is not among them). */
  private closeEmpty(channels: Iterable<NotificationChannel>): void {
    for (const channel of channels) {
      if (channel.size > 0 || this.load.get(channel)) continue;
      channel.close();
      this.load.delete(channel);
      this.channels.splice(this.channels.indexOf(channel), 1);
      this.hooks.channels(this.channels.length);
    }
  }

  status(): Record<string, EndpointNotificationStatus> {
    const result: Record<string, EndpointNotificationStatus> = {};
    const entries = new Map<string, Map<NotificationChannel, ChannelStatus>>();
    const of = (endpointId: string) => (result[endpointId] ??= { conversations: [], channels: [], unwatched: [] });
    for (const [conversationId, channel] of this.channelOf) {
      const endpointId = this.endpointOf.get(conversationId)?.id ?? '?';
      const status = of(endpointId);
      status.conversations.push(conversationId);
      const byChannel = entries.get(endpointId) ?? new Map<NotificationChannel, ChannelStatus>();
      entries.set(endpointId, byChannel);
      let entry = byChannel.get(channel);
      if (!entry) {
        entry = { channelId: channel.channelId, open: channel.isOpen, topics: 0, connects: channel.connects };
        byChannel.set(channel, entry);
        status.channels.push(entry);
      }
      entry.topics += conversationTopics(conversationId).length;
    }
    for (const [conversationId, endpoint] of this.pending) of(endpoint.id).unwatched.push(conversationId);
    return result;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.pendingTimer);
    for (const channel of this.channels) channel.close();
    this.channels.length = 0;
    this.channelOf.clear();
    this.load.clear();
    this.pending.clear();
    this.hooks.channels(0);
  }

  /**
   * A new channel, unless the client is at its budget: this process's channels, or the client's at Genesys
   * (`includechannels=oauthclient` counts other processes and applications too), at `maxChannelsPerClient - 1`.
   */
  private async openChannel(endpoint: GenesysEndpoint): Promise<NotificationChannel | undefined> {
    const budget = this.options.maxChannelsPerClient - 1;
    const count = Math.max(this.channels.length, await this.clientChannels());
    if (this.closed) return undefined;
    if (count >= budget) {
      this.hooks.channelLimit(endpoint, count);
      return undefined;
    }
    const channel = new NotificationChannel({
      api: this.api,
      http: this.http,
      endpoint: () => this.endpoint,
      onNotification: (message) => this.route(message),
      onSubscriptions: (answer) => this.hooks.subscriptions(this.endpointOf, answer),
      // One channel created at a time per client: renewals after a socket_closing do not all overlap at once.
      creating: (create) => {
        const run = this.creation
          .catch(() => undefined)
          .then(() => this.hooks.fence([...new Set([...this.endpointOf.values()].map((e) => e.id))]))
          .then(create);
        this.creation = run;
        return run;
      },
      options: this.options,
      logger: this.logger,
    });
    this.channels.push(channel);
    this.hooks.channels(this.channels.length);
    return channel;
  }

  /** The client's channels at Genesys (0 when the listing fails: then only this process's count is known). */
  private async clientChannels(): Promise<number> {
    try {
      const listing = await this.api.json<{ entities?: unknown[] }>(this.endpoint, {
        method: 'GET',
        path: '/api/v2/notifications/channels',
        query: { includechannels: 'oauthclient' },
        operation: 'list notification channels',
        maxAttempts: 1,
      });
      return Array.isArray(listing?.entities) ? listing.entities.length : 0;
    } catch (err) {
      this.logger.debug(`Genesys notifications: cannot list the channels of ${this.key}: ${(err as Error).message}`);
      return 0;
    }
  }

  private route(message: NotificationMessage): void {
    const conversationId = TOPIC_CONVERSATION.exec(message.topicName ?? '')?.[1];
    const endpoint = conversationId ? this.endpointOf.get(conversationId) : undefined;
    if (endpoint) this.hooks.publish(endpoint, message);
  }

  private schedulePending(): void {
    if (this.pendingTimer || this.closed) return;
    this.pendingTimer = setTimeout(() => {
      this.pendingTimer = undefined;
      this.retryPending();
    }, this.options.pendingRetryMs);
    this.pendingTimer.unref();
  }

  /**
   * Watches the waiting conversations again, in order, until one finds no room: the rest wait for the next retry
   * without each asking for a channel (with many more live conversations than the client's channels hold, trying
   * every one on each retry kept a core busy).
   */
  private retryPending(): void {
    if (this.pending.size === 0 || this.closed) return;
    const waiting = [...this.pending];
    this.pending.clear();
    void (async () => {
      for (const [index, [conversationId, endpoint]] of waiting.entries()) {
        await this.watch(endpoint, conversationId).catch((err: Error) =>
          this.logger.warn(`Genesys notifications: cannot watch conversation ${conversationId}: ${err.message}`),
        );
        if (!this.pending.has(conversationId)) continue;
        for (const [later, laterEndpoint] of waiting.slice(index + 1)) {
          if (this.endpointOf.get(later) === laterEndpoint) this.pending.set(later, laterEndpoint);
        }
        return;
      }
    })();
  }
}
