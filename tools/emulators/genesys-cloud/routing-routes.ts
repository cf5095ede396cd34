import { Router } from 'express';
import { GenesysApiError } from './errors';
import type { EmulatorStore } from './store';

type Json = Record<string, unknown>;

/**
 * Queue estimated wait time, the queue observations query (agent availability), and user lookup (under /api/v2).
 * Every queue id answers with the emulator's routing settings.
 */
export function routingRoutes(store: EmulatorStore): Router {
  const router = Router();

  router.get('/routing/queues/:queueId/mediatypes/:mediaType/estimatedwaittime', (req, res) => {
    res.json({
      results: [
        {
          intent: req.params.mediaType.toUpperCase(),
          formula: 'BEST',
          estimatedWaitTimeSeconds: store.routing.estimatedWaitSeconds,
        },
      ],
    });
  });

  router.post('/analytics/queues/observations/query', (req, res) => {
    const body = req.body as Json | undefined;
    if (!body || typeof body.filter !== 'object' || body.filter === null) {
      throw GenesysApiError.badRequest('filter is required');
    }
    const requested = Array.isArray(body.metrics) ? new Set(body.metrics.map(String)) : undefined;
    const wants = (metric: string) => !requested || requested.has(metric);
    const queueIds = predicateValues(body.filter, 'queueId');
    const { agentsIdle, agentsInteracting, waiting } = store.routing;

    const data: Json[] = [];
    // As in Genesys, a qualifier with no users is left out rather than reported as 0.
    if (wants('oOnQueueUsers') && agentsIdle > 0) data.push({ metric: 'oOnQueueUsers', qualifier: 'IDLE', stats: { count: agentsIdle } });
    if (wants('oOnQueueUsers') && agentsInteracting > 0) {
      data.push({ metric: 'oOnQueueUsers', qualifier: 'INTERACTING', stats: { count: agentsInteracting } });
    }
    if (wants('oWaiting')) data.push({ metric: 'oWaiting', stats: { count: waiting } });

    const groups: Json[] = queueIds.length > 0 ? queueIds.map((queueId) => ({ queueId, mediaType: 'message' })) : [{}];
    res.json({ results: groups.map((group) => ({ group, data })) });
  });

  router.get('/users/:userId', (req, res) => {
    const user = store.getUser(req.params.userId);
    if (!user) throw GenesysApiError.notFound(`User ${req.params.userId} not found`);
    res.json({ ...user, state: 'active', selfUri: `/api/v2/users/${user.id}` });
  });

  return router;
}

/** Values of every `{dimension, value}` predicate for one dimension, at any depth of `clauses`. */
function predicateValues(filter: unknown, dimension: string): string[] {
  if (typeof filter !== 'object' || filter === null) return [];
  const node = filter as { dimension?: unknown; value?: unknown; predicates?: unknown; clauses?: unknown };
  const own = node.dimension === dimension && typeof node.value === 'string' ? [node.value] : [];
  const children = [node.predicates, node.clauses].flatMap((list) => (Array.isArray(list) ? list : []));
  return [...own, ...children.flatMap((child) => predicateValues(child, dimension))];
}
