import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import request from 'supertest';
import { createHandoverFixture, HandoverFixture } from './support/handover-fixture';
import { HandoverScript, playKnownOutcomes } from './support/handover-script';
import { TEST_ADMIN_TOKEN } from './support/test-app';
import { eventually } from './support/wait-for-jobs';

// Browser globals, used inside page.evaluate callbacks (the test project compiles without the DOM library).
declare const document: any, window: any, sessionStorage: any;

const CHROMIUM = '/usr/bin/chromium';
/** `CONSOLE_SCREENSHOTS=docs` writes the screenshots of docs/console.md (docs/console-*.png); otherwise to a temp dir. */
const SCREENSHOTS = process.env.CONSOLE_SCREENSHOTS;
const chromiumMissing = !existsSync(CHROMIUM);
const skipNote = chromiumMissing ? ` (skipped: ${CHROMIUM} is not installed; apt-get install chromium)` : '';

describe('the operator console over HTTP', () => {
  let f: HandoverFixture;
  const http = () => request(f.t.app.getHttpServer());

  beforeAll(async () => {
    f = await createHandoverFixture();
  });

  afterAll(async () => {
    await f.close();
  });

  it('serves the page, its modules and Chart.js from this origin, under a CSP that allows nothing else', async () => {
    const page = await http().get('/console').expect(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = page.headers['content-security-policy'];
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https:|data:/);
    for (const src of [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1])) {
      expect(src).toMatch(/^\/console\/|^#/);
      if (/^\/console\/(assets|vendor)\//.test(src)) await http().get(src).expect(200);
    }
    expect(page.text).not.toMatch(/<script>|<style>| style="/);
    const chart = await http().get('/console/vendor/chart.umd.min.js').expect(200);
    expect(chart.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(chart.text).toContain('Chart');
    await http().get('/console/assets/main.js').expect(200);
    await http().get('/console/assets/..%2Fconsole.module.ts').expect(404);
    await http().get('/console/assets/index.html').expect(404);
  });

  it('lets the queue board in only with a short-lived HttpOnly, SameSite=Strict pass scoped to its path', async () => {
    const denied = await http().get('/console/queues/').expect(401);
    expect(denied.text).toContain('/console');
    await http().post('/admin/v1/queue-board/session').expect(401);
    const issued = await http().post('/admin/v1/queue-board/session').set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`).expect(204);
    const cookie = issued.headers['set-cookie'][0] as string;
    expect(cookie).toMatch(/^hc_queue_board=\d+\.[\w-]+; Path=\/console\/queues; Max-Age=900; HttpOnly; SameSite=Strict$/);
    expect(cookie).not.toContain(TEST_ADMIN_TOKEN);
    const pass = cookie.split(';')[0];
    const board = await http().get('/console/queues/').set('Cookie', pass).expect(200);
    expect(board.text).toContain('Relay queues');
    expect(board.headers['content-security-policy']).toContain("frame-ancestors 'self'");
    const queues = await http().get('/console/queues/api/queues').set('Cookie', pass).expect(200);
    expect(queues.body.queues.map((q: { name: string }) => q.name).sort()).toEqual(['to-agent', 'to-bot']);
    expect(queues.body.queues.every((q: { readOnlyMode: boolean }) => q.readOnlyMode)).toBe(true);
    const forged = pass.replace(/=\d+/, `=${Date.now() + 3_600_000}`);
    await http().get('/console/queues/api/queues').set('Cookie', forged).expect(401);
    const cleared = await http().delete('/admin/v1/queue-board/session').set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`).expect(204);
    expect(cleared.headers['set-cookie'][0]).toContain('Max-Age=0');
  });

  it('guards every route of the board whatever the spelling of its path, and marks the pass Secure behind an HTTPS proxy', async () => {
    for (const path of [
      '/CONSOLE/QUEUES/api/queues',
      '/Console/Queues/',
      '/console/%71ueues/api/queues',
      '/console/queues/static/main.js',
    ]) {
      const res = await http().get(path);
      expect({ path, status: res.status }).toEqual({ path, status: 401 });
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'self'");
    }
    // The test client is on loopback, the trusted proxy: its X-Forwarded-Proto counts.
    const issued = await http()
      .post('/admin/v1/queue-board/session')
      .set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`)
      .set('X-Forwarded-Proto', 'https')
      .expect(204);
    expect(issued.headers['set-cookie'][0]).toMatch(/; HttpOnly; SameSite=Strict; Secure$/);
  });

  it("reports an endpoint's provider health (token, notification channels, Genesys's subscription and channel answers) to the admin only", async () => {
    await http().get(`/admin/v1/endpoints/${f.endpointId}/health`).expect(401);
    const res = await http()
      .get(`/admin/v1/endpoints/${f.endpointId}/health`)
      .set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`)
      .expect(200);
    expect(res.body).toMatchObject({ endpointId: f.endpointId, provider: 'genesys-cloud-open-messaging', ok: true });
    expect(res.body.checks.map((c: { name: string }) => c.name)).toEqual(['token', 'notifications', 'subscriptions', 'channels']);
    await http().get('/admin/v1/endpoints/nope/health').set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`).expect(404);
  });
});

(chromiumMissing ? describe.skip : describe)(`the operator console in Chromium${skipNote}`, () => {
  let f: HandoverFixture;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let shots: string;
  const problems: string[] = [];

  const shoot = async (name: string, target: Page = page) => {
    await target.evaluate(() => document.getElementById('toast')?.classList.remove('visible'));
    await target.screenshot({ path: join(shots, `console-${name}.png`), fullPage: name === 'overview' });
  };

  beforeAll(async () => {
    f = await createHandoverFixture({
      handoverDefaults: { queueUpdateIntervalSeconds: 0, queueTimeoutSeconds: 4, serviceLevelSeconds: 2 },
      env: { DELIVERY_ATTEMPTS: '2' },
    });
    await playKnownOutcomes(f);
    // One handover still waiting for an agent, for the Sessions panel to release. The played outcomes needed a 4 s
    // queue timeout; this one must outlive the browser's start on a slow machine, so it gets 10 minutes.
    await request(f.t.app.getHttpServer())
      .patch(`/admin/v1/endpoints/${f.endpointId}`)
      .set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`)
      .send({ handoverDefaults: { queueTimeoutSeconds: 600 } })
      .expect(200);
    const script = new HandoverScript(f);
    await script.start('s-waiting', 'u-waiting', { skills: ['billing'] });
    await script.queued('s-waiting', 'u-waiting');
    shots = SCREENSHOTS ? join(process.cwd(), SCREENSHOTS) : mkdtempSync(join(tmpdir(), 'console-shots-'));
    mkdirSync(shots, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(15000);
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console: ${msg.text()} at ${msg.location().url}`);
    });
  });

  afterAll(async () => {
    await browser?.close();
    await f?.close();
    if (!SCREENSHOTS && shots) rmSync(shots, { recursive: true, force: true });
  });

  it('signs in with the admin token, kept in the tab only, and draws the overview from the recorded handovers', async () => {
    await page.goto(`${f.baseUrl}/console`);
    await page.getByLabel('Admin token').fill('wrong-token-0123456789');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('refused').waitFor();
    await page.getByLabel('Admin token').fill(TEST_ADMIN_TOKEN);
    await page.keyboard.press('Enter');
    await page.locator('body[data-ready="true"]').waitFor();
    expect(page.url()).toBe(`${f.baseUrl}/console`);
    expect(await page.evaluate(() => sessionStorage.getItem('hc-admin-token'))).toBe(TEST_ADMIN_TOKEN);
    expect(await page.evaluate(() => document.cookie)).toBe('');
    expect((await context.cookies()).map((c) => c.value).join()).not.toContain(TEST_ADMIN_TOKEN);

    // Live gauges: the one waiting handover.
    await page.locator('#live-queued', { hasText: '1' }).waitFor();
    await page.locator('#kpi-requested', { hasText: '6' }).waitFor();
    await page.locator('#kpi-answered', { hasText: '2' }).waitFor();
    await page.locator('#kpi-service-level', { hasText: '33.3 %' }).waitFor();
    await page.getByText('Service level (answered in 2 s)').waitFor();

    // Each chart is drawn by Chart.js with the report's numbers, and its data table says the same.
    const charted = await page.evaluate(() => {
      const chart = (id: string) => window.Chart.getChart(document.querySelector(`#${id} canvas`));
      const sum = (values: (number | null)[]) => values.reduce<number>((a, b) => a + (b ?? 0), 0);
      const volume = chart('chart-volume');
      const canvas = document.querySelector('#chart-volume canvas');
      const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let painted = 0;
      for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
      return {
        requested: sum(volume.data.datasets[0].data),
        answered: sum(volume.data.datasets[1].data),
        abandoned: sum(volume.data.datasets[2].data),
        timeouts: sum(volume.data.datasets[3].data),
        p90: Math.max(...chart('chart-answer').data.datasets[1].data.filter((v: number | null) => v !== null)),
        reasons: Object.fromEntries(
          chart('chart-reasons').data.labels.map((label: string, i: number) => [label, chart('chart-reasons').data.datasets[0].data[i]]),
        ),
        painted,
      };
    });
    expect(charted).toMatchObject({ requested: 6, answered: 2, abandoned: 1, timeouts: 1 });
    expect(charted.reasons).toMatchObject({ agent_ended: 1, bot_released: 2, queue_timeout: 1, admin_released: 1 });
    expect(charted.p90).toBeGreaterThan(2.5);
    expect(charted.painted).toBeGreaterThan(1000);
    await page.locator('#chart-reasons summary').click();
    await page
      .locator('#chart-reasons table')
      .getByRole('row', { name: /queue_timeout 1/ })
      .waitFor();
    await page.locator('#chart-reasons summary').click();
    await shoot('overview');
  });

  it("filters sessions, opens a session's timeline and releases its handover", async () => {
    await page.getByRole('tab', { name: 'Overview' }).focus();
    await page.keyboard.press('ArrowRight');
    expect(await page.getByRole('tab', { name: 'Sessions' }).getAttribute('aria-selected')).toBe('true');
    await page.getByLabel('State').selectOption('queued');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForFunction(() => document.querySelectorAll('#sessions-table tbody tr').length === 1);
    await page.locator('#sessions-table tbody tr', { hasText: 's-waiting' }).waitFor();
    await page.getByRole('button', { name: 'Timeline of session s-waiting' }).click();
    const timeline = page.locator('#timeline-entries');
    await timeline.getByText('handover.requested').waitFor();
    await timeline.getByText('handover.queued').waitFor();
    await shoot('sessions');
    await page.getByRole('button', { name: 'Release session s-waiting' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Release' }).click();
    await timeline.getByText('handover.ended').waitFor();
    await page.getByText('reason admin_released').waitFor();
    await page.locator('#sessions-table').getByText('No session matches.').waitFor();
  });

  it('lists the dead letter and replays it', async () => {
    await page.getByRole('tab', { name: 'Dead letters' }).click();
    const replay = page.getByRole('button', { name: 'Replay handover.ended of session s-answered' });
    await replay.waitFor();
    await shoot('dead-letters');
    await replay.click();
    await page.locator('#dead-letters-table').getByText('No dead letters.').waitFor();
    // The replayed event reaches the bot this time.
    await eventually(() => expect(f.bot.forSession('s-answered').filter((e) => e.type === 'handover.ended')).toHaveLength(2));
  });

  it('lists endpoints with their config URL, checks provider health and rotates the API key', async () => {
    await page.getByRole('tab', { name: 'Endpoints' }).click();
    await expect(page.getByLabel(`Config URL of ${f.endpointId}`, { exact: true }).inputValue()).resolves.toBe(
      `https://connector.example.test/webhooks/genesys/${f.endpointId}`,
    );
    await page.getByRole('button', { name: `Check the provider health of ${f.endpointId}` }).click();
    await page.locator('#health-checks').getByText('token:').waitFor();
    await page.locator('#health-title', { hasText: 'OK' }).waitFor();
    await shoot('endpoints');
    await page.getByRole('button', { name: `Rotate the API key of ${f.endpointId}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Rotate' }).click();
    const newKey = await page.getByRole('textbox', { name: 'New API key' }).inputValue();
    expect(newKey).toMatch(/^hck_/);
    await page.getByRole('dialog').getByRole('button', { name: 'Done' }).click();
    const old = await request(f.t.app.getHttpServer())
      .get(`/v1/endpoints/${f.endpointId}/sessions/s-answered`)
      .set('Authorization', `Bearer ${f.apiKey}`);
    expect(old.status).toBe(401);
    const fresh = await request(f.t.app.getHttpServer())
      .get(`/v1/endpoints/${f.endpointId}/sessions/s-answered`)
      .set('Authorization', `Bearer ${newKey}`);
    expect(fresh.status).toBe(200);
  });

  it('opens the queue board behind the same admin sign-in', async () => {
    await page.getByRole('tab', { name: 'Queues' }).click();
    await page.getByRole('button', { name: 'Open the queue board' }).click();
    const board = page.frameLocator('#queues-frame');
    await board.getByText('to-bot').first().waitFor();
    await board.getByText('to-agent').first().waitFor();
    await board.getByText('Loading...').waitFor({ state: 'hidden' });
    const cookies = await context.cookies();
    expect(cookies).toEqual([
      expect.objectContaining({ name: 'hc_queue_board', path: '/console/queues', httpOnly: true, sameSite: 'Strict' }),
    ]);
    await shoot('queues');
  });

  it('works on a phone width, and signing out forgets the token and the board pass', async () => {
    const phone = await context.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(`${f.baseUrl}/console`);
    // A new tab has its own session storage: sign in again.
    await phone.getByLabel('Admin token').fill(TEST_ADMIN_TOKEN);
    await phone.getByRole('button', { name: 'Sign in' }).click();
    await phone.locator('#kpi-requested', { hasText: '6' }).waitFor();
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await shoot('phone', phone);
    await phone.getByRole('button', { name: 'Sign out' }).click();
    await phone.getByLabel('Admin token').waitFor();
    expect(await phone.evaluate(() => sessionStorage.getItem('hc-admin-token'))).toBeNull();
    expect((await context.cookies()).filter((c) => c.name === 'hc_queue_board')).toEqual([]);
    await phone.close();
    // Nothing broke on the way: no script error, and nothing the CSP had to block except the board's web font.
    expect(problems.filter((p) => !/fonts\.googleapis\.com|401 \(Unauthorized\)/.test(p))).toEqual([]);
  });
});
