import { Injectable, Optional } from '@nestjs/common';
import type { Endpoint } from '../../endpoints/endpoint.model';
import {
  AgentLegState,
  Availability,
  ContactCenterProvider,
  CustomerMessage,
  CustomerProfile,
  ProviderHealthCheck,
  QueueStatus,
  SentMessage,
} from '../contact-center-provider';
import { ProviderError, ProviderRejectedError } from '../provider-errors';
import { AgentDirectory } from './agent-directory';
import { isOver } from './conversation-signals';
import { GenesysApiClient, GenesysEndpoint } from './genesys-api-client';
import type { MessageConversation } from './genesys-types';
import {
  inboundMessageBody,
  inboundMessageParts,
  receiptBody,
  StructuredResponse,
  structuredResponseBody,
  typingEventBody,
} from './inbound-payloads';
import { GENESYS_CLOUD_OPEN_MESSAGING } from './genesys-cloud-settings';
import { GenesysNotifications } from './notifications/genesys-notifications';
import { NotificationOwners } from './notifications/notification-owners';
import { ProviderProblems } from './notifications/provider-problems';

export function asGenesysEndpoint(endpoint: Endpoint): GenesysEndpoint {
  if (endpoint.provider.type !== GENESYS_CLOUD_OPEN_MESSAGING) {
    throw new ProviderRejectedError(`Endpoint ${endpoint.id} is not a Genesys Cloud Open Messaging endpoint`);
  }
  return endpoint as GenesysEndpoint;
}

/** How long one estimated-wait answer serves every queued conversation of a queue. */
const QUEUE_STATUS_TTL_MS = 5000;

const inbound = (endpoint: GenesysEndpoint, kind: string) =>
  `/api/v2/conversations/messages/${encodeURIComponent(endpoint.provider.integrationId)}/inbound/open/${kind}`;

/** Genesys Cloud Open Messaging behind the ContactCenterProvider boundary (reference §2, §7). */
@Injectable()
export class GenesysCloudOpenMessagingProvider implements ContactCenterProvider {
  readonly type = GENESYS_CLOUD_OPEN_MESSAGING;
  private readonly queueStatuses = new Map<string, { expiresAt: number; status: Promise<QueueStatus> }>();

  constructor(
    private readonly api: GenesysApiClient,
    private readonly notifications: GenesysNotifications,
    private readonly owners: NotificationOwners,
    private readonly agents: AgentDirectory,
    @Optional() private readonly problems?: ProviderProblems,
  ) {}

  /**
   * One inbound message per attachment (the schema allows one `Attachment` item per message): the text travels with
   * the first, each further attachment follows as its own message, in order, with an id and a time derived from the
   * message's (`<messageId>-a<n>`, one millisecond apart), so a retry repeats every part exactly. A `reply` goes as an
   * inbound structured response first; a text other than the picked label and any attachments follow it as a
   * message `<messageId>-m`.
   */
  async sendCustomerMessage(endpoint: Endpoint, message: CustomerMessage): Promise<SentMessage> {
    const ep = asGenesysEndpoint(endpoint);
    if (!message.text && !message.attachments?.length && !message.reply) {
      throw new ProviderRejectedError('A customer message needs text, attachments or a reply');
    }
    let rest: CustomerMessage | undefined = message;
    let first: SentMessage | undefined;
    if (message.reply) {
      first = await this.sendStructuredResponse(ep, {
        customer: message.customer,
        messageId: message.messageId,
        time: message.time,
        ...message.reply,
      });
      const text = message.text && message.text !== message.reply.text ? message.text : undefined;
      const start = Date.parse(message.time);
      rest =
        text || message.attachments?.length
          ? {
              customer: message.customer,
              messageId: `${message.messageId}-m`,
              time: Number.isNaN(start) ? message.time : new Date(start + 1).toISOString(),
              text,
              attachments: message.attachments,
            }
          : undefined;
    }
    for (const part of rest ? inboundMessageParts(rest) : []) {
      const sent = await this.api.json<{ id?: string; conversationId?: string }>(ep, {
        method: 'POST',
        path: inbound(ep, 'message'),
        query: { prefetchConversationId: 'true' },
        body: inboundMessageBody(part),
        operation: 'inbound message',
      });
      first ??= { conversationId: sent?.conversationId, providerMessageId: sent?.id };
    }
    return first!;
  }

