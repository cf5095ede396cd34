import { Router } from 'express';
import { ControlError } from '../shared/control-errors';
import type { McxEmulator } from './emulator';
import type { AgentWriteInput, ChannelInput, McxFaultInput, WebhookFaultInput } from './types';

type Body = Record<string, unknown>;
const bodyOf = (raw: unknown): Body => (typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Body) : {});
const agentNameOf = (raw: unknown) => {
  const { agentName } = bodyOf(raw);
  return typeof agentName === 'string' ? agentName : undefined;
};

/**
 * `/emulator/v1`: the HTTP mirror of the emulator's public methods, for tests, the demo and a human agent. The
 * `conversations/:id/…` routes are the agent desk's (the same as the Genesys Cloud emulator's), mapped onto an
 * interaction: join = accept, messages = write, end = Done.
 */
export function mcxControlRoutes(emulator: McxEmulator): Router {
  const router = Router();

  router.get('/state', (_req, res) => void res.json(emulator.state()));
  router.get('/calls', (_req, res) => void res.json(emulator.apiCalls()));
  router.get('/violations', (_req, res) => void res.json(emulator.violations()));

  router.post('/channels', (req, res) => void res.status(201).json(emulator.addChannel(bodyOf(req.body) as unknown as ChannelInput)));

  router.get('/interactions', (_req, res) => void res.json(emulator.interactions()));
  router.get('/interactions/:id', (req, res) => {
    const interaction = emulator.interaction(req.params.id);
    if (!interaction) throw new ControlError(404, `Interaction ${req.params.id} not found`);
    res.json(interaction);
  });
  router.post(
    '/interactions/:id/accept',
    (req, res) => void res.json(emulator.accept(req.params.id, { agentName: agentNameOf(req.body) })),
  );
  router.post(
    '/interactions/:id/messages',
    (req, res) => void res.status(202).json(emulator.write(req.params.id, bodyOf(req.body) as AgentWriteInput)),
  );
  router.post(
    '/interactions/:id/transfer',
    (req, res) => void res.json(emulator.transfer(req.params.id, { agentName: agentNameOf(req.body) ?? '' })),
  );
  router.post('/interactions/:id/done', (req, res) => void res.json(emulator.done(req.params.id)));
  router.post('/interactions/:id/stop', (req, res) => void res.json(emulator.stopByWorkflow(req.params.id)));

  // The agent desk's actions (tools/demo/public/desk.js).
  router.post('/conversations/:id/join', (req, res) => void res.json(emulator.accept(req.params.id, { agentName: agentNameOf(req.body) })));
  router.post('/conversations/:id/messages', (req, res) => {
    const { text, attachments } = bodyOf(req.body);
    if (Array.isArray(attachments) && attachments.length > 0) {
      throw new ControlError(400, 'Agent attachments are not emulated: the RichMedia schema of Third-Party Messaging is not public');
    }
    res.status(202).json(emulator.write(req.params.id, { text: typeof text === 'string' ? text : undefined }));
  });
  router.post('/conversations/:id/typing', () => {
    throw new ControlError(409, 'Third-Party Messaging has no typing indicator');
  });
  router.post(
    '/conversations/:id/transfer',
    (req, res) => void res.json(emulator.transfer(req.params.id, { agentName: agentNameOf(req.body) ?? '' })),
  );
  router.post('/conversations/:id/end', (req, res) => void res.json(emulator.done(req.params.id)));

  router.post('/faults', (req, res) => void res.status(201).json(emulator.addFault(bodyOf(req.body) as unknown as McxFaultInput)));
  router.post(
    '/webhook-faults',
    (req, res) => void res.status(201).json(emulator.addWebhookFault(bodyOf(req.body) as unknown as WebhookFaultInput)),
  );
  router.delete('/faults', (_req, res) => {
    emulator.clearFaults();
    res.sendStatus(204);
  });
  router.post('/reset', (_req, res) => {
    emulator.reset();
    res.sendStatus(204);
  });
  return router;
}
