import { join } from 'node:path';
import express, { type Request, type Response } from 'express';
import type { BotEvent } from '../../src/handover/domain/bot-events';
import { verifyStandardWebhook } from '../../src/bot/standard-webhooks';
import type { DemoBot } from './demo-bot';
import type { RoutingChoice, TimelineDraft } from './demo-events';
import type { LiveStream } from './live-stream';
import { quote } from './timeline';

export const PUBLIC_DIR = join(__dirname, 'public');
export const CALLBACK_PATH = '/bot/callbacks';
const DESK_ACTIONS = ['join', 'typing', 'messages', 'transfer', 'end'] as const;
type DeskAction = (typeof DESK_ACTIONS)[number];

export interface PlaygroundDeps {
  bot: DemoBot;
  stream: LiveStream;
  addHop: (hop: TimelineDraft) => void;
  callbackSecret: string;
  emulatorUrl: string;
}

type Body = Record<string, unknown>;
const bodyOf = (req: Request): Body => (typeof req.body === 'object' && req.body !== null ? (req.body as Body) : {});
const stringOr = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** The form's routing data, as far as its types go; the connector validates the rest. */
function routingChoice(raw: unknown): RoutingChoice {
  const r = typeof raw === 'object' && raw !== null ? (raw as Body) : {};
  const attributes = typeof r.customAttributes === 'object' && r.customAttributes !== null ? (r.customAttributes as Body) : {};
  return {
    nickname: stringOr(r.nickname),
    language: stringOr(r.language) || undefined,
    skills: Array.isArray(r.skills) ? r.skills.filter((s): s is string => typeof s === 'string' && s !== '') : undefined,
    priority: typeof r.priority === 'number' && Number.isInteger(r.priority) ? r.priority : undefined,
    customAttributes: Object.fromEntries(Object.entries(attributes).filter((e): e is [string, string] => typeof e[1] === 'string')),
  };
}

function describeDeskAction(action: DeskAction, body: Body): string {
  switch (action) {
    case 'join':
      return `join as ${stringOr(body.agentName) ?? 'the agent'}`;
    case 'transfer':
      return `transfer to ${stringOr(body.agentName) ?? '?'}`;
    case 'messages': {
      const attachments = Array.isArray(body.attachments) ? body.attachments.length : 0;
      return ['reply', quote(body.text), attachments > 0 ? '+ image' : ''].filter(Boolean).join(' ');
    }
    case 'typing':
      return 'typing';
    case 'end':
      return 'end the conversation';
  }
}

function describeCallback(event: BotEvent): string {
  const data = event.data as Record<string, unknown> & { agent?: { name?: string } };
  switch (event.type) {
    case 'agent.message': {
      const attachments = Array.isArray(data.attachments) ? data.attachments.length : 0;
      return [quote(data.text), attachments > 0 ? `+ ${attachments} attachment${attachments > 1 ? 's' : ''}` : '']
        .filter(Boolean)
        .join(' ');
    }
    case 'agent.joined':
      return data.agent?.name ?? '';
    case 'handover.queue_update':
      return typeof data.estimatedWaitMs === 'number' ? `wait ≈ ${Math.round(data.estimatedWaitMs / 1000)} s` : '';
    case 'handover.ended':
      return String(data.reason);
    default:
      return '';
  }
}

/**
 * The demo's one HTTP server: the playground page and its live stream, the customer's and the agent's actions
 * (the latter proxied to the emulator's control API), and the demo bot's callback receiver.
 */
export function playgroundApp({ bot, stream, addHop, callbackSecret, emulatorUrl }: PlaygroundDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use((_req, res, next) => {
    res.set(
      'Content-Security-Policy',
      "default-src 'self'; img-src 'self' data: http: https:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    );
    next();
  });
  app.use(express.static(PUBLIC_DIR, { index: 'index.html' }));

  app.get('/api/events', (req, res) => stream.attach(req, res));
  // JSON only: another site's page cannot send that to this local server without a CORS preflight, which fails.
  app.post('/api/*path', (req, res, next) => {
    if (req.is('application/json')) return next();
    res.status(415).json({ message: 'Content-Type must be application/json' });
  });

  const chat = express.Router();
  chat.use(express.json({ limit: '64kb' }));
  chat.post('/messages', async (req, res) => {
    const text = stringOr(bodyOf(req).text)?.trim();
    if (!text || text.length > 2000) {
      res.status(400).json({ message: 'text must be 1-2000 characters' });
      return;
    }
    await bot.userMessage(text, routingChoice(bodyOf(req).routing));
    res.sendStatus(204);
  });
  chat.post('/typing', async (_req, res) => {
    await bot.userTyping();
    res.sendStatus(204);
  });
  chat.post('/leave', async (_req, res) => {
    await bot.leave();
    res.sendStatus(204);
  });
  chat.post('/restart', async (_req, res) => {
    await bot.restart();
    res.sendStatus(204);
  });
  app.use('/api/chat', chat);

  app.post(
    '/api/desk/conversations/:id/:action',
    express.json({ limit: '64kb' }),
    async (req: Request<{ id: string; action: string }>, res: Response) => {
      const action = DESK_ACTIONS.find((a) => a === req.params.action);
      if (!action) {
        res.status(404).json({ message: `Unknown agent action ${req.params.action}` });
        return;
      }
      const at = new Date().toISOString();
      const answer = await fetch(`${emulatorUrl}/emulator/v1/conversations/${encodeURIComponent(req.params.id)}/${action}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(bodyOf(req)),
      });
      addHop({
        at,
        from: 'agent',
        to: 'genesys',
        channel: 'agent desk',
        summary: `${describeDeskAction(action, bodyOf(req))} → ${answer.status}`,
        outcome: answer.ok ? 'ok' : 'error',
      });
      res.status(answer.status).json(await answer.json().catch(() => ({})));
    },
  );

  app.post(CALLBACK_PATH, express.text({ type: '*/*', limit: '1mb' }), (req, res) => {
    const body = typeof req.body === 'string' ? req.body : '';
    const headers = {
      'webhook-id': req.header('webhook-id'),
      'webhook-timestamp': req.header('webhook-timestamp'),
      'webhook-signature': req.header('webhook-signature'),
    };
    const at = new Date().toISOString();
    if (!verifyStandardWebhook(callbackSecret, headers, body)) {
      addHop({ at, from: 'connector', to: 'bot', channel: 'callback', summary: 'signature invalid → 401', outcome: 'error' });
      res.sendStatus(401);
      return;
    }
    const event = JSON.parse(body) as BotEvent;
    addHop({
      at,
      from: 'connector',
      to: 'bot',
      channel: 'callback',
      summary: [event.type, describeCallback(event), '· signature ✓ → 204'].filter(Boolean).join(' '),
      outcome: 'ok',
    });
    bot.callback(event);
    res.sendStatus(204);
  });

  return app;
}
