import { Router } from 'express';
import type { GenesysEmulator } from './emulator';
import { ControlError } from './errors';
import type { AgentMessageInput, FaultInput, IntegrationInput, OAuthClientInput, RoutingSettings } from './types';

type Body = Record<string, unknown>;

/**
 * `/emulator/v1`: the HTTP mirror of the emulator's public methods, for tests, the demo page and a human agent.
 * Bodies are handed on as the method's input type; the methods check them at run time.
 */
export function controlRoutes(emulator: GenesysEmulator): Router {
  const router = Router();
  const body = (raw: unknown): Body => (typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Body) : {});

  router.get('/state', (_req, res) => {
    res.json(emulator.state());
  });

  router.get('/calls', (_req, res) => {
    res.json(emulator.apiCalls());
  });

  router.get('/conversations/:id', (req, res) => {
    const conversation = emulator.conversation(req.params.id);
    if (!conversation) throw new ControlError(404, `Conversation ${req.params.id} not found`);
    res.json(conversation);
  });

  router.post('/oauth-clients', (req, res) => {
    const input = body(req.body) as unknown as OAuthClientInput;
    emulator.addOAuthClient(input);
    res.status(201).json({ clientId: input.clientId });
  });

  router.delete('/tokens', (_req, res) => {
    emulator.revokeTokens();
    res.sendStatus(204);
  });

  router.post('/integrations', (req, res) => {
    res.status(201).json(emulator.addIntegration(body(req.body) as unknown as IntegrationInput));
  });

  router.post('/conversations/:id/join', (req, res) => {
    const { agentName } = body(req.body);
    res.json(emulator.joinAgent(req.params.id, { agentName: typeof agentName === 'string' ? agentName : undefined }));
  });

  router.post('/conversations/:id/offer', (req, res) => {
    const { agentName, alertingTimeoutMs } = body(req.body);
    res.json(
      emulator.offerAgent(req.params.id, {
        agentName: typeof agentName === 'string' ? agentName : undefined,
        alertingTimeoutMs: alertingTimeoutMs === undefined ? undefined : Number(alertingTimeoutMs),
      }),
    );
  });

  router.post('/conversations/:id/answer', (req, res) => {
    res.json(emulator.answerAgent(req.params.id));
  });

  router.post('/conversations/:id/no-answer', (req, res) => {
    const { disconnectType } = body(req.body);
    res.json(emulator.missAgent(req.params.id, { disconnectType: typeof disconnectType === 'string' ? disconnectType : undefined }));
  });

  router.post('/conversations/:id/typing', (req, res) => {
    res.status(202).json(emulator.agentTyping(req.params.id));
  });

  router.post('/conversations/:id/messages', (req, res) => {
    res.status(202).json(emulator.agentMessage(req.params.id, body(req.body) as AgentMessageInput));
  });

  router.post('/conversations/:id/transfer', (req, res) => {
    const { agentName, disconnectType, toQueue, answer } = body(req.body);
    res.json(
      emulator.transferAgent(req.params.id, {
        agentName: typeof agentName === 'string' ? agentName : undefined,
        disconnectType: typeof disconnectType === 'string' ? disconnectType : undefined,
        toQueue: toQueue === true,
        answer: answer === false ? false : undefined,
      }),
    );
  });

  router.post('/conversations/:id/customer-leaves', (req, res) => {
    res.json(emulator.customerLeaves(req.params.id));
  });

  router.post('/conversations/:id/end', (req, res) => {
    res.json(emulator.endConversation(req.params.id));
  });

  router.post('/faults', (req, res) => {
    res.status(201).json(emulator.addFault(body(req.body) as unknown as FaultInput));
  });

  router.delete('/faults', (_req, res) => {
    emulator.clearFaults();
    res.sendStatus(204);
  });

  router.put('/routing', (req, res) => {
    res.json(emulator.setRouting(body(req.body) as Partial<RoutingSettings>));
  });

  router.post('/notifications/drop', (_req, res) => {
    res.json({ sockets: emulator.dropNotificationSockets() });
  });

  router.post('/notifications/closing', (_req, res) => {
    res.json({ sockets: emulator.closeNotificationSockets() });
  });

  router.post('/reset', (_req, res) => {
    emulator.reset();
    res.sendStatus(204);
  });

  return router;
}
