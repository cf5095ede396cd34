import { Injectable, Logger } from '@nestjs/common';
import { ProviderRegistry } from '../../contact-center/provider-registry';
import { EndpointsService } from '../../endpoints/endpoints.service';
import { HandoverLifecycle } from '../domain/handover-lifecycle';
import type { Handover } from '../domain/handover.model';
import { SessionsRepository } from '../store/sessions.repository';

/** First look at an alerted agent's leg, then doubling up to MAX_DELAY_MS, for at most GIVE_UP_MS. */
const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 15_000;
const GIVE_UP_MS = 10 * 60 * 1000;

/** An agent is being alerted: remember the leg and look at it in a while (the `agent-check` timer). */
export async function startAgentCheck(
  sessions: SessionsRepository,
  handoverId: string,
  participantId: string,
  agentUserId?: string,
): Promise<void> {
  await sessions.setHandoverFields(handoverId, {
    alertingParticipantId: participantId,
    alertingUserId: agentUserId ?? '',
    alertingSince: new Date().toISOString(),
  });
  await sessions.schedule('agent-check', handoverId, Date.now() + FIRST_DELAY_MS);
}

/** The alerted leg answered or ended: nothing more to look at. */
export async function stopAgentCheck(sessions: SessionsRepository, handoverId: string): Promise<void> {
  await sessions.cancelTimer('agent-check', handoverId);
  await sessions.setHandoverFields(handoverId, { alertingParticipantId: '', alertingUserId: '', alertingSince: '' });
}

/**
 * Confirms that an alerted agent answered when no signal will say it: a transfer straight to a user goes through no
 * queue, so Genesys sends no `acd.end` (research note §1.5 (c)). While an agent is alerting, the `agent-check` timer
 * asks the provider for the leg's state until it is connected (then the agent joined), over, or a signal came first.
 * Used by the timers only: the intake must not depend on the provider registry (which depends on the intake).
 */
@Injectable()
export class AgentChecks {
  private readonly logger = new Logger(AgentChecks.name);

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly lifecycle: HandoverLifecycle,
    private readonly endpoints: EndpointsService,
    private readonly providers: ProviderRegistry,
  ) {}

  private stop(handover: Pick<Handover, 'id'>): Promise<void> {
    return stopAgentCheck(this.sessions, handover.id);
  }

  /** The `agent-check` timer of a live handover fired. */
  async check(handover: Handover): Promise<void> {
    const { alertingParticipantId: participantId, conversationId } = handover;
    if (!participantId || !conversationId) return;
    // Announced already (acd.end came first): nothing to ask.
    if (handover.state === 'active' && handover.alertingUserId && handover.agentUserId === handover.alertingUserId) {
      return this.stop(handover);
    }
    const endpoint = await this.endpoints.find(handover.endpointId);
    const provider = endpoint && this.providers.forEndpoint(endpoint);
    if (!endpoint || !provider?.agentState) return this.stop(handover);
    const leg = await provider.agentState(endpoint, conversationId, participantId);
    if (leg?.state === 'connected') {
      this.logger.debug(`Handover ${handover.id}: agent ${leg.agentUserId ?? '?'} answered (participant state)`);
      await this.lifecycle.agentAnswered(endpoint, handover, leg.agentName, leg.agentUserId);
      return this.stop(handover);
    }
    const since = Date.parse(handover.alertingSince ?? '') || Date.now();
    const elapsed = Date.now() - since;
    if (leg?.state !== 'alerting' || elapsed > GIVE_UP_MS) return this.stop(handover);
    const delay = Math.min(MAX_DELAY_MS, Math.max(FIRST_DELAY_MS, elapsed));
    await this.sessions.schedule('agent-check', handover.id, Date.now() + delay);
  }
}
