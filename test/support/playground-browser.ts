import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { startDemo, type Demo, type DemoProvider } from '../../tools/demo';
import { TEST_REDIS_URL } from './redis-cleanup';
import { uniquePrefix } from './test-app';

export const CHROMIUM = '/usr/bin/chromium';
export const chromiumMissing = !existsSync(CHROMIUM);
export const skipNote = chromiumMissing ? ` (skipped: ${CHROMIUM} is not installed; apt-get install chromium)` : '';

/** The demo (its own Redis prefix, any free ports) and a headless Chromium on its playground page. */
export interface Playground {
  demo: Demo;
  page: Page;
  /** Uncaught errors of the page. */
  pageErrors: string[];
  customerChat(): Locator;
  customerStatus(): Locator;
  transcript(): Locator;
  timeline(): Locator;
  shows(where: Locator, text: string | RegExp): Promise<void>;
  customerSays(text: string): Promise<void>;
  close(): Promise<void>;
}

export async function openPlayground(options: { provider?: DemoProvider; screenshot?: boolean } = {}): Promise<Playground> {
  const demo = await startDemo({
    port: 0,
    connectorPort: 0,
    emulatorPort: 0,
    redisUrl: TEST_REDIS_URL,
    redisPrefix: uniquePrefix(),
    logLevel: 'error',
    provider: options.provider,
  });
  const profile = mkdtempSync(join(tmpdir(), 'playground-chromium-'));
  let browser: BrowserContext | undefined;
  try {
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1440, height: 900 },
      deviceScaleFactor: options.screenshot ? 2 : 1,
    });
  } catch (err) {
    await demo.close();
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
  const context = browser;
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(15000);
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  const customerChat = () => page.getByRole('log', { name: 'Customer chat' });
  const shows = (where: Locator, text: string | RegExp) => where.getByText(text).first().waitFor();
  return {
    demo,
    page,
    pageErrors,
    customerChat,
    customerStatus: () => page.locator('#customer-status'),
    transcript: () => page.getByRole('log', { name: 'Conversation transcript' }),
    timeline: () => page.getByRole('log', { name: 'Connector timeline' }),
    shows,
    async customerSays(text: string) {
      await page.getByLabel('Message', { exact: true }).fill(text);
      await page.getByLabel('Message', { exact: true }).press('Enter');
      await shows(customerChat(), text);
    },
    async close() {
      await context.close();
      await demo.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Waits until the desk's participant data shows each key with its value. */
export async function showsParticipantData(page: Page, data: [key: string, value: string][]): Promise<void> {
  const attributes = page.getByLabel('Participant data');
  for (const [key, value] of data) {
    await attributes
      .locator('div', { has: page.locator('dt', { hasText: new RegExp(`^${key}$`) }) })
      .locator('dd', { hasText: value })
      .waitFor();
  }
}

/** Waits until the timeline shows a hop of each channel. */
export async function showsChannels(timeline: Locator, channels: string[]): Promise<void> {
  for (const channel of channels) {
    await timeline
      .locator('.channel', { hasText: new RegExp(`^${channel}$`) })
      .first()
      .waitFor();
  }
}
