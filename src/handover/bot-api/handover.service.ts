import { randomUUID } from 'node:crypto';
import {
  BadGatewayException,
  BadRequestException,
  ConflictException,
  Injectable,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import { ProviderError, ProviderRejectedError } from '../../contact-center/provider-errors';
import { EndpointsService } from '../../endpoints/endpoints.service';
import type { Endpoint } from '../../endpoints/endpoint.model';
import type { Availability, CustomerProfile, CustomerReply, RoutingData } from '../../contact-center/contact-center-provider';
import { ProviderRegistry } from '../../contact-center/provider-registry';
import { RedisService } from '../../infrastructure/redis/redis.service';
import { Handover, HandoverState, MessageOffers } from '../domain/handover.model';
import { HandoverIdentity, QueueMessageRequest, QueueMessageResult, SessionsRepository } from '../store/sessions.repository';
import { QuickReplyDto, StartHandoverDto, UserMessageDto } from './handover.dto';
import { HandoverLifecycle } from '../domain/handover-lifecycle';
import { entryMark, splitText, transcriptMessages, unsentEntries } from '../domain/transcript';

/** Longest text sent to Genesys in one message (the agent-side limit for open messaging is 4000). */
export const PROVIDER_TEXT_LIMIT = 4000;

/** The bot API: start a handover, relay the user's messages and typing, release, read state, check availability. */
@Injectable()
export class HandoverService {
  constructor(
    private readonly endpoints: EndpointsService,
    private readonly sessions: SessionsRepository,
    private readonly lifecycle: HandoverLifecycle,
    private readonly providers: ProviderRegistry,
    private readonly redis: RedisService,
  ) {}

  async start(endpoint: Endpoint, dto: StartHandoverDto): Promise<{ sessionId: string; handoverId: string; state: HandoverState }> {
    const endpointId = endpoint.id;
    if (dto.cognigy && !endpoint.bot.cognigy)
      throw new BadRequestException(['cognigy.urlToken needs an endpoint whose bot is Cognigy (bot.cognigy)']);
    const defaults = endpoint.handoverDefaults;
    const routing: RoutingData = {
      language: dto.language ?? defaults.language,
      skills: dto.skills ?? defaults.skills,
      priority: dto.priority ?? defaults.priority,
      customAttributes: { ...defaults.customAttributes, ...dto.customAttributes },
    };
    const transcript = dto.transcript ?? [];
    const lastSent = await this.sessions.getSessionField(endpointId, dto.sessionId, 'transcriptMark');
    const texts = [
      ...transcriptMessages(unsentEntries(transcript, lastSent), PROVIDER_TEXT_LIMIT),
      ...(dto.text ? splitText(dto.text, PROVIDER_TEXT_LIMIT) : []),
    ];

    const now = new Date().toISOString();
    const handover: Handover = {
      id: this.sessions.newHandoverId(endpointId, dto.sessionId),
      endpointId,
      sessionId: dto.sessionId,
      userId: dto.userId,
      state: 'requested',
      createdAt: now,
      lastActivityAt: now,
      cognigyUrlToken: dto.cognigy?.urlToken,
    };
    const provider = this.providers.forEndpoint(endpoint);
    const customer: CustomerProfile = {
      ...dto.user,
      id: provider.customerIdFor?.(endpoint, { userId: dto.userId, handoverId: handover.id }) ?? dto.userId,
    };
    // The provider needs a first message to open the conversation.
    if (texts.length === 0) texts.push(`${customer.nickname ?? customer.firstName ?? 'The customer'} asked to talk to an agent.`);
    const open = this.lifecycle.agentEntry({ kind: 'open', handoverId: handover.id, customer, routing, texts, time: now });
    const facts = await this.lifecycle.requested(endpoint, handover, routing);
    const result = await this.sessions
      .startHandover(
        handover,
        { customer: JSON.stringify(customer), routing: JSON.stringify(routing) },
        this.lifecycle.timeline(handover, 'handover.requested', { routing, transcriptMessages: texts.length }),
        open,
      )
      .catch(async (err: unknown) => {
        await facts.withdraw();
        throw err;
      });
    if (result.status === 'ok') facts.accepted();
    else await facts.withdraw();
    if (result.status === 'session-busy')
      throw new ConflictException(`Session ${dto.sessionId} already has a live handover (${result.handoverId})`);
    if (result.status === 'user-busy')
      throw new ConflictException(`User ${dto.userId} already has a live handover in session ${result.sessionId}`);
    if (transcript.length > 0)
      await this.sessions.setSessionField(endpointId, dto.sessionId, 'transcriptMark', entryMark(transcript[transcript.length - 1]));
    if (defaults.queueTimeoutSeconds > 0)
      await this.sessions.schedule('queue-timeout', handover.id, Date.now() + defaults.queueTimeoutSeconds * 1000);
    return { sessionId: dto.sessionId, handoverId: handover.id, state: 'requested' };
  }

  async sendMessage(
    endpoint: Endpoint,
    sessionId: string,
    dto: UserMessageDto,
  ): Promise<{ sessionId: string; handoverId: string; messageId: string; duplicate: boolean }> {
    const handover = await this.handoverOf(endpoint.id, sessionId);
    const messageId = dto.messageId ?? `msg-${randomUUID()}`;
    const reply = dto.quickReply ? await this.replyTo(handover, dto.quickReply) : undefined;
    const result = await this.queue(handover, {
      lane: 'to-agent',
      entry: this.lifecycle.agentEntry({
        kind: 'message',
        handoverId: handover.id,
        customer: handover.customer,
        messageId,
        text: dto.text,
        attachments: dto.attachments ?? [],
        time: new Date().toISOString(),
        ...(reply ? { reply } : {}),
      }),
      dedupeKey: dto.messageId ? this.redis.keys.botMessageSeen(endpoint.id, sessionId, dto.messageId) : undefined,
      timeline: this.lifecycle.timeline(handover, 'user.message', {
        messageId,
        text: dto.text,
        attachments: dto.attachments?.length ?? 0,
        ...(reply ? { reply: { type: reply.type, originatingMessageId: reply.originatingMessageId, text: reply.text } } : {}),
      }),
      activity: this.lifecycle.activity(endpoint),
    });
    if (result === 'queued') this.lifecycle.messageQueued(handover, 'user');
    return { sessionId, handoverId: handover.id, messageId, duplicate: result === 'duplicate' };
  }

  async sendTyping(endpoint: Endpoint, sessionId: string): Promise<void> {
    const handover = await this.handoverOf(endpoint.id, sessionId);
    await this.queue(handover, {
      lane: 'to-agent',
      entry: this.lifecycle.agentEntry({ kind: 'typing', handoverId: handover.id, customer: handover.customer }),
    });
  }

  async release(
    endpointId: string,
    sessionId: string,
    reason: 'bot_released' | 'admin_released',
  ): Promise<{ sessionId: string; handoverId: string; state: HandoverState }> {
    await this.endpoints.get(endpointId);
    const handover = await this.handoverOf(endpointId, sessionId);
    if (!(await this.lifecycle.end(handover, reason))) throw new ConflictException(`Session ${sessionId} has no live handover`);
    return { sessionId, handoverId: handover.id, state: 'ended' };
  }

  /** Asked of the contact center now: 503 while it cannot be reached (retry later), 502 when it refuses. */
  async availability(endpoint: Endpoint, skills: string[], language: string | undefined): Promise<Availability> {
    try {
      return await this.providers.forEndpoint(endpoint).checkAvailability(endpoint, { skills, language });
    } catch (err) {
      if (err instanceof ProviderRejectedError) throw new BadGatewayException(`The contact center refused: ${err.message}`);
      if (err instanceof ProviderError) throw new ServiceUnavailableException(`The contact center is unavailable: ${err.message}`);
      throw err;
    }
  }

  /**
   * The pick as what it answers: the agent message it names must be one of this handover's (its timeline entry says
   * what it offered), and the payload decides between its quick replies, card buttons and dates.
   */
  private async replyTo(handover: HandoverIdentity, pick: QuickReplyDto): Promise<CustomerReply> {
    const entry = (await this.sessions.timeline(handover.endpointId, handover.sessionId)).find(
      (e) => e.event === 'agent.message' && e.handoverId === handover.id && e.detail?.providerMessageId === pick.messageId,
    );
    if (!entry) {
      throw new BadRequestException([`quickReply.messageId must be the data.messageId of an agent.message of this handover`]);
    }
    const offers = (entry.detail?.offers ?? {}) as MessageOffers;
    const types = (['QuickReply', 'Button', 'DatePicker'] as const).filter((type) => (offers[type]?.length ?? 0) > 0);
    if (types.length === 0) {
      throw new BadRequestException([`quickReply.messageId names an agent.message without quick replies, buttons or dates`]);
    }
    const type = types.find((t) => offers[t]!.includes(pick.payload)) ?? types[0];
    return { originatingMessageId: pick.messageId, type, text: pick.text, payload: pick.payload };
  }

  /**
   * The session's handover, for the bot API: 404 for an unknown session. Whether it is still live is checked
   * atomically where it matters.
   */
  private async handoverOf(endpointId: string, sessionId: string): Promise<HandoverIdentity> {
    const handover = await this.sessions.identityOfSession(endpointId, sessionId);
    if (!handover) throw new NotFoundException(`Session ${sessionId} not found on endpoint ${endpointId}`);
    return handover;
  }

  private async queue(handover: HandoverIdentity, request: QueueMessageRequest): Promise<QueueMessageResult> {
    const result = await this.sessions.queueMessage(handover, request);
    if (result === 'rejected') throw new ConflictException(`Session ${handover.sessionId} has no live handover`);
    return result;
  }
}
