import { Processor } from '@nestjs/bullmq';
import { BotCallbackClient } from '../../bot/bot-callback.client';
import { EndpointsService } from '../../endpoints/endpoints.service';
import { LANE_WORKER_OPTIONS, LaneWorker } from '../../relay/lane-worker';
import { Lane } from '../../relay/relay-queues';
import type { DeadLetter, MailboxEntry } from '../../relay/session-mailbox';
import { BotLaneBody, botEventOf } from '../domain/agent-commands';
import { HandoverLifecycle } from '../domain/handover-lifecycle';
import { DeliveryReceipts } from './delivery-receipts';
import { laneEndpoint } from './to-agent.lane';

/** Delivers the events for the bot (agent messages, typing, lifecycle) to its callback, in order per session. */
@Processor(Lane.ToBot, LANE_WORKER_OPTIONS)
export class ToBotLane extends LaneWorker {
  readonly lane = Lane.ToBot;

  constructor(
    private readonly endpoints: EndpointsService,
    private readonly callbacks: BotCallbackClient,
    private readonly receipts: DeliveryReceipts,
    private readonly lifecycle: HandoverLifecycle,
  ) {
    super();
  }

  async deliver(endpointId: string, _sessionId: string, entry: MailboxEntry): Promise<void> {
    const body = entry.body as BotLaneBody;
    const endpoint = await laneEndpoint(this.endpoints, endpointId);
    await this.callbacks.send(endpoint, botEventOf(entry as MailboxEntry<BotLaneBody>), body.route);
    await this.receipts.report(endpoint, body, 'Delivered');
  }

  async onDeadLetter(deadLetter: DeadLetter): Promise<void> {
    const body = deadLetter.entry.body as BotLaneBody;
    const { handoverId, endpointId, sessionId, userId } = body.event;
    await this.lifecycle.deliveryFailed({ id: handoverId, endpointId, sessionId, userId }, 'to_bot');
    const endpoint = await this.endpoints.find(deadLetter.endpointId);
    if (endpoint) await this.receipts.report(endpoint, body, 'Failed', deadLetter.reason);
  }
}
