import { Processor } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import type { ContactCenterProvider } from '../../contact-center/contact-center-provider';
import { ProviderRegistry } from '../../contact-center/provider-registry';
import type { Endpoint } from '../../endpoints/endpoint.model';
import { EndpointsService } from '../../endpoints/endpoints.service';
import { PermanentDeliveryError } from '../../relay/delivery-errors';
import { LANE_WORKER_OPTIONS, LaneWorker } from '../../relay/lane-worker';
import { Lane } from '../../relay/relay-queues';
import type { DeadLetter, MailboxEntry } from '../../relay/session-mailbox';
import type { AgentCommand } from '../domain/agent-commands';
import { HandoverLifecycle } from '../domain/handover-lifecycle';
import { ENDED_BY_US, EndReason, Handover } from '../domain/handover.model';
import { SessionsRepository } from '../store/sessions.repository';
import { DeliveryReceipts } from './delivery-receipts';

/** Messages the user wrote before the handover ended go out only if the conversation is still ours to close. */
function stillDeliverable(handover: Handover): boolean {
  return handover.state !== 'ended' || ENDED_BY_US.has(handover.reason as EndReason);
}

/** The endpoint of a lane entry, or a permanent failure: its entries cannot go anywhere any more. */
export async function laneEndpoint(endpoints: EndpointsService, endpointId: string): Promise<Endpoint> {
  const endpoint = await endpoints.find(endpointId);
  if (!endpoint) throw new PermanentDeliveryError(`Endpoint ${endpointId} no longer exists`);
  return endpoint;
}

/** Executes the commands for the contact center (open, user messages, typing, receipts, disconnect), in order per session. */
@Processor(Lane.ToAgent, LANE_WORKER_OPTIONS)
export class ToAgentLane extends LaneWorker {
  readonly lane = Lane.ToAgent;
  private readonly log = new Logger(ToAgentLane.name);

  constructor(
    private readonly endpoints: EndpointsService,
    private readonly providers: ProviderRegistry,
    private readonly sessions: SessionsRepository,
    private readonly lifecycle: HandoverLifecycle,
    private readonly receipts: DeliveryReceipts,
  ) {
    super();
  }

  async deliver(endpointId: string, _sessionId: string, entry: MailboxEntry): Promise<void> {
    const command = entry.body as AgentCommand;
    const endpoint = await laneEndpoint(this.endpoints, endpointId);
    const handover = await this.sessions.getHandover(command.handoverId);
    if (!handover) return;
    await this.execute(endpoint, this.providers.forEndpoint(endpoint), handover, command, entry);
  }

  private async execute(
    endpoint: Endpoint,
    provider: ContactCenterProvider,
    handover: Handover,
    command: AgentCommand,
    entry: MailboxEntry,
  ): Promise<void> {
    // A message's identity at the provider is its id and its time: both are fixed when the command is queued, so a
    // retry repeats them exactly (commands queued before `time` existed use the entry's own timestamp).
    const commandTime = (command.kind === 'open' || command.kind === 'message') && command.time ? Date.parse(command.time) : entry.at;
    const at = (offsetMs = 0) => new Date(commandTime + offsetMs).toISOString();
    switch (command.kind) {
      case 'open': {
        if (handover.state === 'ended') return;
        let conversationId = handover.conversationId;
        let submitted = false;
        for (const [index, text] of command.texts.entries()) {
          // Ids derived from the entry stay the same on a retry, so Genesys sees repeats as the same message; the
          // parts are a millisecond apart, in order.
          const sent = await provider.sendCustomerMessage(endpoint, {
            customer: command.customer,
            messageId: `${entry.id}-${index}`,
            time: at(index),
            text,
            routing: index === 0 ? command.routing : undefined,
          });
          // Once something reached the provider there is a conversation to close, even if the handover ends now.
          const fields: Record<string, string> = submitted ? {} : { submittedAt: new Date().toISOString() };
          submitted = true;
          if (!conversationId && sent.conversationId) fields.conversationId = conversationId = sent.conversationId;
          if (Object.keys(fields).length > 0) {
            // Stored before the state changes, so a release racing with this still finds what to disconnect.
            if (fields.conversationId) Object.assign(fields, await this.rethreading(endpoint, provider, handover, fields.conversationId));
            await this.sessions.setHandoverFields(handover.id, fields);
            if (fields.conversationId) await this.sessions.mapConversation(fields.conversationId, handover.id);
          }
          if (fields.submittedAt) await this.lifecycle.submitted(handover, fields.submittedAt);
        }
        // Watch before announcing "queued": an agent may pick the conversation up at once.
        if (conversationId)
          await provider
            .watchConversation(endpoint, conversationId)
            .catch((err: Error) => this.log.warn(`Cannot watch conversation ${conversationId}: ${err.message}`));
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
          time: at(),
          text: command.text,
          attachments: command.attachments,
          ...(command.reply ? { reply: command.reply } : {}),
        });
        return;
      case 'typing':
        if (handover.state !== 'ended') await provider.sendCustomerTyping(endpoint, command.customer, new Date().toISOString());
        return;
      case 'receipt':
        await this.receipts.send(endpoint, command);
        return;
      case 'disconnect':
        if (provider.leaveConversation) {
          // The opening never reached the provider: there is nobody to say goodbye to.
          if (!handover.queuedAt && !(await this.sessions.getHandoverField(handover.id, 'submittedAt'))) return;
          const identity = await this.sessions.identity(handover.id);
          const customer = identity?.customer ?? { id: handover.userId };
          await provider.leaveConversation(endpoint, { customer, conversationId: handover.conversationId, messageId: entry.id });
          return;
        }
        if (!handover.conversationId) return;
        await provider.disconnectCustomer(endpoint, handover.conversationId);
        // Reopened for a later handover meanwhile (threading timeline): its watch is that handover's now.
        if ((await this.sessions.identityOfConversation(handover.conversationId, { fresh: true }))?.id === handover.id) {
          await provider.unwatchConversation(endpoint, handover.conversationId).catch(() => undefined);
        }
        return;
    }
  }

  /**
   * The provider put the new handover into an earlier handover's conversation (Genesys reopens a disconnected one
   * within the threading timeline, 72 h by default): note it, and the legs that were already over, whose late
   * events belong to the earlier handover (ProviderEventIntake drops them).
   */
  private async rethreading(
    endpoint: Endpoint,
    provider: ContactCenterProvider,
    handover: Handover,
    conversationId: string,
  ): Promise<Record<string, string>> {
    const previous = await this.sessions.identityOfConversation(conversationId, { fresh: true });
    if (!previous || previous.id === handover.id) return {};
    const legs = (await provider.pastLegs?.(endpoint, conversationId)) ?? [];
    await this.sessions.appendTimeline(
      handover.endpointId,
      handover.sessionId,
      this.lifecycle.timeline(handover, 'provider.conversation_rethreaded', {
        conversationId,
        previousHandoverId: previous.id,
        pastLegs: legs.length,
      }),
    );
    this.log.log(`Handover ${handover.id}: conversation ${conversationId} reopened (it was handover ${previous.id}'s)`);
    return { rethreadedFrom: previous.id, earlierLegs: JSON.stringify(legs.slice(-500)) };
  }

  async onDeadLetter(deadLetter: DeadLetter): Promise<void> {
    const command = deadLetter.entry.body as AgentCommand;
    const handover = await this.sessions.getHandover(command.handoverId);
    if (!handover) return;
    await this.lifecycle.deliveryFailed(handover, 'to_agent');
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
}
