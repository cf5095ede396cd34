import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { BotCallbackClient } from '../../bot/bot-callback.client';
import { EndpointsService } from '../../endpoints/endpoints.service';
import type { Endpoint } from '../../endpoints/endpoint.model';
import { ContactCenterProvider, ProviderError, ProviderThrottledError } from '../../contact-center/contact-center-provider';
import { ProviderRegistry } from '../../contact-center/provider-registry';
import { DeferDeliveryError, PermanentDeliveryError, RetryAfterError } from '../../relay/delivery-errors';
import { LaneHandlers } from '../../relay/lane-handlers';
import type { DeadLetter, MailboxEntry } from '../../relay/session-mailbox';
import { ENDED_BY_US, EndReason, Handover } from '../domain/handover.model';
import { SessionsRepository } from '../store/sessions.repository';
import { AgentCommand, BotLaneBody, botEventOf } from '../domain/agent-commands';
import { DeliveryReceipts } from './delivery-receipts';
import { HandoverLifecycle } from '../domain/handover-lifecycle';

/** Provider failures in the relay's terms: wait (our own rate limit), retry (after Retry-After), or give up. */
function asDeliveryError(err: unknown): Error {
  if (err instanceof ProviderThrottledError) return new DeferDeliveryError(err.message, err.retryAfterMs ?? 1000);
  if (err instanceof ProviderError) {
    if (!err.retryable) return new PermanentDeliveryError(err.message);
    return err.retryAfterMs !== undefined ? new RetryAfterError(err.message, err.retryAfterMs) : err;
  }
  return err instanceof Error ? err : new Error(String(err));
}

/** Messages the user wrote before the handover ended go out only if the conversation is still ours to close. */
function stillDeliverable(handover: Handover): boolean {
  return handover.state !== 'ended' || ENDED_BY_US.has(handover.reason as EndReason);
}

/** Delivers both lanes: commands to the contact center, events to the bot. */
@Injectable()
export class RelayHandlers implements OnModuleInit {
  private readonly logger = new Logger(RelayHandlers.name);

  constructor(
    private readonly lanes: LaneHandlers,
    private readonly endpoints: EndpointsService,
    private readonly providers: ProviderRegistry,
    private readonly sessions: SessionsRepository,
    private readonly lifecycle: HandoverLifecycle,
    private readonly callbacks: BotCallbackClient,
    private readonly receipts: DeliveryReceipts,
  ) {}

  onModuleInit(): void {
    this.lanes.register('to-agent', {
      deliver: (endpointId, _sessionId, entry) => this.toAgent(endpointId, entry as MailboxEntry<AgentCommand>),
      onDeadLetter: (deadLetter) => this.agentCommandDeadLettered(deadLetter),
    });
    this.lanes.register('to-bot', {
      deliver: (endpointId, _sessionId, entry) => this.toBot(endpointId, entry as MailboxEntry<BotLaneBody>),
      onDeadLetter: (deadLetter) => this.botEventDeadLettered(deadLetter),
    });
  }

  private async endpoint(endpointId: string): Promise<Endpoint> {
    const endpoint = await this.endpoints.find(endpointId);
    if (!endpoint) throw new PermanentDeliveryError(`Endpoint ${endpointId} no longer exists`);
    return endpoint;
  }

  private async toAgent(endpointId: string, entry: MailboxEntry<AgentCommand>): Promise<void> {
    const command = entry.body;
    const endpoint = await this.endpoint(endpointId);
    const provider = this.providers.get(endpoint.provider.type);
    const handover = await this.sessions.getHandover(command.handoverId);
    if (!handover) return;
    try {
      await this.execute(endpoint, provider, handover, command, entry.id);
    } catch (err) {
      throw asDeliveryError(err);
    }
  }

  private async execute(
    endpoint: Endpoint,
    provider: ContactCenterProvider,
    handover: Handover,
    command: AgentCommand,
    entryId: string,
  ): Promise<void> {
    const time = new Date().toISOString();
    switch (command.kind) {
      case 'open': {
        if (handover.state === 'ended') return;
        let conversationId = handover.conversationId;
        for (const [index, text] of command.texts.entries()) {
          // Ids derived from the entry stay the same on a retry, so Genesys sees repeats as the same message.
          const sent = await provider.sendCustomerMessage(endpoint, {
            customer: command.customer,
            messageId: `${entryId}-${index}`,
            time,
            text,
            routing: index === 0 ? command.routing : undefined,
          });
          if (!conversationId && sent.conversationId) {
            conversationId = sent.conversationId;
            // Stored before the state changes, so a release racing with this still finds what to disconnect.
            await this.sessions.setHandoverFields(handover.id, { conversationId });
            await this.sessions.mapConversation(conversationId, handover.id);
          }
        }
        // Watch before announcing "queued": an agent may pick the conversation up at once.
        if (conversationId)
          await provider
            .watchConversation(endpoint, conversationId)
            .catch((err: Error) => this.logger.warn(`Cannot watch conversation ${conversationId}: ${err.message}`));
        if (await this.lifecycle.markQueued(handover, conversationId)) {
          const interval = endpoint.handoverDefaults.queueUpdateIntervalSeconds;
          if (interval > 0) await this.sessions.schedule('queue-poll', handover.id, Date.now() + interval * 1000);
        }
        return;
      }
      case 'message':
        if (!stillDeliverable(handover)) return;
        await provider.sendCustomerMessage(endpoint, {
          customer: command.customer,
          messageId: command.messageId,
          time,
          text: command.text,
          attachments: command.attachments,
        });
        return;
      case 'typing':
        if (handover.state !== 'ended') await provider.sendCustomerTyping(endpoint, command.customer, time);
        return;
      case 'receipt':
        await this.receipts.send(endpoint.id, command);
        return;
      case 'disconnect':
        if (!handover.conversationId) return;
        await provider.disconnectCustomer(endpoint, handover.conversationId);
        await provider.unwatchConversation(endpoint, handover.conversationId).catch(() => undefined);
        return;
    }
  }

  private async agentCommandDeadLettered(deadLetter: DeadLetter): Promise<void> {
    const command = deadLetter.entry.body as AgentCommand;
    const handover = await this.sessions.getHandover(command.handoverId);
    if (!handover) return;
    if (command.kind === 'open') {
      await this.lifecycle.end(handover, 'provider_error');
    } else if (command.kind === 'message') {
      await this.sessions.appendTimeline(
        handover.endpointId,
        handover.sessionId,
        this.lifecycle.timeline(handover, 'user.message_failed', { messageId: command.messageId, deadLetterId: deadLetter.id }),
      );
    }
  }

  private async toBot(endpointId: string, entry: MailboxEntry<BotLaneBody>): Promise<void> {
    const endpoint = await this.endpoint(endpointId);
    await this.callbacks.send(endpoint, botEventOf(entry));
    await this.receipts.report(entry.body, 'Delivered');
  }

  private async botEventDeadLettered(deadLetter: DeadLetter): Promise<void> {
    await this.receipts.report(deadLetter.entry.body as BotLaneBody, 'Failed', deadLetter.reason);
  }
}
