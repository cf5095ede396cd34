import { randomUUID } from 'node:crypto';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { RedisClient } from '../../../infrastructure/redis/redis-connection';
import type { Endpoint } from '../../../endpoints/endpoint.model';
import { EndpointsService } from '../../../endpoints/endpoints.service';
import { FleetLease, FleetLeases } from '../../../infrastructure/redis/fleet-lease';
import { RedisService } from '../../../infrastructure/redis/redis.service';
import { ProviderThrottledError } from '../../provider-errors';
import { LiveHandoverDirectory, ProviderEventSink } from '../../provider-event-sink';
import { signalsFromConversation } from '../conversation-signals';
import { GenesysApiClient, GenesysEndpoint } from '../genesys-api-client';
import { GENESYS_CLOUD_OPEN_MESSAGING } from '../genesys-cloud-settings';
import { GenesysNotifications } from './genesys-notifications';
import { notificationLease } from './notification-options';

/**
 * Conversations read before their watches start, all in the same tick: a notification channel coalesces the
 * subscriptions asked for at once into one call, so a batch costs a call or two per channel however slowly the live
 * handovers are read (one at a time, each call carrying the channel's whole topic list, was quadratic, and took
 * minutes for tens of thousands of live handovers).
 */
const TAKEOVER_BATCH = 1000;
/**
 * The share of the endpoint's Genesys rate limit the reconciling reads may take: they go one at a time, paced, so
 * that a take-over of thousands of conversations leaves the rest of the budget to the messages.
 */
const RECONCILE_SHARE = 0.5;
/** How long a process waits for the owner to confirm a watch it asked for before it goes on without. */
const WATCH_ANSWER_MS = 3000;
/** How often the endpoint list is read again, to compete for endpoints created (or stop for those removed) elsewhere. */
const ENDPOINTS_REFRESH_MS = 10_000;

interface OwnerMessage {
  op: 'watch' | 'unwatch' | 'watched';
  endpointId: string;
  conversationId: string;
  /** A watch request's id, repeated by the owner's `watched` answer. */
  id?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const isGenesys = (endpoint: Endpoint): endpoint is GenesysEndpoint => endpoint.provider.type === GENESYS_CLOUD_OPEN_MESSAGING;

/**
 * One notifications owner per endpoint across the fleet: the process holding the endpoint's lease
 * (`notifications:<endpointId>`, FleetLeases) is the only one with channels for its conversations, so the OAuth
 * client's channels are one process's and stay within Genesys's 20. Every process competes for every Genesys Cloud
 * endpoint; when the owner dies another takes over within the lease's TTL plus a tick, watches every live
 * conversation of the endpoint (whichever process started it) and reconciles each with its state at Genesys, so an
 * end nobody heard still ends the handover. A process that starts a handover on an endpoint it does not own asks the
 * owner over pub/sub and waits for its answer, so the conversation is watched before the handover is announced queued.
 */
@Injectable()
export class NotificationOwners implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(NotificationOwners.name);
  private readonly leases = new Map<string, FleetLease>();
  private readonly answers = new Map<string, () => void>();
  private readonly channel: string;
  private subscriber?: RedisClient;
  private refreshTimer?: NodeJS.Timeout;

  constructor(
    private readonly fleet: FleetLeases,
    private readonly redis: RedisService,
    private readonly endpoints: EndpointsService,
    private readonly live: LiveHandoverDirectory,
    private readonly sink: ProviderEventSink,
    private readonly api: GenesysApiClient,
    private readonly notifications: GenesysNotifications,
  ) {
    this.channel = redis.keys.notificationRequestsChannel();
  }

