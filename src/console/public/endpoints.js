// Endpoints: the list with each one's config URL (to copy into the contact center), API key rotation, provider health.
import { api } from './api.js';
import { copy, dialog, el, failed, rowButton, table } from './ui.js';

export function createEndpoints({ onEndpoints }) {
  const health = document.getElementById('endpoint-health');

  async function load() {
    try {
      const endpoints = await api('/admin/v1/endpoints');
      onEndpoints(endpoints);
      document.getElementById('endpoints-table').replaceChildren(
        table(
          [
            {
              label: 'Endpoint',
              cell: (e) => el('div', {}, el('strong', { text: e.name }), el('div', { class: 'mono hint', text: e.id })),
            },
            { label: 'Provider', cell: (e) => e.provider.type },
            {
              label: 'Config URL',
              cell: (e) => {
                const field = el('input', {
                  type: 'text',
                  readonly: true,
                  value: e.configUrl,
                  size: Math.min(e.configUrl.length, 64),
                  'aria-label': `Config URL of ${e.id}`,
                });
                return el(
                  'div',
                  { class: 'secret' },
                  field,
                  rowButton('Copy', `Copy the config URL of ${e.id}`, () => copy(e.configUrl, field)),
                );
              },
            },
            {
              label: 'Actions',
              cell: (e) =>
                el(
                  'div',
                  { class: 'actions' },
                  rowButton('Check health', `Check the provider health of ${e.id}`, () => checkHealth(e)),
                  rowButton('Rotate API key', `Rotate the API key of ${e.id}`, () => rotate(e), 'danger'),
                ),
            },
          ],
          endpoints,
          { caption: 'Endpoints', empty: 'No endpoints yet: create one with POST /admin/v1/endpoints.' },
        ),
      );
    } catch (err) {
      failed(err);
    }
  }

  async function checkHealth(endpoint) {
    try {
      const result = await api(`/admin/v1/endpoints/${encodeURIComponent(endpoint.id)}/health`);
      document.getElementById('health-title').textContent = `Provider health of ${endpoint.id}: ${result.ok ? 'OK' : 'attention needed'}`;
      document
        .getElementById('health-checks')
        .replaceChildren(
          ...result.checks.map((c) =>
            el(
              'li',
              {},
              el('span', { class: c.ok ? 'ok' : 'bad', text: c.ok ? '✓ ' : '✗ ' }),
              el('strong', { text: `${c.name}: ` }),
              c.detail,
            ),
          ),
        );
      health.hidden = false;
      health.focus();
    } catch (err) {
      failed(err);
    }
  }

  async function rotate(endpoint) {
    const sure = await dialog({
      title: `Rotate the API key of ${endpoint.id}?`,
      body: 'A new key is issued and the current one stops working at once: the bot platform needs the new key.',
      ok: 'Rotate',
      danger: true,
    });
    if (!sure) return;
    try {
      const { apiKey } = await api(`/admin/v1/endpoints/${encodeURIComponent(endpoint.id)}/api-key`, { method: 'POST' });
      const field = el('input', { type: 'text', readonly: true, value: apiKey, 'aria-label': 'New API key', id: 'new-api-key' });
      await dialog({
        title: `New API key of ${endpoint.id}`,
        body: el(
          'div',
          {},
          el('p', { text: 'Shown only this once (only a hash is kept). Give it to the bot platform now.' }),
          el(
            'div',
            { class: 'secret' },
            field,
            el('button', { type: 'button', class: 'secondary', text: 'Copy', onclick: () => void copy(apiKey, field) }),
          ),
        ),
        ok: 'Done',
        cancel: null,
      });
    } catch (err) {
      failed(err);
    }
  }

  return { show: load, hide() {}, load };
}
