import type { Logger } from '@nestjs/common';
import WebSocket from 'ws';
import { EgressBlockedError, type OutboundHttp } from '../../../infrastructure/http/outbound-http';
import { ProviderError, ProviderRejectedError, ProviderUnavailableError } from '../../provider-errors';
import { jitteredBackoff } from '../../provider-retry';
import { GenesysApiClient, GenesysEndpoint } from '../genesys-api-client';
import type { NotificationMessage } from '../genesys-types';
import type { NotificationOptions } from './notification-options';

/** `ChannelTopic` of the subscription answer (`ChannelTopicEntityListing.entities`). */
export interface ChannelTopicAnswer {
  id: string;
  state?: string;
  rejectionReason?: string;
  missingPermissions?: string[];
}

export interface ChannelContext {
  api: GenesysApiClient;
  http: OutboundHttp;
  /** The endpoint as last seen (credentials may have changed since the channel was created). */
  endpoint: () => GenesysEndpoint;
  onNotification: (message: NotificationMessage) => void;
  /**
   * Genesys refused topics: `Rejected` entries of the answer (each reported once per channel), or every topic of a
   * PUT answered 403. `permitted` are the topics it accepted in the same answer.
   */
  onSubscriptions: (answer: { rejected: ChannelTopicAnswer[]; permitted: string[] }) => void;
  /** Runs the creation of a channel: the owner serialises them and keeps count (Genesys keeps 20 per OAuth client). */
  creating: <T>(create: () => Promise<T>) => Promise<T>;
  options: NotificationOptions;
  logger: Logger;
}

interface Connection {
  channelId: string;
  connectUri: string;
  createdAt: number;
  ws: WebSocket;
  lastFrameAt: number;
}

/**
 * One Genesys notification channel and its WebSocket, holding up to `topicsPerChannel` topics. It survives its
 * socket: after a drop, a missed heartbeat, `v2.system.socket_closing` or the 24 h channel lifetime it connects
 * again (a new channel when the old one is gone or about to expire) and re-subscribes every topic it holds.
 */
export class NotificationChannel {
  readonly topics = new Set<string>();
  /** The topic set Genesys last acknowledged for the current channel (rejected topics count as answered). */
  private confirmed = new Set<string>();
  /** Topics Genesys rejected on this channel, already reported. */
  private readonly rejected = new Set<string>();
  private conn?: Connection;
  private connecting?: Promise<void>;
  private recovering = false;
  private closed = false;
  private connectCount = 0;
  private watchdog?: NodeJS.Timeout;
  private renewTimer?: NodeJS.Timeout;
  private pendingSync?: Promise<void>;
  private syncChain: Promise<void> = Promise.resolve();
  private readonly sleeps = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();

  constructor(private readonly ctx: ChannelContext) {}

  get size(): number {
    return this.topics.size;
  }

  get channelId(): string | undefined {
    return this.conn?.channelId;
  }

  get isOpen(): boolean {
    return this.conn?.ws.readyState === WebSocket.OPEN;
  }

  /** Sockets opened so far (1 + reconnects). */
  get connects(): number {
    return this.connectCount;
  }

  /** Adds topics and resolves once Genesys confirmed the subscription (or, while reconnecting, once queued for it). */
  async subscribe(topics: string[]): Promise<void> {
    for (const topic of topics) this.topics.add(topic);
    if (this.recovering) return;
    if (!this.conn) await this.start();
    if (topics.some((t) => !this.confirmed.has(t))) await this.sync();
  }

