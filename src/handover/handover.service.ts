import { randomUUID } from 'node:crypto';
import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { EndpointsService } from '../endpoints/endpoints.service';
import type { Endpoint } from '../endpoints/endpoint.model';
import type { Availability, CustomerProfile, RoutingData } from '../providers/contact-center-provider';
import { ProviderRegistry } from '../providers/provider-registry';
import { RedisService } from '../redis/redis.service';
import { SessionMailbox } from '../relay/session-mailbox';
import { Handover, HandoverState } from '../sessions/session.model';
import { SessionsRepository } from '../sessions/sessions.repository';
import type { AgentCommand } from './agent-commands';
import { StartHandoverDto, UserMessageDto } from './dto/handover.dto';
import { HandoverLifecycle } from './handover-lifecycle';
import { entryMark, splitText, transcriptMessages, unsentEntries } from './transcript';

/** Longest text sent to Genesys in one message (the agent-side limit for open messaging is 4000). */
export const PROVIDER_TEXT_LIMIT = 4000;

export interface LiveHandover {
  endpoint: Endpoint;
  handover: Handover;
  customer: CustomerProfile;
}

/** The bot API: start a handover, relay the user's messages and typing, release, read state, check availability. */
@Injectable()
export class HandoverService {
  constructor(
    private readonly endpoints: EndpointsService,
    private readonly sessions: SessionsRepository,
    private readonly lifecycle: HandoverLifecycle,
    private readonly mailbox: SessionMailbox,
    private readonly providers: ProviderRegistry,
    private readonly redis: RedisService,
  ) {}

  async start(endpointId: string, dto: StartHandoverDto): Promise<{ sessionId: string; handoverId: string; state: HandoverState }> {
    const endpoint = await this.endpoints.get(endpointId);
    const defaults = endpoint.handoverDefaults;
    const routing: RoutingData = {
      language: dto.language ?? defaults.language,
      skills: dto.skills ?? defaults.skills,
      priority: dto.priority ?? defaults.priority,
      customAttributes: { ...defaults.customAttributes, ...dto.customAttributes },
    };
    const customer: CustomerProfile = { id: dto.userId, ...dto.user };
    const transcript = dto.transcript ?? [];
    const lastSent = await this.sessions.getSessionField(endpointId, dto.sessionId, 'transcriptMark');
    const texts = [
      ...transcriptMessages(unsentEntries(transcript, lastSent), PROVIDER_TEXT_LIMIT),
      ...(dto.text ? splitText(dto.text, PROVIDER_TEXT_LIMIT) : []),
    ];
    // Open Messaging needs a first message to open the conversation.
    if (texts.length === 0) texts.push(`${customer.nickname ?? customer.firstName ?? 'The customer'} asked to talk to an agent.`);

    const now = new Date().toISOString();
    const handover: Handover = { id: `ho_${randomUUID().replace(/-/g, '')}`, endpointId, sessionId: dto.sessionId, userId: dto.userId, state: 'requested', createdAt: now, lastActivityAt: now };
    const open = this.lifecycle.agentEntry({ kind: 'open', handoverId: handover.id, customer, routing, texts });
    const result = await this.sessions.startHandover(
      handover,
      { customer: JSON.stringify(customer) },
      this.lifecycle.timeline(handover, 'handover.requested', { routing, transcriptMessages: texts.length }),
      open,
    );
    if (result.status === 'session-busy') throw new ConflictException(`Session ${dto.sessionId} already has a live handover (${result.handoverId})`);
    if (result.status === 'user-busy') throw new ConflictException(`User ${dto.userId} already has a live handover in session ${result.sessionId}`);
    if (transcript.length > 0) await this.sessions.setSessionField(endpointId, dto.sessionId, 'transcriptMark', entryMark(transcript[transcript.length - 1]));
    if (defaults.queueTimeoutSeconds > 0) await this.sessions.schedule('queue-timeout', handover.id, Date.now() + defaults.queueTimeoutSeconds * 1000);
    return { sessionId: dto.sessionId, handoverId: handover.id, state: 'requested' };
  }

