import { AppConfig } from '../../config/app-config';
import type { BotEvent } from '../domain/bot-events';
import type { Endpoint } from '../../endpoints/endpoint.model';
import { ProviderRejectedError, ProviderUnavailableError } from '../../contact-center/provider-errors';
import type { ProviderRegistry } from '../../contact-center/provider-registry';
import type { SessionMailbox } from '../../relay/session-mailbox';
import type { BotLaneBody } from '../domain/agent-commands';
import { DeliveryReceipts, receiptReason } from './delivery-receipts';
import type { HandoverLifecycle } from '../domain/handover-lifecycle';

/** The routing decisions of DeliveryReceipts, with the provider and the mailbox recorded (their own tests use real Redis). */
function setup(options: { deliveredReceipts?: boolean; provider?: (receipt: { status: string }) => Promise<void> } = {}) {
  const sent: { status: string }[] = [];
  const queued: { lane: string; sessionId: string; body: unknown }[] = [];
  const provider = {
    sendReceipt: (_endpoint: unknown, receipt: { status: string }) => (options.provider ?? (async (r) => void sent.push(r)))(receipt),
  };
  const receipts = new DeliveryReceipts(
    { forEndpoint: () => provider } as unknown as ProviderRegistry,
    {
      push: async (lane: string, _endpointId: string, sessionId: string, entry: { body: unknown }) =>
        void queued.push({ lane, sessionId, body: entry.body }),
    } as unknown as SessionMailbox,
    { agentEntry: (body: unknown) => ({ id: 'cmd_1', at: 0, body }) } as unknown as HandoverLifecycle,
    AppConfig.fromEnvironment({
      NODE_ENV: 'test',
      DELIVERED_RECEIPTS: options.deliveredReceipts === false ? 'false' : 'true',
      SHUTDOWN_GRACE_MS: '1000',
    }),
  );
  return { receipts, sent, queued };
}

const body: BotLaneBody = {
  event: {
    id: 'evt_1',
    type: 'agent.message',
    endpointId: 'ep',
    sessionId: 's1',
    userId: 'u1',
    handoverId: 'ho_1',
    time: '',
    data: {},
  } as unknown as BotEvent,
  receiptFor: { providerMessageId: 'gen-1', customer: { id: 'u1' } },
};
const endpoint = { id: 'ep', provider: { type: 'genesys-cloud-open-messaging' } } as unknown as Endpoint;
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('DeliveryReceipts', () => {
  it('sends a receipt straight to the provider, without the lane', async () => {
    const { receipts, sent, queued } = setup();
    await receipts.report(endpoint, body, 'Delivered');
    await settle();
    expect(sent).toEqual([expect.objectContaining({ status: 'Delivered', providerMessageId: 'gen-1' })]);
    expect(queued).toEqual([]);
  });

  it('queues it on the session to-agent lane when the provider fails for now', async () => {
    const { receipts, queued } = setup({
      provider: async () => Promise.reject(new ProviderUnavailableError('429', { status: 429, retryAfterMs: 1000 })),
    });
    await receipts.report(endpoint, body, 'Delivered');
    await receipts.beforeApplicationShutdown();
    expect(queued).toEqual([
      {
        lane: 'to-agent',
        sessionId: 's1',
        body: expect.objectContaining({ kind: 'receipt', status: 'Delivered', providerMessageId: 'gen-1' }),
      },
    ]);
  });

  it('drops a receipt the provider refuses for good', async () => {
    const { receipts, queued } = setup({
      provider: async () => Promise.reject(new ProviderRejectedError('conversation closed', { status: 400 })),
    });
    await receipts.report(endpoint, body, 'Failed', 'bot refused');
    await receipts.beforeApplicationShutdown();
    expect(queued).toEqual([]);
  });

  it('queues instead of sending once shutting down', async () => {
    const { receipts, sent, queued } = setup();
    await receipts.beforeApplicationShutdown();
    await receipts.report(endpoint, body, 'Delivered');
    expect(sent).toEqual([]);
    expect(queued).toHaveLength(1);
  });

  it('skips Delivered receipts when DELIVERED_RECEIPTS=false, never Failed ones', async () => {
    const { receipts, sent } = setup({ deliveredReceipts: false });
    await receipts.report(endpoint, body, 'Delivered');
    await receipts.report(endpoint, body, 'Failed', 'bot refused');
    await settle();
    expect(sent.map((r) => r.status)).toEqual(['Failed']);
  });

  it('names the reason of a Failed receipt after why the delivery was given up', async () => {
    const reasons: unknown[] = [];
    const { receipts } = setup({ provider: async (receipt) => void reasons.push((receipt as { reason?: unknown }).reason) });
    await receipts.report(endpoint, body, 'Failed', 'Bot callback answered 404');
    await settle();
    expect(reasons).toEqual([{ code: 'InvalidDestination', message: 'Bot callback answered 404' }]);
  });
});

describe('receiptReason', () => {
  it.each([
    ['Bot callback answered 429', 'RateLimited'],
    ['Bot callback answered 404', 'InvalidDestination'],
    ['Bot callback answered 410', 'InvalidDestination'],
    ['Bot callback answered 403', 'MessageNotAllowed'],
    ['Bot callback answered 503', 'GeneralError'],
    ['Endpoint ep no longer exists', 'InvalidDestination'],
    ['Endpoint ep has no bot callback configured', 'InvalidDestination'],
    [
      'Outbound connection to bot.internal refused: it resolves to a private, loopback or link-local address not in EGRESS_ALLOWLIST',
      'InvalidDestination',
    ],
    ['connect ECONNREFUSED 127.0.0.1:9', 'GeneralError'],
  ])('%s → %s', (failure, reason) => {
    expect(receiptReason(failure)).toBe(reason);
  });
});