  async sendCustomerTyping(endpoint: Endpoint, customer: CustomerProfile, time: string): Promise<void> {
    const ep = asGenesysEndpoint(endpoint);
    await this.api.call(ep, {
      method: 'POST',
      path: inbound(ep, 'event'),
      body: typingEventBody(customer, time),
      operation: 'inbound typing event',
    });
  }

  async sendReceipt(endpoint: Endpoint, receipt: Parameters<ContactCenterProvider['sendReceipt']>[1]): Promise<void> {
    const ep = asGenesysEndpoint(endpoint);
    await this.api.call(ep, {
      method: 'POST',
      path: inbound(ep, 'receipt'),
      body: receiptBody({ ...receipt, time: new Date().toISOString() }),
      operation: 'inbound receipt',
    });
  }

  /**
   * The customer picked a quick reply, button or date offered by a Structured message. The answer
   * (`OpenStructuredResponseNormalizedMessage`) has no conversationId: it joins the conversation the handover has.
   */
  private async sendStructuredResponse(ep: GenesysEndpoint, response: StructuredResponse): Promise<SentMessage> {
    const sent = await this.api.json<{ id?: string }>(ep, {
      method: 'POST',
      path: inbound(ep, 'structured/response'),
      body: structuredResponseBody(response),
      operation: 'inbound structured response',
    });
    return { providerMessageId: sent?.id };
  }

  /** The conversation's participants, or undefined when Genesys does not know it. */
  getConversation(endpoint: Endpoint, conversationId: string): Promise<MessageConversation | undefined> {
    return this.api.conversation(asGenesysEndpoint(endpoint), conversationId);
  }

  /**
   * An agent participant's state from the conversation (`MessageMediaParticipant.state`): `connected` is an answer,
   * `alerting` (or `offering`, `contacting`) still waiting, anything after (`disconnected`, `terminated`) over.
   */
  async agentState(endpoint: Endpoint, conversationId: string, participantId: string): Promise<AgentLegState | undefined> {
    const ep = asGenesysEndpoint(endpoint);
    const participant = (await this.getConversation(ep, conversationId))?.participants?.find((p) => p.id === participantId);
    if (!participant || participant.purpose !== 'agent') return undefined;
    const agentUserId = participant.user?.id ?? participant.userId;
    if (participant.state === 'connected') {
      const agentName = participant.name || (agentUserId ? await this.agents.name(ep, agentUserId) : undefined);
      return { state: 'connected', agentUserId, agentName };
    }
    const waiting = ['alerting', 'offering', 'contacting', 'dialing', 'none'];
    return { state: waiting.includes(participant.state ?? '') ? 'alerting' : 'ended', agentUserId };
  }

  /** Participants of a reopened conversation that belong to its earlier life: disconnected or terminated. */
  async pastLegs(endpoint: Endpoint, conversationId: string): Promise<string[]> {
    const conversation = await this.getConversation(asGenesysEndpoint(endpoint), conversationId);
    return (conversation?.participants ?? []).filter((p) => isOver(p.state)).map((p) => p.id);
  }

  /**
   * Idempotent: nothing to do when the customer already left or the conversation is gone. A refusal of the PATCH
   * (4xx) that races the customer leaving is checked against the conversation: a customer who is gone is done.
   */
  async disconnectCustomer(endpoint: Endpoint, conversationId: string): Promise<void> {
    const ep = asGenesysEndpoint(endpoint);
    const conversation = await this.getConversation(ep, conversationId);
    const customers = (conversation?.participants ?? []).filter((p) => p.purpose === 'customer' && !isOver(p.state));
    for (const participant of customers) {
      try {
        await this.api.call(ep, {
          method: 'PATCH',
          path: `/api/v2/conversations/messages/${encodeURIComponent(conversationId)}/participants/${encodeURIComponent(participant.id)}`,
          body: { state: 'disconnected' },
          operation: 'disconnect customer',
        });
      } catch (err) {
        if (!(err instanceof ProviderError && err.status !== undefined && err.status >= 400 && err.status < 500)) throw err;
        if (err.status === 404) continue;
        const now = (await this.getConversation(ep, conversationId))?.participants?.find((p) => p.id === participant.id);
        if (now && !isOver(now.state)) throw err;
      }
    }
  }