  async sendMessage(endpointId: string, sessionId: string, dto: UserMessageDto): Promise<{ sessionId: string; handoverId: string; messageId: string; duplicate: boolean }> {
    const live = await this.requireLive(endpointId, sessionId);
    const messageId = dto.messageId ?? `msg-${randomUUID()}`;
    const command: AgentCommand = { kind: 'message', handoverId: live.handover.id, customer: live.customer, messageId, text: dto.text, attachments: dto.attachments ?? [] };
    const result = await this.push(live, command, dto.messageId ? this.redis.key('dedupe', 'bot-message', endpointId, sessionId, dto.messageId) : undefined);
    if (result === 'queued') {
      await this.sessions.appendTimeline(endpointId, sessionId, this.lifecycle.timeline(live.handover, 'user.message', { messageId, text: dto.text, attachments: dto.attachments?.length ?? 0 }));
      await this.touch(live);
    }
    return { sessionId, handoverId: live.handover.id, messageId, duplicate: result === 'duplicate' };
  }

  async sendTyping(endpointId: string, sessionId: string): Promise<void> {
    const live = await this.requireLive(endpointId, sessionId);
    await this.push(live, { kind: 'typing', handoverId: live.handover.id, customer: live.customer });
  }

  async release(endpointId: string, sessionId: string, reason: 'bot_released' | 'admin_released'): Promise<{ sessionId: string; handoverId: string; state: HandoverState }> {
    const live = await this.requireLive(endpointId, sessionId);
    if (!(await this.lifecycle.end(live.handover, reason))) throw new ConflictException(`Session ${sessionId} has no live handover`);
    return { sessionId, handoverId: live.handover.id, state: 'ended' };
  }

  async availability(endpointId: string, skills: string[], language: string | undefined): Promise<Availability> {
    const endpoint = await this.endpoints.get(endpointId);
    return this.providers.get(endpoint.provider.type).checkAvailability(endpoint, { skills, language });
  }

  /** Resets the inactivity timer: a message went one way or the other. */
  async touch({ endpoint, handover }: Pick<LiveHandover, 'endpoint' | 'handover'>): Promise<void> {
    const now = Date.now();
    await this.sessions.setHandoverFields(handover.id, { lastActivityAt: new Date(now).toISOString() });
    const seconds = endpoint.handoverDefaults.inactivityTimeoutSeconds;
    if (seconds > 0) await this.sessions.schedule('inactivity', handover.id, now + seconds * 1000);
  }

  async requireLive(endpointId: string, sessionId: string): Promise<LiveHandover> {
    const endpoint = await this.endpoints.get(endpointId);
    const session = await this.sessions.getSession(endpointId, sessionId);
    if (!session) throw new NotFoundException(`Session ${sessionId} not found on endpoint ${endpointId}`);
    const handover = session.handoverId ? await this.sessions.getHandover(session.handoverId) : undefined;
    if (!handover || handover.state === 'ended') throw new ConflictException(`Session ${sessionId} has no live handover`);
    const customer = (await this.sessions.getHandoverField<CustomerProfile>(handover.id, 'customer')) ?? { id: handover.userId };
    return { endpoint, handover, customer };
  }


  private push(live: LiveHandover, command: AgentCommand, dedupeKey?: string) {
    return this.mailbox
      .push('to-agent', live.handover.endpointId, live.handover.sessionId, this.lifecycle.agentEntry(command), {
        dedupeKey,
        requireLiveHandoverKey: this.sessions.liveGuardKey(live.handover.id),
      })
      .then((result) => {
        if (result === 'rejected') throw new ConflictException(`Session ${live.handover.sessionId} has no live handover`);
        return result;
      });
  }
}
