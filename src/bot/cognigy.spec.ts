import type { BotCallbackEvent } from './bot-callback-event';
import { cognigyRequest } from './cognigy';

const event = (type: string, data: unknown = {}): BotCallbackEvent => ({ id: 'evt_1', type, userId: 'u-1', sessionId: 's-1', data });

describe('cognigyRequest', () => {
  it('derives the Inject URL from the Endpoint Notify URL, and a per-handover URLToken replaces the last segment', () => {
    const settings = { notifyUrl: 'https://endpoint-trial.cognigy.ai/notify/abc' };
    expect(cognigyRequest(settings, event('agent.joined'))?.url).toBe('https://endpoint-trial.cognigy.ai/inject/abc');
    expect(cognigyRequest(settings, event('agent.message', { text: 'hi' }))?.url).toBe('https://endpoint-trial.cognigy.ai/notify/abc');
    expect(cognigyRequest(settings, event('handover.ended', { reason: 'agent_ended' }), 'web2')?.url).toBe(
      'https://endpoint-trial.cognigy.ai/inject/web2',
    );
  });

  it('uses an explicit injectUrl, and the REST API forms with X-API-Key and the URLToken in the body', () => {
    expect(
      cognigyRequest({ notifyUrl: 'https://e.example/notify/a', injectUrl: 'https://i.example/x/a' }, event('agent.joined'))?.url,
    ).toBe('https://i.example/x/a');
    const rest = cognigyRequest(
      { apiBaseUrl: 'https://api-trial.cognigy.ai/', apiKey: 'k', urlToken: 'tok' },
      event('handover.queued'),
      'other',
    );
    expect(rest).toMatchObject({ url: 'https://api-trial.cognigy.ai/new/v2.0/endpoint/inject', headers: { 'x-api-key': 'k' } });
    expect(rest?.json).toMatchObject({ URLToken: 'other', text: '' });
    const legacy = cognigyRequest(
      { notifyUrl: 'https://api-trial.cognigy.ai/new/v2.0/endpoint/notify', apiKey: 'k', urlToken: 'tok' },
      event('agent.joined'),
    );
    expect(legacy).toMatchObject({ url: 'https://api-trial.cognigy.ai/new/v2.0/endpoint/inject', json: { URLToken: 'tok' } });
  });

  it("maps each lifecycle event to Cognigy's handover status and leaves typing out", () => {
    const status = (type: string, data?: unknown) =>
      (cognigyRequest({ notifyUrl: 'https://e.example/notify/a' }, event(type, data))?.json as { data: { handover: { status?: string } } })
        .data.handover.status;
    expect(status('handover.queued')).toBe('queue');
    expect(status('handover.queue_update', { position: 2 })).toBe('queue');
    expect(status('agent.joined')).toBe('active');
    expect(status('handover.ended', { reason: 'customer_ended' })).toBe('completed');
    expect(status('handover.ended', { reason: 'queue_timeout' })).toBe('cancelled');
    expect(status('handover.ended', { reason: 'provider_error' })).toBe('error');
    expect(status('agent.message', { text: 'x' })).toBeUndefined();
    expect(cognigyRequest({ notifyUrl: 'https://e.example/notify/a' }, event('agent.typing'))).toBeUndefined();
  });
});
