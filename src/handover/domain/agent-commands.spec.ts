import type { BotEvent } from './bot-events';
import type { MailboxEntry } from '../../relay/session-mailbox';
import { BotLaneBody, botEventOf } from './agent-commands';

const event: BotEvent<'agent.message'> = {
  id: 'evt_1',
  type: 'agent.message',
  endpointId: 'ep',
  sessionId: 's-1',
  userId: 'u-1',
  handoverId: 'ho_1',
  time: '2024-01-01T00:00:00.000Z',
  data: { messageId: 'p-1', text: 'hi', attachments: [], quickReplies: [], agent: {} },
};
const entry = (body: BotLaneBody, annotations?: Record<string, string>): MailboxEntry<BotLaneBody> => ({
  id: 'evt_1',
  at: 0,
  body,
  ...(annotations ? { annotations } : {}),
});

describe('botEventOf', () => {
  it('sends the event as queued when it did not ask for the current agent', () => {
    const named = { ...event, data: { ...event.data, agent: { name: 'Sam' } } };
    expect(botEventOf(entry({ event: named }, { agentName: 'Kim' }))).toBe(named);
  });

  it('puts in the agent the entry was annotated with at queue time, or none before one is known', () => {
    expect(botEventOf(entry({ event, currentAgent: true }, { agentName: 'Kim' })).data).toEqual({ ...event.data, agent: { name: 'Kim' } });
    expect(botEventOf(entry({ event, currentAgent: true }, {})).data).toEqual({ ...event.data, agent: {} });
    expect(botEventOf(entry({ event, currentAgent: true })).data).toEqual({ ...event.data, agent: {} });
  });
});
