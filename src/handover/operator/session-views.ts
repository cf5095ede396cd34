import { Injectable, NotFoundException } from '@nestjs/common';
import { EndpointsService } from '../../endpoints/endpoints.service';
import type { Handover, HandoverState, TimelineEntry } from '../domain/handover.model';
import { SessionsRepository } from '../store/sessions.repository';
import type { HandoverView, SessionView } from '../bot-api/handover.dto';

const LIST_WINDOW = 1000;

function handoverView(h: Handover): HandoverView {
  return {
    id: h.id,
    state: h.state,
    ...(h.reason ? { reason: h.reason } : {}),
    ...(h.conversationId ? { conversationId: h.conversationId } : {}),
    ...(h.agentName ? { agent: { name: h.agentName } } : {}),
    createdAt: h.createdAt,
    ...(h.queuedAt ? { queuedAt: h.queuedAt } : {}),
    ...(h.activeAt ? { activeAt: h.activeAt } : {}),
    ...(h.endedAt ? { endedAt: h.endedAt } : {}),
  };
}

/** Read models of sessions for the bot API and the admin API. */
@Injectable()
export class SessionViews {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly endpoints: EndpointsService,
  ) {}

  async session(endpointId: string, sessionId: string): Promise<SessionView> {
    const session = await this.sessions.getSession(endpointId, sessionId);
    if (!session) throw new NotFoundException(`Session ${sessionId} not found on endpoint ${endpointId}`);
    const handover = session.handoverId ? await this.sessions.getHandover(session.handoverId) : undefined;
    return { sessionId, userId: session.userId, handover: handover ? handoverView(handover) : null };
  }

  async detail(endpointId: string, sessionId: string): Promise<SessionView & { endpointId: string; timeline: TimelineEntry[] }> {
    await this.endpoints.get(endpointId);
    const view = await this.session(endpointId, sessionId);
    return { endpointId, ...view, timeline: await this.sessions.timeline(endpointId, sessionId) };
  }

  /**
   * Sessions, most recently active first, optionally of one endpoint and one handover state. Looks at the
   * LIST_WINDOW most recent sessions of each endpoint: an operator's view, not an export.
   */
  async list(endpointId: string | undefined, state: HandoverState | undefined, limit: number, offset: number) {
    const endpointIds = endpointId ? [(await this.endpoints.get(endpointId)).id] : (await this.endpoints.list()).map((e) => e.id);
    const views: (SessionView & { endpointId: string })[] = [];
    for (const id of endpointIds) {
      const { ids } = await this.sessions.listSessionIds(id, LIST_WINDOW, 0);
      for (const sessionId of ids) views.push({ endpointId: id, ...(await this.session(id, sessionId)) });
    }
    const matching = state ? views.filter((v) => v.handover?.state === state) : views;
    return { total: matching.length, items: matching.slice(offset, offset + limit) };
  }
}
