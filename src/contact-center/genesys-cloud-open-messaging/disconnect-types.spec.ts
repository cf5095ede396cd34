import { DISCONNECT_TYPES, readDisconnectType } from './disconnect-types';

describe('readDisconnectType', () => {
  it('classifies every value of the detail-event enum on its own', () => {
    const classes = Object.fromEntries(Object.keys(DISCONNECT_TYPES).map((value) => [value, readDisconnectType(value).class]));
    expect(classes).toEqual({
      TRANSFER: 'transfer',
      CONSULT_TRANSFER: 'transfer',
      CONFERENCE_TRANSFER: 'transfer',
      FORWARD_TRANSFER: 'transfer',
      NO_ANSWER_TRANSFER: 'transfer',
      NOT_AVAILABLE_TRANSFER: 'transfer',
      DND_TRANSFER: 'transfer',
      TAKEOVER: 'transfer',
      CLIENT: 'end',
      PEER: 'end',
      ENDPOINT: 'end',
      DND_ENDPOINT: 'end',
      SYSTEM: 'end',
      ERROR: 'end',
      TRANSPORT_FAILURE: 'end',
      TIMEOUT: 'end',
      SPAM: 'end',
      UNCALLABLE: 'end',
      SESSION_EXPIRED: 'end',
      INACTIVITY: 'unknown',
      OTHER: 'unknown',
      UNKNOWN: 'unknown',
    });
    const unanswered = Object.keys(DISCONNECT_TYPES).filter((value) => readDisconnectType(value).unanswered);
    expect(unanswered).toEqual(['NO_ANSWER_TRANSFER', 'NOT_AVAILABLE_TRANSFER', 'DND_TRANSFER']);
  });

  it('reads the conversation-topic, REST and analytics spellings of the same value', () => {
    expect(readDisconnectType('transfer.consult')).toMatchObject({ type: 'CONSULT_TRANSFER', class: 'transfer', known: true });
    expect(readDisconnectType('transfer.forward').type).toBe('FORWARD_TRANSFER');
    expect(readDisconnectType('transfer.noanswer')).toMatchObject({ type: 'NO_ANSWER_TRANSFER', unanswered: true });
    expect(readDisconnectType('noAnswerTransfer').type).toBe('NO_ANSWER_TRANSFER');
    expect(readDisconnectType('transfer.donotdisturb').type).toBe('DND_TRANSFER');
    expect(readDisconnectType('endpoint.donotdisturb').type).toBe('DND_ENDPOINT');
    expect(readDisconnectType('transport.failure').type).toBe('TRANSPORT_FAILURE');
    expect(readDisconnectType('peer').type).toBe('PEER');
  });

  it('compares exactly: a lower-cased enum value or a new value is unknown, kept as given', () => {
    expect(readDisconnectType('consult_transfer')).toEqual({ type: 'consult_transfer', class: 'unknown', unanswered: false, known: false });
    expect(readDisconnectType('Transfer')).toMatchObject({ class: 'unknown', known: false });
    expect(readDisconnectType('BRAND_NEW_VALUE')).toMatchObject({ type: 'BRAND_NEW_VALUE', class: 'unknown', known: false });
    expect(readDisconnectType('constructor')).toMatchObject({ class: 'unknown', known: false });
  });
});
