import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Router, json } from 'express';
import { WebSocket, WebSocketServer } from 'ws';
import { GenesysApiError } from './errors';
import type { LifecycleEvent } from './store';
import type { NotificationChannelView, NotificationRecord } from './types';

const MAX_TOPICS_PER_CHANNEL = 1000;
/** "There is a limit of 20 channels per user/app combination. Creating a 21st channel will remove the channel with oldest last used date. Channels without an active connection will be removed first." */
export const MAX_CHANNELS_PER_CLIENT = 20;
/** The permission detail-event topics need (reference §5; the exact string is unverified on a real organisation). */
export const DETAIL_EVENTS_PERMISSION = 'analytics:conversationDetail:view';
const SOCKET_PATH = /^\/v2\/notifications\/channels\/([^/?]+)$/;
/** How long a closing socket may take to finish its close handshake before it is cut. */
const CLOSE_GRACE_MS = 500;

interface Channel {
  id: string;
  clientId: string;
  /** The access token that created it (`includechannels=token` lists only those). */
  token: string;
  lastUsedAt: number;
  connectUri: string;
  expiresAt: number;
  topics: Set<string>;
  sockets: Set<WebSocket>;
  expiryTimer: NodeJS.Timeout;
}

export interface NotificationOptions {
  heartbeatIntervalMs: number;
  channelTtlMs: number;
  /** The permissions of an OAuth client, or undefined when it has all of them. */
  permissionsOf?: (clientId: string) => readonly string[] | undefined;
}

/** The permissions a topic needs. */
function permissionsFor(topic: string): string[] {
  return topic.startsWith('v2.detail.events.') ? [DETAIL_EVENTS_PERMISSION] : [];
}

const since = (from: string | undefined, to: string | undefined): number | undefined =>
  from && to ? Math.max(0, Date.parse(to) - Date.parse(from)) : undefined;

/**
 * The Genesys detail-event body of a lifecycle change (`CustomerStart…`, `AcdStart…`, `AcdEnd…`, `UserStart…`,
 * `UserEnd…`, `CustomerEnd…`, `AfterCallWork…` of the SDK's notificationMappings.json); `disconnectType` in the
 * detail-event spelling (UPPER_SNAKE).
 */
export function detailEventBody(event: LifecycleEvent): Record<string, unknown> {
  const { conversation, participant, topic } = event;
  const ended = topic === 'user.end' || topic === 'customer.end' || topic === 'acd.end';
  const durations: Record<string, number> = {};
  if (topic === 'user.end') {
    // A user segment starts at alerting: the alerting time, then the interacting time once the agent answered.
    durations.alertingDurationMs = since(participant.startTime, participant.connectedTime ?? participant.endTime) ?? 0;
    durations.interactingDurationMs = since(participant.connectedTime, participant.endTime) ?? 0;
  } else if (topic === 'customer.end') {
    durations.interactingDurationMs = since(participant.connectedTime, participant.endTime) ?? 0;
  } else if (topic === 'acd.end') {
    durations.connectedDurationMs = since(participant.startTime, participant.endTime) ?? 0;
  }
  return {
    eventTime: Date.now(),
    conversationId: conversation.id,
    participantId: participant.id,
    sessionId: participant.sessionId,
    ...(ended && event.disconnectType ? { disconnectType: event.disconnectType } : {}),
    mediaType: 'MESSAGE',
    provider: 'Open Messaging',
    direction: 'INBOUND',
    ani: conversation.customer.id,
    dnis: conversation.integrationId,
    addressFrom: conversation.customer.id,
    addressTo: conversation.integrationId,
    messageType: 'OPEN',
    ...(participant.userId ? { userId: participant.userId } : {}),
    ...(participant.queueId ? { queueId: participant.queueId } : {}),
    ...(event.acdOutcome ? { acdOutcome: event.acdOutcome } : {}),
    ...(event.answeredUserId ? { answeredUserId: event.answeredUserId } : {}),
    ...(topic === 'acd.end' ? { usedRouting: 'STANDARD', routingPriority: 0 } : {}),
    ...durations,
    ...(topic === 'acw' ? { wrapupDurationMs: 0 } : {}),
    conversationExternalContactIds: [],
    conversationExternalOrganizationIds: [],
  };
}

