import { Router } from 'express';
import { GenesysApiError } from './errors';
import type { EmulatorStore } from './store';

type Json = Record<string, unknown>;

/** `QueueObservationQuery.metrics` (Java SDK MetricsEnum). */
const OBSERVATION_METRICS = [
  'oActiveUsers',
  'oAlerting',
  'oInteracting',
  'oMemberUsers',
  'oOffQueueUsers',
  'oOnQueueUsers',
  'oUserPresences',
  'oUserRoutingStatuses',
  'oWaiting',
];

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

  // Per conversation: its place among the conversations waiting in the queue times the queue's estimate; none for
  // a conversation that is not waiting (unknown, answered or over). The `formula` mirrors PredictionResults.
  router.get('/routing/queues/:queueId/estimatedwaittime', (req, res) => {
    const conversationId = typeof req.query.conversationId === 'string' ? req.query.conversationId : undefined;
    if (!conversationId) {
      res.json({ results: [{ intent: 'ALL', formula: 'BEST', estimatedWaitTimeSeconds: store.routing.estimatedWaitSeconds }] });
      return;
    }
    const position = store.queuePosition(conversationId);
    res.json({
      results:
        position === undefined
          ? []
          : [{ intent: 'MESSAGE', formula: 'POSITION-IN-QUEUE', estimatedWaitTimeSeconds: position * store.routing.estimatedWaitSeconds }],
    });
  });

  router.post('/analytics/queues/observations/query', (req, res) => {
    const body = req.body as Json | undefined;
    if (!body || typeof body.filter !== 'object' || body.filter === null) {
      throw GenesysApiError.badRequest('filter is required');
    }
    for (const metric of Array.isArray(body.metrics) ? body.metrics : []) {
      if (!OBSERVATION_METRICS.includes(String(metric))) {
        throw GenesysApiError.badRequest(`metrics should be equal to one of the allowed values: ${OBSERVATION_METRICS.join(', ')}`);
      }
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
