import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import type { ReceiptReason } from '../../contact-center/contact-center-provider';
import { ProviderRejectedError } from '../../contact-center/provider-errors';
import { ProviderRegistry } from '../../contact-center/provider-registry';
import type { Endpoint } from '../../endpoints/endpoint.model';
import { SessionMailbox } from '../../relay/session-mailbox';
import type { AgentCommand, BotLaneBody } from '../domain/agent-commands';
import { HandoverLifecycle } from '../domain/handover-lifecycle';

type ReceiptCommand = Extract<AgentCommand, { kind: 'receipt' }>;

/**
 * The provider-neutral reason of a Failed receipt, read off why the delivery to the bot was given up (the dead
 * letter's reason: the bot callback's answer, a missing endpoint or callback, a refused egress).
 */
export function receiptReason(failure: string): ReceiptReason {
  const status = Number(/\banswered (\d{3})\b/.exec(failure)?.[1]);
  if (status === 429) return 'RateLimited';
  if (status === 404 || status === 410) return 'InvalidDestination';
  if (status >= 400 && status < 500) return 'MessageNotAllowed';
  if (/no longer exists|no bot callback configured|refused: it resolves to/.test(failure)) return 'InvalidDestination';
  return 'GeneralError';
}

/** Receipts being sent in the background at once; past this, new ones take the durable lane. */
const MAX_IN_FLIGHT = 256;

/**
 * Tells the contact center whether an agent's message reached the bot (Genesys Delivered/Failed receipts).
 * Receipts promise no order, so they are sent straight from the drain that delivered the message, in the
 * background: no job of their own, and a slow or throttled contact center never holds up the bot lane. Only a
 * receipt that cannot go at once (throttled, a transient failure, too many in flight, shutting down) is queued
 * on the session's to-agent lane, which retries it with backoff. A receipt in flight when the process dies is
 * lost; the message itself was delivered, Genesys only keeps showing it as sent. DELIVERED_RECEIPTS=false saves
 * the call per agent message (and its share of the endpoint's Genesys rate limit); Failed receipts are always sent.
 */
@Injectable()
export class DeliveryReceipts implements BeforeApplicationShutdown {
  private readonly logger = new Logger(DeliveryReceipts.name);
  private readonly inFlight = new Set<Promise<void>>();
  private closing = false;

  constructor(
    private readonly providers: ProviderRegistry,
    private readonly mailbox: SessionMailbox,
    private readonly lifecycle: HandoverLifecycle,
    private readonly config: AppConfig,
  ) {}

  /** Resolves once the receipt is sending in the background or queued; never throws for a background failure. */
  async report(endpoint: Endpoint, body: BotLaneBody, status: 'Delivered' | 'Failed', reason?: string): Promise<void> {
    const { event, receiptFor } = body;
    if (!receiptFor || (status === 'Delivered' && !this.config.deliveredReceipts)) return;
    const command: ReceiptCommand = {
      kind: 'receipt',
      handoverId: event.handoverId,
      customer: receiptFor.customer,
      providerMessageId: receiptFor.providerMessageId,
      status,
      reason,
    };
    if (this.closing || this.inFlight.size >= MAX_IN_FLIGHT) return this.queue(event.endpointId, event.sessionId, command);
    const sending: Promise<void> = this.send(endpoint, command)
      .catch(() => this.queue(event.endpointId, event.sessionId, command))
      .catch((err: Error) => this.logger.warn(`Receipt for ${command.providerMessageId} neither sent nor queued: ${err.message}`))
      .finally(() => this.inFlight.delete(sending));
    this.inFlight.add(sending);
  }

  /** Sends one receipt; a receipt the contact center refuses for good (e.g. the conversation closed) is dropped. */
  async send(endpoint: Endpoint, command: ReceiptCommand): Promise<void> {
    const reason = command.reason ? { code: receiptReason(command.reason), message: command.reason } : undefined;
    try {
      await this.providers.forEndpoint(endpoint).sendReceipt(endpoint, {
        customer: command.customer,
        providerMessageId: command.providerMessageId,
        status: command.status,
        reason,
      });
    } catch (err) {
      if (err instanceof ProviderRejectedError) return this.logger.debug(`Receipt not accepted: ${err.message}`);
      throw err;
    }
  }

  private async queue(endpointId: string, sessionId: string, command: ReceiptCommand): Promise<void> {
    await this.mailbox.push('to-agent', endpointId, sessionId, this.lifecycle.agentEntry(command));
  }

  /** Runs before the queues and Redis close: receipts still in flight finish (or are queued) first, within the grace. */
  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    const deadline = Date.now() + this.config.shutdownGraceMs;
    while (this.inFlight.size > 0 && Date.now() < deadline) {
      const timeout = new Promise((resolve) => setTimeout(resolve, deadline - Date.now()).unref());
      await Promise.race([Promise.allSettled([...this.inFlight]), timeout]);
    }
    if (this.inFlight.size > 0) this.logger.warn(`${this.inFlight.size} receipt(s) still in flight at shutdown; they are lost`);
  }
}
