import { Inject, Injectable, Logger, OnApplicationShutdown, Optional } from '@nestjs/common';
import { OutboundHttp } from '../../../infrastructure/http/outbound-http';
import { ConversationSignalPublisher } from '../conversation-signal-publisher';
import { conversationTopics } from '../conversation-signals';
import { GenesysApiClient, GenesysEndpoint } from '../genesys-api-client';
import type { NotificationMessage } from '../genesys-types';
import { NotificationChannel } from './notification-channel';
import { DEFAULT_NOTIFICATION_OPTIONS, GENESYS_NOTIFICATION_OPTIONS, NotificationOptions } from './notification-options';

const PUBLISH_ATTEMPTS = 5;

export interface ChannelStatus {
  channelId?: string;
  open: boolean;
  topics: number;
  connects: number;
}

/**
 * Watches conversations' lifecycle topics over the Genesys Notifications API, in this process, one set of
 * channels per endpoint (a new channel whenever the others are full). Signals go to the ProviderEventBus in the
 * order they arrived; when the handover intake is briefly unavailable (Redis) they are retried in memory.
 */
@Injectable()
export class GenesysNotifications implements OnApplicationShutdown {
  private readonly logger = new Logger(GenesysNotifications.name);
  private readonly options: NotificationOptions;
  private readonly watchers = new Map<string, EndpointWatcher>();

  constructor(
    private readonly api: GenesysApiClient,
    private readonly http: OutboundHttp,
    private readonly publisher: ConversationSignalPublisher,
    @Optional() @Inject(GENESYS_NOTIFICATION_OPTIONS) options?: Partial<NotificationOptions>,
  ) {
    this.options = { ...DEFAULT_NOTIFICATION_OPTIONS, ...options };
  }

  async watch(endpoint: GenesysEndpoint, conversationId: string): Promise<void> {
    let watcher = this.watchers.get(endpoint.id);
    if (!watcher) {
      watcher = new EndpointWatcher(endpoint, this.api, this.http, this.publisher, this.options, this.logger);
      this.watchers.set(endpoint.id, watcher);
    }
    watcher.endpoint = endpoint;
    await watcher.watch(conversationId);
  }

  async unwatch(endpoint: GenesysEndpoint, conversationId: string): Promise<void> {
    const watcher = this.watchers.get(endpoint.id);
    if (!watcher) return;
    await watcher.unwatch(conversationId);
    if (watcher.isIdle) {
      watcher.close();
      this.watchers.delete(endpoint.id);
    }
  }

  /** What this process watches, per endpoint id: conversations and the state of each channel. */
  status(): Record<string, { conversations: string[]; channels: ChannelStatus[] }> {
    return Object.fromEntries([...this.watchers].map(([id, w]) => [id, { conversations: w.conversations(), channels: w.channelStatus() }]));
  }

  async onApplicationShutdown(): Promise<void> {
    const closing = [...this.watchers.values()];
    this.watchers.clear();
    for (const watcher of closing) watcher.close();
    await Promise.allSettled(closing.map((w) => w.drained()));
  }
}

class EndpointWatcher {
  private readonly channels: NotificationChannel[] = [];
  private readonly channelOf = new Map<string, NotificationChannel>();
  private publishing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    public endpoint: GenesysEndpoint,
    private readonly api: GenesysApiClient,
    private readonly http: OutboundHttp,
    private readonly publisher: ConversationSignalPublisher,
    private readonly options: NotificationOptions,
    private readonly logger: Logger,
  ) {}

  get isIdle(): boolean {
    return this.channelOf.size === 0;
  }

  conversations(): string[] {
    return [...this.channelOf.keys()];
  }

  channelStatus(): ChannelStatus[] {
    return this.channels.map((c) => ({ channelId: c.channelId, open: c.isOpen, topics: c.size, connects: c.connects }));
  }

  async watch(conversationId: string): Promise<void> {
    const topics = conversationTopics(conversationId);
    let channel = this.channelOf.get(conversationId);
    if (!channel) {
      channel = this.channels.find((c) => c.size + topics.length <= this.options.topicsPerChannel) ?? this.openChannel();
      this.channelOf.set(conversationId, channel);
    }
    await channel.subscribe(topics);
  }

  async unwatch(conversationId: string): Promise<void> {
    const channel = this.channelOf.get(conversationId);
    if (!channel) return;
    this.channelOf.delete(conversationId);
    await channel.unsubscribe(conversationTopics(conversationId));
    if (channel.size === 0) {
      channel.close();
      this.channels.splice(this.channels.indexOf(channel), 1);
    }
  }

  close(): void {
    this.closed = true;
    for (const channel of this.channels) channel.close();
    this.channels.length = 0;
    this.channelOf.clear();
  }

  drained(): Promise<void> {
    return this.publishing;
  }

  private openChannel(): NotificationChannel {
    const channel = new NotificationChannel({
      api: this.api,
      http: this.http,
      endpoint: () => this.endpoint,
      onNotification: (message) => this.enqueue(message),
      options: this.options,
      logger: this.logger,
    });
    this.channels.push(channel);
    return channel;
  }

  private enqueue(message: NotificationMessage): void {
    this.publishing = this.publishing.then(() => this.publishWithRetry(message));
  }

  private async publishWithRetry(message: NotificationMessage): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.publisher.publish(this.endpoint, [message]);
        return;
      } catch (err) {
        if (attempt >= PUBLISH_ATTEMPTS || this.closed) {
          const what = message.topicName ?? 'a message';
          this.logger.error(`Genesys notifications: dropped ${what} for endpoint ${this.endpoint.id}: ${(err as Error).message}`);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
      }
    }
  }
}
