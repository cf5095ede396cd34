import { chromiumMissing, openPlayground, Playground, showsChannels, showsParticipantData, skipNote } from './support/playground-browser';

/** `PLAYGROUND_SCREENSHOT=docs/playground.png` also saves the page mid-conversation (how docs/playground.png is made). */
const SCREENSHOT = process.env.PLAYGROUND_SCREENSHOT;

(chromiumMissing ? describe.skip : describe)(`the playground page, played in Chromium${skipNote}`, () => {
  let p: Playground;

  beforeAll(async () => {
    p = await openPlayground({ screenshot: Boolean(SCREENSHOT) });
  });

  afterAll(async () => {
    await p?.close();
  });

  it('plays the whole story: bot, handover with routing data, agent and customer both ways, agent ends, bot again', async () => {
    const { page, customerChat, customerStatus, transcript, timeline, shows, customerSays } = p;
    await page.goto(p.demo.url);
    await page.locator('body[data-ready="true"]').waitFor();
    await shows(customerChat(), "Hi, I'm the demo bot");

    // The bot answers simple things.
    await customerSays('hello');
    await shows(customerChat(), 'I can tell you our opening hours');

    // "human" hands over with the routing form's data.
    await page.getByLabel('Name').fill('Grace');
    await page.getByLabel('Language').selectOption('german');
    await page.getByLabel('Skills').fill('billing, escalation');
    await page.getByLabel('Priority').fill('7');
    await page.getByLabel('Custom attributes').fill('section=section A\nplan=gold');
    await customerSays('My invoice is wrong, I want a human');
    await shows(customerChat(), "You're in the queue for an agent.");
    await shows(customerStatus(), /Waiting for an agent · about 45 s/);

    // The agent desk shows the waiting conversation with its participant data and the bot transcript.
    await shows(page.getByRole('navigation', { name: 'Conversations' }), 'waiting');
    await showsParticipantData(page, [
      ['language', 'german'],
      ['skills', 'billing,escalation'],
      ['priority', '7'],
      ['section', 'section A'],
      ['plan', 'gold'],
      ['channel', 'web-playground'],
    ]);
    await shows(transcript(), 'Conversation with the bot so far');

    // The agent joins and replies, with text and with an image; the customer sees it all.
    await page.getByLabel('Agent', { exact: true }).fill('Sam');
    await page.getByRole('button', { name: 'Join', exact: true }).click();
    await shows(customerChat(), 'Sam joined the chat.');
    await shows(customerStatus(), 'Talking to Sam');
    await page.getByLabel('Reply').fill('Hi Grace, I am Sam. Let me look at your invoice.');
    await page.getByLabel('Reply').press('Enter');
    await shows(customerChat(), 'Hi Grace, I am Sam. Let me look at your invoice.');
    await page.getByLabel('Reply').fill('Here is the corrected one.');
    await page.getByRole('button', { name: 'Send image' }).click();
    await shows(customerChat(), 'Here is the corrected one.');
    const image = customerChat().getByRole('img', { name: 'invoice.png' });
    await image.waitFor();
    // decode() rejects unless the demo served the picture.
    await image.evaluate((img: { decode(): Promise<void> }) => img.decode());

    // The customer answers; the agent sees it, and the agent's messages are confirmed delivered.
    await customerSays('That looks right now, thank you Sam!');
    await shows(transcript(), 'That looks right now, thank you Sam!');
    await shows(transcript(), '✓✓ delivered to the customer');

    // The timeline shows each hop through the connector.
    await showsChannels(timeline(), ['bot API', 'Open Messaging API', 'webhook', 'notification', 'callback', 'agent desk']);
    await shows(timeline(), /agent\.message "Hi Grace, I am Sam\. Let me look at your invoice\." · signature ✓ → 204/);
    if (SCREENSHOT) await page.screenshot({ path: SCREENSHOT });

    // The agent ends; the bot takes over again.
    await page.getByRole('button', { name: 'End conversation' }).click();
    await shows(customerChat(), 'The agent ended the chat.');
    await shows(customerChat(), "You're back with the bot");
    await shows(customerStatus(), 'Talking to the bot');
    await shows(page.getByRole('navigation', { name: 'Conversations' }), 'ended');
    await customerSays('What are your opening hours?');
    await shows(customerChat(), "We're open around the clock");

    expect(p.pageErrors).toEqual([]);
  }, 120000);
});
