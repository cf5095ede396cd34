import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { EndpointsService } from '../../endpoints/endpoints.service';
import { ProviderRegistry } from '../../contact-center/provider-registry';
import { SessionMailbox } from '../../relay/session-mailbox';
import { Handover, TimerKind } from '../domain/handover.model';
import { SessionsRepository } from '../store/sessions.repository';
import { HandoverLifecycle } from '../domain/handover-lifecycle';
import { AgentChecks } from '../provider-intake/agent-checks';

const TICK_MS = 250;
const BATCH = 200;

/**
 * Fires due timers (inactivity, queue timeout, queue-status polling, agent-left grace). Timers live in one
 * Redis sorted set; claiming removes them atomically, so each fires in exactly one process.
 */
@Injectable()
export class HandoverTimers implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(HandoverTimers.name);
  private timer?: NodeJS.Timeout;
  private tick?: Promise<void>;

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly lifecycle: HandoverLifecycle,
    private readonly endpoints: EndpointsService,
    private readonly providers: ProviderRegistry,
    private readonly mailbox: SessionMailbox,
    private readonly agentChecks: AgentChecks,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.tick ??= this.fireDue().finally(() => (this.tick = undefined));
    }, TICK_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.tick;
  }

  async fireDue(now = Date.now()): Promise<void> {
    try {
      const due = await this.sessions.claimDueTimers(now, BATCH);
      await Promise.all(due.map(({ kind, handoverId }) => this.fire(kind, handoverId)));
    } catch (err) {
      this.logger.warn(`Timer tick failed: ${(err as Error).message}`);
    }
  }

  private async fire(kind: TimerKind, handoverId: string): Promise<void> {
    const handover = await this.sessions.getHandover(handoverId);
    if (!handover || handover.state === 'ended') return;
    try {
      switch (kind) {
        case 'inactivity':
          if (handover.state === 'active') await this.lifecycle.end(handover, 'inactivity_timeout');
          break;
        case 'queue-timeout':
          if (handover.state !== 'active') await this.lifecycle.end(handover, 'queue_timeout');
          break;
        case 'agent-left':
          await this.lifecycle.end(handover, 'agent_ended');
          break;
        case 'queue-poll':
          await this.pollQueue(handover);
          break;
        case 'agent-check':
          await this.agentChecks.check(handover);
          break;
      }
    } catch (err) {
      this.logger.warn(`Timer ${kind} of ${handoverId} failed: ${(err as Error).message}`);
      if (kind !== 'queue-poll') await this.sessions.schedule(kind, handoverId, Date.now() + 1000);
    }
  }

  /** While queued, asks the provider for the wait and tells the bot; keeps polling until the agent joins. */
  private async pollQueue(handover: Handover): Promise<void> {
    if (handover.state === 'active') return;
    const endpoint = await this.endpoints.find(handover.endpointId);
    if (!endpoint) return;
    const interval = endpoint.handoverDefaults.queueUpdateIntervalSeconds * 1000;
    try {
      if (handover.state === 'queued' && handover.conversationId) {
        const status = await this.providers.get(endpoint.provider.type).getQueueStatus(endpoint, handover.conversationId);
        if (status) {
          await this.mailbox.push(
            'to-bot',
            handover.endpointId,
            handover.sessionId,
            this.lifecycle.botEntry(handover, 'handover.queue_update', status),
            {
              requireLiveHandoverKey: this.sessions.liveGuardKey(handover.id),
            },
          );
        }
      }
    } finally {
      if (interval > 0) await this.sessions.schedule('queue-poll', handover.id, Date.now() + interval);
    }
  }
}