export function lifecycleTopicName(event: LifecycleEvent): string {
  return `v2.detail.events.conversation.${event.conversation.id}.${event.topic}`;
}

/**
 * The Notifications API: channels owned by the calling OAuth client, their topic subscriptions, and the WebSocket
 * at each channel's connectUri that pushes subscribed topics, heartbeats and `v2.system.socket_closing`.
 */
export class NotificationHub {
  private readonly channels = new Map<string, Channel>();
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly closingTimers = new Set<NodeJS.Timeout>();
  /** Channels removed for the 20-per-client limit so far. */
  evicted = 0;

  constructor(
    private readonly options: NotificationOptions,
    private readonly onPublished: (record: NotificationRecord) => void,
  ) {}

  /** Mounted at /api/v2/notifications, behind the bearer check. */
  router(): Router {
    const router = Router();
    router.use(json());

    router.post('/channels', (req, res) => {
      const channel = this.createChannel(String(res.locals.clientId), String(res.locals.token), req.headers.host ?? '127.0.0.1');
      res.json({ id: channel.id, connectUri: channel.connectUri, expires: new Date(channel.expiresAt).toISOString() });
    });

    // `includechannels=token` (the default) lists the channels made with this token, `oauthclient` the client's.
    router.get('/channels', (req, res) => {
      const include = req.query.includechannels === undefined ? 'token' : String(req.query.includechannels);
      if (include !== 'token' && include !== 'oauthclient') {
        throw GenesysApiError.badRequest('includechannels should be equal to one of the allowed values: token, oauthclient');
      }
      const entities = [...this.channels.values()]
        .filter((c) => c.clientId === res.locals.clientId && (include === 'oauthclient' || c.token === res.locals.token))
        .map((c) => ({ id: c.id, connectUri: c.connectUri, expires: new Date(c.expiresAt).toISOString() }));
      res.json({ entities });
    });

    router.head('/channels/:channelId', (req, res) => {
      res.sendStatus(this.ownedChannel(req.params.channelId, res.locals.clientId) ? 200 : 404);
    });

    router.get('/channels/:channelId/subscriptions', (req, res) => {
      res.json(topicListing(this.requireChannel(req.params.channelId, res.locals.clientId)));
    });

    router.put('/channels/:channelId/subscriptions', (req, res) => {
      const channel = this.requireChannel(req.params.channelId, res.locals.clientId);
      res.json(this.subscribe(channel, parseTopics(req.body), { replace: true, ignoreErrors: req.query.ignoreErrors === 'true' }));
    });

    router.post('/channels/:channelId/subscriptions', (req, res) => {
      const channel = this.requireChannel(req.params.channelId, res.locals.clientId);
      res.json(this.subscribe(channel, parseTopics(req.body), { replace: false, ignoreErrors: req.query.ignoreErrors === 'true' }));
    });

    router.delete('/channels/:channelId/subscriptions', (req, res) => {
      this.requireChannel(req.params.channelId, res.locals.clientId).topics.clear();
      res.sendStatus(204);
    });

    return router;
  }