  /**
   * Estimated wait of one queued conversation: Genesys estimates it per conversation
   * (`GET /routing/queues/{queueId}/estimatedwaittime?conversationId=`) where it can; when it gives none (no result,
   * a negative value, a 4xx), the queue's estimate for messages, shared by every conversation of the queue. Each
   * answer serves QUEUE_STATUS_TTL_MS. Null without a queueId. Genesys gives no queue position.
   */
  async getQueueStatus(endpoint: Endpoint, conversationId: string): Promise<QueueStatus | null> {
    const ep = asGenesysEndpoint(endpoint);
    const queueId = ep.provider.queueId;
    if (!queueId) return null;
    const queue = `/api/v2/routing/queues/${encodeURIComponent(queueId)}`;
    const base = `${ep.id}|${ep.provider.apiBaseUrl}|${queueId}`;
    const own = await this.cachedStatus(`${base}|${conversationId}`, () =>
      this.estimate(ep, `${queue}/estimatedwaittime`, { conversationId }).catch((err: unknown) => {
        if (err instanceof ProviderRejectedError) return {};
        throw err;
      }),
    );
    if (own.estimatedWaitMs !== undefined) return own;
    return this.cachedStatus(base, () => this.estimate(ep, `${queue}/mediatypes/message/estimatedwaittime`));
  }

  private cachedStatus(key: string, fetch: () => Promise<QueueStatus>): Promise<QueueStatus> {
    const cached = this.queueStatuses.get(key);
    if (cached && cached.expiresAt > Date.now()) return cached.status;
    if (this.queueStatuses.size >= 10_000) {
      for (const [k, v] of this.queueStatuses) if (v.expiresAt <= Date.now()) this.queueStatuses.delete(k);
    }
    const status = fetch();
    this.queueStatuses.set(key, { expiresAt: Date.now() + QUEUE_STATUS_TTL_MS, status });
    status.catch(() => this.queueStatuses.delete(key));
    return status;
  }

  /** `EstimatedWaitTimePredictions`: the MESSAGE prediction when there are several; none when it is absent or negative. */
  private async estimate(ep: GenesysEndpoint, path: string, query?: Record<string, string>): Promise<QueueStatus> {
    const ewt = await this.api.json<{ results?: { intent?: string; estimatedWaitTimeSeconds?: number }[] }>(ep, {
      method: 'GET',
      path,
      query,
      operation: 'estimated wait time',
    });
    const results = (ewt?.results ?? []).filter((r) => typeof r.estimatedWaitTimeSeconds === 'number' && r.estimatedWaitTimeSeconds >= 0);
    const seconds = (results.find((r) => r.intent === 'MESSAGE') ?? results[0])?.estimatedWaitTimeSeconds;
    return seconds === undefined ? {} : { estimatedWaitMs: Math.round(seconds * 1000) };
  }