  /** Removes topics; an emptied channel is left for the owner to close rather than updated. */
  async unsubscribe(topics: string[]): Promise<void> {
    const removed = topics.filter((t) => this.topics.delete(t));
    if (removed.length > 0 && this.topics.size > 0 && this.isOpen && !this.recovering) await this.sync();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.watchdog);
    clearTimeout(this.renewTimer);
    for (const sleep of this.sleeps) {
      clearTimeout(sleep.timer);
      sleep.resolve();
    }
    this.sleeps.clear();
    this.conn?.ws.terminate();
    this.conn = undefined;
  }

  /** First connection; a failure leaves the channel recovering in the background and is reported to the caller. */
  private async start(): Promise<void> {
    if (!this.connecting) {
      this.connecting = this.connect(false).finally(() => (this.connecting = undefined));
    }
    try {
      await this.connecting;
    } catch (err) {
      this.recover('initial connection failed', { newChannel: true, immediate: false });
      if (err instanceof ProviderError) throw err;
      const message = `Genesys notifications: ${(err as Error).message}`;
      throw err instanceof EgressBlockedError ? new ProviderRejectedError(message) : new ProviderUnavailableError(message);
    }
  }

  /**
   * Opens a socket (on the current channel when `reuse`, else on a new one) and subscribes every topic before it
   * becomes current, so that moving to a new channel leaves no gap; the previous socket is closed afterwards.
   */
  private async connect(reuse: boolean): Promise<void> {
    const previous = this.conn;
    const { channelId, connectUri, createdAt } = reuse && previous ? previous : await this.createChannel();
    const ws = await this.openSocket(connectUri);
    const conn: Connection = { channelId, connectUri, createdAt, ws, lastFrameAt: Date.now() };
    ws.on('message', (data) => this.onFrame(conn, data));
    ws.on('close', () => this.onSocketGone(conn, 'socket closed'));
    ws.on('error', (err) => this.ctx.logger.warn(`Genesys notifications socket error (channel ${conn.channelId}): ${err.message}`));
    try {
      await this.putSubscriptions(conn.channelId);
    } catch (err) {
      ws.terminate();
      throw err;
    }
    if (this.closed) {
      ws.terminate();
      return;
    }
    this.conn = conn;
    this.connectCount++;
    if (previous && previous.ws !== ws) previous.ws.terminate();
    this.armTimers(conn);
  }

  private async createChannel(): Promise<{ channelId: string; connectUri: string; createdAt: number }> {
    const channel = await this.ctx.creating(() =>
      this.ctx.api.json<{ id?: string; connectUri?: string }>(this.ctx.endpoint(), {
        method: 'POST',
        path: '/api/v2/notifications/channels',
        operation: 'create notification channel',
      }),
    );
    if (!channel?.id || !channel.connectUri) throw new ProviderUnavailableError('Genesys notification channel without id or connectUri');
    return { channelId: channel.id, connectUri: channel.connectUri, createdAt: Date.now() };
  }

  private openSocket(connectUri: string): Promise<WebSocket> {
    this.ctx.http.assertAllowedUrl(connectUri);
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(connectUri, { lookup: this.ctx.http.lookup, handshakeTimeout: this.ctx.options.handshakeTimeoutMs });
      const fail = (err: Error) => {
        ws.removeAllListeners();
        ws.on('error', () => undefined);
        ws.terminate();
        reject(err);
      };
      ws.once('open', () => {
        ws.removeListener('error', fail);
        resolve(ws);
      });
      ws.once('error', fail);
      ws.once('unexpected-response', (_req, res) => fail(new Error(`WebSocket handshake answered ${res.statusCode}`)));
    });
  }

  private armTimers(conn: Connection): void {
    clearInterval(this.watchdog);
    clearTimeout(this.renewTimer);
    const { heartbeatTimeoutMs, renewAfterMs } = this.ctx.options;
    this.watchdog = setInterval(
      () => {
        if (this.conn === conn && Date.now() - conn.lastFrameAt > heartbeatTimeoutMs) {
          this.ctx.logger.warn(
            `Genesys notifications: no heartbeat for ${heartbeatTimeoutMs} ms on channel ${conn.channelId}; reconnecting`,
          );
          conn.ws.terminate();
        }
      },
      Math.max(50, Math.floor(heartbeatTimeoutMs / 3)),
    );
    const renewInMs = Math.max(0, conn.createdAt + renewAfterMs - Date.now());
    this.renewTimer = setTimeout(() => this.recover('channel renewal', { newChannel: true, immediate: true }), renewInMs);
  }

  private onFrame(conn: Connection, data: WebSocket.RawData): void {
    conn.lastFrameAt = Date.now();
    let message: NotificationMessage;
    try {
      message = JSON.parse(data.toString()) as NotificationMessage;
    } catch {
      this.ctx.logger.warn('Genesys notifications: ignoring a frame that is not JSON');
      return;
    }
    if (message.topicName === 'channel.metadata') return; // heartbeat / pong
    if (message.topicName === 'v2.system.socket_closing') {
      if (this.conn !== conn) return;
      this.ctx.logger.log(`Genesys notifications: socket_closing on channel ${conn.channelId}; moving to a new channel`);
      this.recover('socket_closing', { newChannel: true, immediate: true });
      return;
    }
    // Also from a socket being replaced: the overlap may repeat an event, which consumers de-duplicate.
    this.ctx.onNotification(message);
  }

  private onSocketGone(conn: Connection, reason: string): void {
    if (this.closed || this.conn !== conn) return;
    this.recover(reason, { newChannel: false, immediate: false });
  }

  /**
   * Reconnects with backoff until it succeeds or the channel is closed. The old socket stays up meanwhile (when
   * it still is), so a planned move (socket_closing, renewal) does not miss events.
   */
  private recover(reason: string, { newChannel, immediate }: { newChannel: boolean; immediate: boolean }): void {
    if (this.closed || this.recovering) return;
    this.recovering = true;
    void (async () => {
      let reuse = !newChannel && !!this.conn && this.conn.createdAt + this.ctx.options.renewAfterMs > Date.now();
      for (let attempt = 1; !this.closed; attempt++) {
        if (attempt > 1 || !immediate) {
          const { reconnectBaseMs: baseDelayMs, reconnectMaxMs: maxDelayMs } = this.ctx.options;
          await this.sleep(jitteredBackoff(attempt, { baseDelayMs, maxDelayMs }));
        }
        if (this.closed) break;
        try {
          await this.connect(reuse);
          const channel = this.conn?.channelId;
          this.ctx.logger.log(`Genesys notifications: reconnected after ${reason} (channel ${channel}, ${this.topics.size} topics)`);
          break;
        } catch (err) {
          reuse = false;
          this.ctx.logger.warn(`Genesys notifications: reconnect after ${reason} failed (attempt ${attempt}): ${(err as Error).message}`);
        }
      }
      this.recovering = false;
    })();
  }

  /** Replaces the current channel's subscriptions with the topic set; bursts of changes coalesce into one call. */
  private sync(): Promise<void> {
    if (!this.pendingSync) {
      const run = this.syncChain
        .catch(() => undefined)
        .then(async () => {
          await this.sleep(this.ctx.options.batchDelayMs);
          this.pendingSync = undefined;
          if (this.conn && !this.closed) await this.putSubscriptions(this.conn.channelId);
        });
      this.pendingSync = run;
      this.syncChain = run;
    }
    return this.pendingSync;
  }

  /**
   * Replaces the subscriptions with `ignoreErrors=true`, so a topic Genesys refuses (a missing permission) comes back
   * as a `Rejected` entry instead of failing the whole list with 403; the answer is read topic by topic.
   */
  private async putSubscriptions(channelId: string): Promise<void> {
    const snapshot = [...this.topics];
    let answer: { entities?: ChannelTopicAnswer[] } | undefined;
    try {
      answer = await this.ctx.api.json<{ entities?: ChannelTopicAnswer[] }>(this.ctx.endpoint(), {
        method: 'PUT',
        path: `/api/v2/notifications/channels/${encodeURIComponent(channelId)}/subscriptions`,
        query: { ignoreErrors: 'true' },
        body: snapshot.map((id) => ({ id })),
        operation: 'update notification subscriptions',
      });
    } catch (err) {
      if (err instanceof ProviderError && err.status === 403) {
        this.ctx.onSubscriptions({
          rejected: snapshot.map((id) => ({ id, state: 'Rejected', rejectionReason: err.message })),
          permitted: [],
        });
      }
      throw err;
    }
    const entities = Array.isArray(answer?.entities) ? answer.entities : [];
    const rejected = entities.filter((e) => typeof e?.id === 'string' && e.state === 'Rejected');
    const rejectedIds = new Set(rejected.map((e) => e.id));
    const fresh = rejected.filter((e) => !this.rejected.has(e.id));
    for (const e of fresh) this.rejected.add(e.id);
    for (const id of this.rejected) if (!this.topics.has(id)) this.rejected.delete(id);
    this.ctx.onSubscriptions({ rejected: fresh, permitted: snapshot.filter((id) => !rejectedIds.has(id)) });
    this.confirmed = new Set(snapshot);
  }

  private sleep(ms: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.sleeps.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      this.sleeps.add(entry);
    });
  }
}
