import { Injectable, Logger } from '@nestjs/common';
import type { Endpoint } from '../../endpoints/endpoint.model';
import { RedisService } from '../../infrastructure/redis/redis.service';
import type {
  Availability,
  ContactCenterProvider,
  CustomerMessage,
  CustomerProfile,
  QueueStatus,
  ReceiptReason,
  SentMessage,
} from '../contact-center-provider';
import { ProviderRejectedError } from '../provider-errors';
import { consumerIdFor } from './customer-ids';
import { GENESYS_MULTICLOUD_CX } from './genesys-multicloud-cx-settings';
import { McxEndpoint, NexusApiClient } from './nexus-api-client';
import { customerTexts, receiptBody, textBody } from './nexus-payloads';

export function asMcxEndpoint(endpoint: Endpoint): McxEndpoint {
  if (endpoint.provider.type !== GENESYS_MULTICLOUD_CX) {
    throw new ProviderRejectedError(`Endpoint ${endpoint.id} is not a Genesys Multicloud CX endpoint`);
  }
  return endpoint as McxEndpoint;
}

/** How long the parts of a long message already sent are remembered, so a retry sends only the rest. */
const SENT_PART_TTL_SECONDS = 24 * 3600;

/**
 * Genesys Multicloud CX Digital Channels (Nexus) Third-Party Messaging behind the ContactCenterProvider boundary
 * (reference §10). Nexus has no typing, queue status, availability or disconnect call: typing is dropped, the queue
 * status is unknown, availability is assumed (routing decides), and ending from our side sends the goodbye text.
 * Its conversation id (the interaction) is learnt from the Designer application's routing-context call.
 */
@Injectable()
export class GenesysMulticloudCxProvider implements ContactCenterProvider {
  readonly type = GENESYS_MULTICLOUD_CX;
  private readonly logger = new Logger(GenesysMulticloudCxProvider.name);

  constructor(
    private readonly api: NexusApiClient,
    private readonly redis: RedisService,
  ) {}

  customerIdFor(endpoint: Endpoint, ids: { userId: string; handoverId: string }): string {
    return consumerIdFor(asMcxEndpoint(endpoint).provider.customerIdMode, ids);
  }

  /**
   * One Nexus message per text piece (attachments as their URLs, long texts split). The pieces of one message
   * already accepted are not sent again when the relay retries it.
   */
  async sendCustomerMessage(endpoint: Endpoint, message: CustomerMessage): Promise<SentMessage> {
    const ep = asMcxEndpoint(endpoint);
    const texts = customerTexts(message);
    if (texts.length === 0) throw new ProviderRejectedError('A customer message needs text or attachments');
    let providerMessageId: string | undefined;
    for (const [index, text] of texts.entries()) {
      const sentKey = texts.length > 1 ? this.redis.keys.mcxSentPart(ep.id, message.messageId, index) : undefined;
      if (sentKey && (await this.redis.client.exists(sentKey))) continue;
      const id = await this.api.postMessage(ep, textBody(ep.provider.channelId, message.customer.id, text), 'customer message');
      providerMessageId ??= id;
      if (sentKey) await this.redis.client.set(sentKey, '1', 'EX', SENT_PART_TTL_SECONDS);
    }
    return { providerMessageId };
  }

  /** Third-Party Messaging documents no typing indicator: nothing to send. */
  async sendCustomerTyping(): Promise<void> {}

  async sendReceipt(endpoint: Endpoint, receipt: Parameters<ContactCenterProvider['sendReceipt']>[1]): Promise<void> {
    const ep = asMcxEndpoint(endpoint);
    const body = receiptBody(ep.provider.channelId, receipt.customer.id, receipt.providerMessageId, receipt.status, receipt.reason);
    await this.api.postMessage(ep, body, `${receipt.status} receipt`);
  }

  /**
   * A Failed receipt for an agent message the connector acknowledged but cannot deliver (no live handover, an
   * unsupported type), sent in the background: Nexus is not kept waiting for its webhook answer.
   */
  refuse(endpoint: Endpoint, agentMessage: { consumerId: string; messageId: string }, reason: ReceiptReason, detail: string): void {
    const customer: CustomerProfile = { id: agentMessage.consumerId };
    this.sendReceipt(endpoint, {
      customer,
      providerMessageId: agentMessage.messageId,
      status: 'Failed',
      reason: { code: reason, message: detail },
    }).catch((err: Error) => this.logger.warn(`Failed receipt (${reason}) for endpoint ${endpoint.id} not sent: ${err.message}`));
  }

  /** Nexus has no call to end an interaction from the consumer side; leaveConversation tells the agent instead. */
  async disconnectCustomer(): Promise<void> {}

  /** The goodbye text, as the customer's last message; the agent then marks the interaction Done. */
  async leaveConversation(endpoint: Endpoint, leave: { customer: CustomerProfile; messageId: string }): Promise<void> {
    const ep = asMcxEndpoint(endpoint);
    await this.api.postMessage(ep, textBody(ep.provider.channelId, leave.customer.id, ep.provider.goodbyeText), 'goodbye message');
  }

  /** Nothing in Third-Party Messaging tells a queue position or wait. */
  async getQueueStatus(): Promise<QueueStatus | null> {
    return null;
  }

  /** Unknown: "available", so that a handover is not refused for want of an answer; routing decides. */
  async checkAvailability(): Promise<Availability> {
    return { available: true };
  }

  /** The Interactions webhook reports every interaction's end: nothing to subscribe to. */
  async watchConversation(): Promise<void> {}

  async unwatchConversation(): Promise<void> {}
}