  /** Takes the upgrade when the path is a channel's connectUri; answers 404 for unknown or expired channels. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const match = SOCKET_PATH.exec((req.url ?? '').split('?')[0]);
    if (!match) return false;
    const channel = this.channels.get(decodeURIComponent(match[1]));
    if (!channel) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return true;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.attach(channel, ws));
    return true;
  }

  publish(topicName: string, eventBody: Record<string, unknown>): void {
    const frame = JSON.stringify({ topicName, version: '2', eventBody });
    let deliveredTo = 0;
    for (const channel of this.channels.values()) {
      if (!channel.topics.has(topicName)) continue;
      for (const ws of channel.sockets) {
        if (ws.readyState !== WebSocket.OPEN) continue;
        ws.send(frame);
        deliveredTo += 1;
      }
    }
    this.onPublished({ at: new Date().toISOString(), topicName, eventBody, deliveredTo });
  }

  /** Cuts every socket without a close frame (as a network failure would). Channels and subscriptions stay. */
  dropAllSockets(): number {
    let count = 0;
    for (const channel of this.channels.values()) {
      for (const ws of channel.sockets) {
        ws.terminate();
        count += 1;
      }
    }
    return count;
  }

  /** Sends `v2.system.socket_closing`, then closes every socket. Channels and subscriptions stay. */
  closeAllSockets(): number {
    let count = 0;
    for (const channel of this.channels.values()) count += this.closeSockets(channel);
    return count;
  }

  views(): NotificationChannelView[] {
    return [...this.channels.values()].map((c) => ({
      id: c.id,
      clientId: c.clientId,
      lastUsedAt: new Date(c.lastUsedAt).toISOString(),
      connectUri: c.connectUri,
      expires: new Date(c.expiresAt).toISOString(),
      topics: [...c.topics],
      sockets: c.sockets.size,
    }));
  }