  /**
   * Whether an agent can take a messaging conversation on the endpoint's queue. `oOnQueueUsers` by routing status:
   * IDLE agents are free; INTERACTING ones may still have messaging capacity (Genesys routes them more "depending on
   * utilization"), which is read as spare capacity while no conversation waits in the queue (`oWaiting` 0): with
   * conversations waiting, those agents are evidently full. Without a queueId Genesys cannot be asked: the answer is
   * "available" and routing decides.
   */
  async checkAvailability(endpoint: Endpoint, _query: { skills: string[]; language?: string }): Promise<Availability> {
    const ep = asGenesysEndpoint(endpoint);
    const queueId = ep.provider.queueId;
    if (!queueId) return { available: true };
    const observations = await this.api.json<{
      results?: { data?: { metric?: string; qualifier?: string; stats?: { count?: number } }[] }[];
    }>(ep, {
      method: 'POST',
      path: '/api/v2/analytics/queues/observations/query',
      body: {
        filter: {
          type: 'and',
          predicates: [
            { type: 'dimension', dimension: 'queueId', operator: 'matches', value: queueId },
            { type: 'dimension', dimension: 'mediaType', operator: 'matches', value: 'message' },
          ],
        },
        metrics: ['oOnQueueUsers', 'oWaiting'],
      },
      operation: 'queue observations',
    });
    const data = (observations?.results ?? []).flatMap((r) => r.data ?? []);
    const count = (metric: string, qualifier?: string) =>
      data
        .filter((d) => d.metric === metric && (qualifier === undefined || d.qualifier === qualifier))
        .reduce((sum, d) => sum + (d.stats?.count ?? 0), 0);
    const idle = count('oOnQueueUsers', 'IDLE');
    const interacting = count('oOnQueueUsers', 'INTERACTING');
    const waiting = count('oWaiting');
    return {
      available: idle > 0 || (interacting > 0 && waiting === 0),
      agentsAvailable: idle,
      agentsInteracting: interacting,
      conversationsWaiting: waiting,
    };
  }

  async watchConversation(endpoint: Endpoint, conversationId: string): Promise<void> {
    await this.owners.watch(asGenesysEndpoint(endpoint), conversationId);
  }

  async unwatchConversation(endpoint: Endpoint, conversationId: string): Promise<void> {
    await this.owners.unwatch(asGenesysEndpoint(endpoint), conversationId);
  }

  /** The OAuth client-credentials token, and this process's notification channels for the endpoint. */
  async health(endpoint: Endpoint): Promise<ProviderHealthCheck[]> {
    const ep = asGenesysEndpoint(endpoint);
    const token = await this.api.accessToken(ep).then(
      () => ({ name: 'token', ok: true, detail: 'OAuth client-credentials token obtained' }),
      (err: Error) => ({ name: 'token', ok: false, detail: err.message }),
    );
    const watched = this.notifications.status()[ep.id];
    const channels = watched?.channels ?? [];
    const open = channels.filter((c) => c.open).length;
    const topics = channels.reduce((sum, c) => sum + c.topics, 0);
    const unwatched = watched?.unwatched.length ?? 0;
    const notifications = watched
      ? {
          name: 'notifications',
          ok: open === channels.length && unwatched === 0,
          detail:
            `${open} of ${channels.length} channel(s) open, ${topics} topic(s) subscribed, ${watched.conversations.length} conversation(s) ` +
            `watched by this process${unwatched > 0 ? `, ${unwatched} waiting for a channel` : ''}`,
        }
      : await this.owners.owner(ep.id).then(
          (owner) => ({
            name: 'notifications',
            ok: true,
            detail: `no conversation watched by this process; the endpoint's notifications owner is ${owner ? `${owner.holder} (lease token ${owner.token})` : 'not elected yet'} (channels open on demand)`,
          }),
          (err: Error) => ({ name: 'notifications', ok: false, detail: `cannot read the notifications owner: ${err.message}` }),
        );
    // What Genesys answered, from any process in the last day: rejected topics, the client's channels used up.
    return [token, notifications, ...(await this.problemChecks(ep))];
  }

  /** One check per kind of answer Genesys gave that an operator must act on (ProviderProblems keeps them a day). */
  private async problemChecks(ep: GenesysEndpoint): Promise<ProviderHealthCheck[]> {
    const found = new Map(((await this.problems?.problems(ep.id).catch(() => [])) ?? []).map((p) => [p.code, p]));
    const check = (name: string, code: string, fine: string): ProviderHealthCheck => {
      const problem = found.get(code);
      return problem
        ? {
            name,
            ok: false,
            detail: `${problem.message} (since ${problem.since}, last ${problem.lastSeen})`,
            ...(problem.details ? { data: problem.details } : {}),
          }
        : { name, ok: true, detail: fine };
    };
    return [
      check('subscriptions', 'subscription_rejected', 'every notification topic permitted'),
      check('channels', 'channel_limit', `the OAuth client had a notification channel free when one was needed`),
    ];
  }
}
