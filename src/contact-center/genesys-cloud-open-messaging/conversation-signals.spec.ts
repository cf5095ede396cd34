import { signalsFromConversation } from './conversation-signals';
import type { MessageConversation } from './genesys-types';

/** What a new notifications owner reads from a conversation's state after taking the endpoint over. */
describe('signalsFromConversation', () => {
  const conversation = (participants: MessageConversation['participants']): MessageConversation => ({ id: 'c-1', participants });
  const customer = (state: string, disconnectType?: string) => ({ id: 'p-cust', purpose: 'customer', state, disconnectType });
  const agent = (id: string, state: string, disconnectType?: string) => ({
    id,
    purpose: 'agent',
    state,
    userId: `u-${id}`,
    disconnectType,
  });

  it('reads nothing from a conversation still going on', () => {
    expect(signalsFromConversation('c-1', conversation([customer('connected'), agent('a1', 'connected')]))).toEqual([]);
    expect(
      signalsFromConversation(
        'c-1',
        conversation([customer('connected'), agent('a1', 'disconnected', 'transfer'), agent('a2', 'alerting')]),
      ),
    ).toEqual([]);
    expect(signalsFromConversation('c-1', conversation([customer('connected')]))).toEqual([]);
  });

  it('reads the customer leg over as customer.left, ended by the agent when the customer was the peer', () => {
    expect(signalsFromConversation('c-1', conversation([customer('disconnected', 'peer'), agent('a1', 'disconnected', 'client')]))).toEqual(
      [
        expect.objectContaining({
          signal: 'customer.left',
          endedBy: 'agent',
          participantId: 'p-cust',
          providerEventId: 'c-1:reconciled:customer.end:p-cust',
        }),
      ],
    );
    expect(signalsFromConversation('c-1', conversation([customer('terminated', 'client')]))).toEqual([
      expect.objectContaining({ signal: 'customer.left', endedBy: 'customer' }),
    ]);
  });

  it('reads every agent leg over as agent.left of the last one, with its disconnect class', () => {
    expect(
      signalsFromConversation(
        'c-1',
        conversation([customer('connected'), agent('a1', 'disconnected', 'transfer'), agent('a2', 'disconnected', 'client')]),
      ),
    ).toEqual([
      expect.objectContaining({
        signal: 'agent.left',
        participantId: 'a2',
        agentUserId: 'u-a2',
        disconnectType: 'CLIENT',
        disconnectClass: 'end',
      }),
    ]);
  });

  it('reads a conversation Genesys no longer knows as ended', () => {
    expect(signalsFromConversation('c-1', undefined)).toEqual([
      expect.objectContaining({ kind: 'conversation.signal', conversationId: 'c-1', signal: 'conversation.ended' }),
    ]);
  });
});