  async close(): Promise<void> {
    const closed = [...this.channels.values()].flatMap((c) => [...c.sockets].map(socketClosed));
    for (const channel of this.channels.values()) {
      clearTimeout(channel.expiryTimer);
      this.closeSockets(channel);
    }
    this.channels.clear();
    await Promise.all(closed);
    for (const timer of this.closingTimers) clearTimeout(timer);
    this.closingTimers.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  /**
   * Topics the client may not have are refused: with `ignoreErrors` as `Rejected` entries (the rest subscribed),
   * without it the whole request answers 403 and nothing changes. The answer is a `ChannelTopicEntityListing`.
   */
  private subscribe(
    channel: Channel,
    topics: string[],
    { replace, ignoreErrors }: { replace: boolean; ignoreErrors: boolean },
  ): { entities: { id: string; state: 'Permitted' | 'Rejected'; rejectionReason?: string; missingPermissions?: string[] }[] } {
    const granted = this.options.permissionsOf?.(channel.clientId);
    const missingFor = (topic: string) => (granted ? permissionsFor(topic).filter((p) => !granted.includes(p)) : []);
    const refused = topics.filter((t) => missingFor(t).length > 0);
    if (refused.length > 0 && !ignoreErrors) {
      throw new GenesysApiError(
        403,
        'missing.permissions',
        `Missing permissions for ${refused.length} topic(s): ${[...new Set(refused.flatMap(missingFor))].join(', ')}`,
      );
    }
    const permitted = topics.filter((t) => missingFor(t).length === 0);
    channel.topics = checkedTopics(new Set([...(replace ? [] : channel.topics), ...permitted]));
    channel.lastUsedAt = Date.now();
    return {
      entities: [
        ...[...channel.topics].map((id) => ({ id, state: 'Permitted' as const })),
        ...refused.map((id) => ({
          id,
          state: 'Rejected' as const,
          rejectionReason: 'The client does not have the permissions this topic needs',
          missingPermissions: missingFor(id),
        })),
      ],
    };
  }

  private createChannel(clientId: string, token: string, host: string): Channel {
    this.evictBeyondLimit(clientId);
    const id = randomUUID();
    const channel: Channel = {
      id,
      clientId,
      token,
      lastUsedAt: Date.now(),
      connectUri: `ws://${host}/v2/notifications/channels/${id}`,
      expiresAt: Date.now() + this.options.channelTtlMs,
      topics: new Set(),
      sockets: new Set(),
      expiryTimer: setTimeout(() => this.expire(id), this.options.channelTtlMs),
    };
    this.channels.set(id, channel);
    return channel;
  }

  /** A 21st channel removes one: first those without an active connection, then the one used longest ago. */
  private evictBeyondLimit(clientId: string): void {
    const own = [...this.channels.values()].filter((c) => c.clientId === clientId);
    if (own.length < MAX_CHANNELS_PER_CLIENT) return;
    const victim = own.sort((a, b) => Number(a.sockets.size > 0) - Number(b.sockets.size > 0) || a.lastUsedAt - b.lastUsedAt)[0];
    this.channels.delete(victim.id);
    clearTimeout(victim.expiryTimer);
    this.evicted += 1;
    // Silently: no socket_closing, the socket just closes.
    for (const ws of victim.sockets) ws.close(1000, 'Channel removed');
  }

  private expire(id: string): void {
    const channel = this.channels.get(id);
    if (!channel) return;
    this.channels.delete(id);
    this.closeSockets(channel);
  }

  private ownedChannel(id: string, clientId: unknown): Channel | undefined {
    const channel = this.channels.get(id);
    return channel?.clientId === clientId ? channel : undefined;
  }

  private requireChannel(id: string, clientId: unknown): Channel {
    const channel = this.ownedChannel(id, clientId);
    if (!channel) throw GenesysApiError.notFound(`Channel ${id} not found`);
    return channel;
  }

  private attach(channel: Channel, ws: WebSocket): void {
    channel.sockets.add(ws);
    channel.lastUsedAt = Date.now();
    const heartbeat = setInterval(() => {
      if (ws.readyState === WebSocket.OPEN) {
        ws.send(JSON.stringify({ topicName: 'channel.metadata', eventBody: { message: 'WebSocket Heartbeat' } }));
      }
    }, this.options.heartbeatIntervalMs);
    ws.on('message', (data) => {
      if (/"message"\s*:\s*"ping"/.test(data.toString())) {
        ws.send(JSON.stringify({ topicName: 'channel.metadata', eventBody: { message: 'pong' } }));
      }
    });
    ws.on('error', () => undefined);
    ws.on('close', () => {
      clearInterval(heartbeat);
      channel.sockets.delete(ws);
    });
  }

  private closeSockets(channel: Channel): number {
    const sockets = [...channel.sockets];
    for (const ws of sockets) {
      if (ws.readyState === WebSocket.OPEN) {
        ws.send(JSON.stringify({ topicName: 'v2.system.socket_closing', eventBody: { message: 'Socket closing' } }));
        ws.close(1001, 'Socket closing');
      }
      const timer = setTimeout(() => {
        this.closingTimers.delete(timer);
        ws.terminate();
      }, CLOSE_GRACE_MS);
      this.closingTimers.add(timer);
      ws.once('close', () => {
        clearTimeout(timer);
        this.closingTimers.delete(timer);
      });
    }
    return sockets.length;
  }
}

function socketClosed(ws: WebSocket): Promise<void> {
  return ws.readyState === WebSocket.CLOSED ? Promise.resolve() : new Promise((resolve) => ws.once('close', () => resolve()));
}

function parseTopics(body: unknown): string[] {
  if (!Array.isArray(body)) throw GenesysApiError.badRequest('The request body must be a list of topics');
  return body.map((item) => {
    const id = (item as { id?: unknown } | null)?.id;
    if (typeof id !== 'string' || !id) throw GenesysApiError.badRequest('Every topic needs an id');
    return id;
  });
}

function checkedTopics(topics: Set<string>): Set<string> {
  if (topics.size > MAX_TOPICS_PER_CHANNEL) {
    throw GenesysApiError.badRequest(`A channel can subscribe to at most ${MAX_TOPICS_PER_CHANNEL} topics`);
  }
  return topics;
}

function topicListing(channel: Channel): { entities: { id: string }[] } {
  return { entities: [...channel.topics].map((id) => ({ id })) };
}
