import { chromiumMissing, openPlayground, Playground, showsChannels, showsParticipantData, skipNote } from './support/playground-browser';

(chromiumMissing ? describe.skip : describe)(`the playground page against Genesys Multicloud CX, played in Chromium${skipNote}`, () => {
  let p: Playground;

  beforeAll(async () => {
    p = await openPlayground({ provider: 'genesys-multicloud-cx' });
  });

  afterAll(async () => {
    await p?.close();
  });

  it('plays the story on Multicloud CX: routing-context data on the desk, agent joined with the first message, Done, bot again', async () => {
    const { page, customerChat, customerStatus, transcript, timeline, shows, customerSays } = p;
    await page.goto(p.demo.url);
    await page.locator('body[data-ready="true"][data-provider="genesys-multicloud-cx"]').waitFor();
    await shows(page.locator('#desk-title + .sub'), 'Emulated Genesys Multicloud CX');

    await page.getByLabel('Name').fill('Grace');
    await page.getByLabel('Language').selectOption('french');
    await page.getByLabel('Skills').fill('billing, escalation');
    await page.getByLabel('Priority').fill('3');
    await page.getByLabel('Custom attributes').fill('plan=gold');
    await customerSays('I want a human please');
    await shows(customerChat(), "You're in the queue for an agent.");

    // What the Designer application got from routing-context is the interaction's participant data.
    await shows(page.getByRole('navigation', { name: 'Conversations' }), 'waiting');
    await showsParticipantData(page, [
      ['language', 'french'],
      ['skills', 'billing,escalation'],
      ['priority', '3'],
      ['plan', 'gold'],
      ['channel', 'web-playground'],
    ]);
    await shows(transcript(), 'Conversation with the bot so far');
    // Third-Party Messaging has no typing and no agent attachments: the desk does not offer them.
    const desk = page.getByRole('region', { name: 'Agent desk' });
    expect(await desk.getByRole('button', { name: 'Typing…' }).isDisabled()).toBe(true);

    // Accepting sends nothing to the customer; the first message brings "joined", then the message.
    await page.getByLabel('Agent', { exact: true }).fill('Sam');
    await page.getByRole('button', { name: 'Join', exact: true }).click();
    await shows(page.getByRole('navigation', { name: 'Conversations' }), 'with Sam');
    await shows(customerStatus(), /Waiting for an agent/);
    await page.getByLabel('Reply').fill('Bonjour Grace, I am Sam.');
    await page.getByLabel('Reply').press('Enter');
    await shows(customerChat(), 'An agent joined the chat.');
    await shows(customerChat(), 'Bonjour Grace, I am Sam.');
    await shows(customerStatus(), 'Talking to an agent (Genesys Multicloud CX)');
    expect(await desk.getByRole('button', { name: 'Send image' }).isDisabled()).toBe(true);

    await customerSays('Thanks Sam!');
    await shows(transcript(), 'Thanks Sam!');
    await shows(transcript(), '✓✓ delivered to the customer');
    await showsChannels(timeline(), [
      'bot API',
      'Third-Party Messaging API',
      'routing-context',
      'Interactions webhook',
      'webhook',
      'callback',
      'agent desk',
    ]);

    // The agent marks it Done (FINISHED): the handover ends, the bot takes over again.
    await page.getByRole('button', { name: 'End conversation' }).click();
    await shows(customerChat(), 'The agent ended the chat.');
    await shows(customerChat(), "You're back with the bot");
    await shows(timeline(), /interaction FINISHED → 200/);
    await customerSays('What are your opening hours?');
    await shows(customerChat(), "We're open around the clock");
    expect(p.pageErrors).toEqual([]);
  }, 120000);
});