  async onApplicationBootstrap(): Promise<void> {
    // Subscribed before competing: a request sent while this process takes an endpoint over is not missed.
    this.subscriber = this.redis.duplicate('notification-owners');
    this.subscriber.on('message', (_channel: string, raw: string) => void this.onMessage(raw));
    await this.subscriber.subscribe(this.channel);
    await this.competeForEndpoints();
    this.refreshTimer = setInterval(() => void this.competeForEndpoints(), ENDPOINTS_REFRESH_MS);
    this.refreshTimer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.refreshTimer);
  }

  /** Gets the conversation watched by the endpoint's owner: here when this process owns (or can take) the endpoint. */
  async watch(endpoint: GenesysEndpoint, conversationId: string): Promise<void> {
    const lease = this.leaseOf(endpoint.id);
    if (lease.held || (!this.fleet.stopped && (await lease.refresh()))) {
      await this.watchHere(endpoint, conversationId);
      return;
    }
    const id = randomUUID();
    const answered = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), WATCH_ANSWER_MS);
      this.answers.set(id, () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    try {
      await this.send({ op: 'watch', endpointId: endpoint.id, conversationId, id });
      // Unanswered (the owner just died, say): its successor watches every live conversation when it takes over.
      if (!(await answered)) this.logger.debug(`No notifications owner answered for conversation ${conversationId} yet`);
    } finally {
      this.answers.delete(id);
    }
  }

  async unwatch(endpoint: GenesysEndpoint, conversationId: string): Promise<void> {
    if (this.leaseOf(endpoint.id).held) await this.notifications.unwatch(endpoint, conversationId);
    else await this.send({ op: 'unwatch', endpointId: endpoint.id, conversationId });
  }

  /** The process that owns the endpoint's notifications now, and its fencing token. */
  owner(endpointId: string): Promise<{ holder: string; token: number } | undefined> {
    return this.fleet.holder(notificationLease(endpointId));
  }

  /** Watches in this process; a watch that completes after the lease was lost is dropped with the rest. */
  private async watchHere(endpoint: GenesysEndpoint, conversationId: string): Promise<void> {
    await this.notifications.watch(endpoint, conversationId);
    if (!this.leaseOf(endpoint.id).held) this.notifications.dropEndpoint(endpoint.id);
  }

  private leaseOf(endpointId: string): FleetLease {
    let lease = this.leases.get(endpointId);
    if (!lease) {
      lease = this.fleet.compete(notificationLease(endpointId), {
        acquired: (token) => this.takeOver(endpointId, token),
        lost: (reason) => {
          this.logger.log(`Notifications of endpoint ${endpointId} are no longer watched here (${reason})`);
          this.notifications.dropEndpoint(endpointId);
        },
      });
      this.leases.set(endpointId, lease);
    }
    return lease;
  }

  private async competeForEndpoints(): Promise<void> {
    try {
      const ids = new Set((await this.endpoints.list()).filter(isGenesys).map((e) => e.id));
      for (const id of ids) this.leaseOf(id);
      for (const id of [...this.leases.keys()].filter((known) => !ids.has(known))) {
        this.leases.delete(id);
        await this.fleet.withdraw(notificationLease(id));
      }
    } catch (err) {
      this.logger.warn(`Cannot read the endpoints to own their notifications: ${(err as Error).message}`);
    }
  }

  /**
   * Watches every live conversation of the endpoint, then reads each one's state from Genesys: what ended while no
   * process listened reaches the handover now. Watching first means an end after the read is heard on the channel.
   */
  private async takeOver(endpointId: string, token: number): Promise<void> {
    const endpoint = await this.endpoints.find(endpointId);
    if (!endpoint || !isGenesys(endpoint)) return;
    const stillOwner = () => this.leaseOf(endpointId).token === token;
    const conversations: string[] = [];
    const batch: string[] = [];
    const watchBatch = () =>
      Promise.all(
        batch.splice(0).map((conversationId) =>
          this.watchHere(endpoint, conversationId).then(
            () => void conversations.push(conversationId),
            (err: Error) => this.logger.warn(`Cannot watch conversation ${conversationId}: ${err.message}`),
          ),
        ),
      );
    for await (const conversationId of this.live.liveConversations(endpoint)) {
      if (!stillOwner()) return;
      batch.push(conversationId);
      if (batch.length >= TAKEOVER_BATCH) await watchBatch();
    }
    if (!stillOwner()) return;
    await watchBatch();
    if (conversations.length === 0) return;
    this.logger.log(`Watching ${conversations.length} live conversation(s) of endpoint ${endpointId} again (lease token ${token})`);
    const gapMs = 60_000 / (endpoint.provider.rateLimitPerMinute * RECONCILE_SHARE);
    for (const conversationId of conversations) {
      for (;;) {
        if (!stillOwner()) return;
        try {
          await this.reconcile(endpoint, conversationId);
          break;
        } catch (err) {
          if (!(err instanceof ProviderThrottledError)) {
            this.logger.warn(`Cannot reconcile conversation ${conversationId}: ${(err as Error).message}`);
            break;
          }
          await sleep(err.retryAfterMs ?? gapMs);
        }
      }
      await sleep(gapMs);
    }
  }

  private async reconcile(endpoint: GenesysEndpoint, conversationId: string): Promise<void> {
    const events = signalsFromConversation(conversationId, await this.api.conversation(endpoint, conversationId));
    if (events.length === 0) return;
    // Fenced: only the current owner reports what it reconciled (harmless if late: an end is applied once).
    if (!(await this.fleet.confirm(notificationLease(endpoint.id)))) return;
    await this.sink.accept(endpoint, events);
    this.logger.log(`Conversation ${conversationId} changed while unwatched: ${events.map((e) => e.signal).join(', ')}`);
  }

  private async onMessage(raw: string): Promise<void> {
    let message: OwnerMessage;
    try {
      message = JSON.parse(raw) as OwnerMessage;
    } catch {
      return;
    }
    if (message.op === 'watched') {
      if (message.id) this.answers.get(message.id)?.();
      return;
    }
    if (!this.leases.get(message.endpointId)?.held) return;
    try {
      const endpoint = await this.endpoints.find(message.endpointId);
      if (!endpoint || !isGenesys(endpoint)) return;
      if (message.op === 'unwatch') {
        await this.notifications.unwatch(endpoint, message.conversationId);
        return;
      }
      await this.watchHere(endpoint, message.conversationId);
    } catch (err) {
      this.logger.warn(`Cannot ${message.op} conversation ${message.conversationId} for another process: ${(err as Error).message}`);
    }
    // Answered whatever the outcome, so the asking process does not wait in vain (a failure is logged here).
    if (message.op === 'watch') {
      await this.send({ op: 'watched', endpointId: message.endpointId, conversationId: message.conversationId, id: message.id }).catch(
        () => undefined,
      );
    }
  }

  private async send(message: OwnerMessage): Promise<void> {
    await this.redis.client.publish(this.channel, JSON.stringify(message));
  }
}
