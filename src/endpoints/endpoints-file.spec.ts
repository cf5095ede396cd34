import { EgressPolicy } from '../infrastructure/http/egress-policy';
import { genesysCloudOpenMessagingDefinition } from '../contact-center/genesys-cloud-open-messaging/genesys-cloud-settings';
import { parseEndpointSpec } from './endpoint-spec.validation';
import { ProviderCatalog } from './provider-definition';
import { parseEndpointsFile } from './endpoints-file';

const FILE = 'endpoints.yaml';
const providers = new ProviderCatalog([genesysCloudOpenMessagingDefinition]);
const parseSpec = (input: unknown, path: string) => parseEndpointSpec(input, new EgressPolicy([]), providers, path);
const parse = (text: string, env: NodeJS.ProcessEnv = {}) => parseEndpointsFile(FILE, text, parseSpec, env);

function entry(id: string, extra = ''): string {
  return `
  - id: ${id}${extra}
    bot: { callbackUrl: "https://bot.example.test/events", callbackSecret: "a-callback-secret-of-24-chars" }
    provider:
      type: genesys-cloud-open-messaging
      region: mypurecloud.de
      clientId: client
      clientSecret: \${CLIENT_SECRET}
      integrationId: integration
      webhookSecret: "prefix-\${WEBHOOK_PART}-suffix"`;
}

describe('parseEndpointsFile', () => {
  const env = { CLIENT_SECRET: 'the-client-secret', WEBHOOK_PART: 'middle' };

  it('reads entries, resolving ${VAR} references anywhere in a value', () => {
    const [seed] = parse(`endpoints:${entry('one', '\n    apiKey: "hck_0123456789012345678901234567890123"')}`, env);
    expect(seed.spec).toMatchObject({ id: 'one', provider: { clientSecret: 'the-client-secret', webhookSecret: 'prefix-middle-suffix' } });
    expect(seed.apiKey).toBe('hck_0123456789012345678901234567890123');
  });

  it('accepts an empty file and an empty list', () => {
    expect(parse('', env)).toEqual([]);
    expect(parse('endpoints:', env)).toEqual([]);
    expect(parse('endpoints: []', env)).toEqual([]);
  });

  it.each([
    ['a YAML syntax error', 'endpoints: [', /^endpoints\.yaml: invalid YAML: .+ \(line \d+\)$/],
    ['a document without an endpoints list', 'endpoint: []', 'endpoints.yaml: expected a top-level "endpoints:" list'],
    ['an entry that is not an object', 'endpoints: [42]', 'endpoints.yaml: endpoints[0] must be an object'],
    [
      'an entry without id',
      `endpoints:${entry('x').replace('- id: x', '- name: no id')}`,
      'endpoints.yaml: endpoints[0].id is required in an endpoints file',
    ],
    ['a duplicate id', `endpoints:${entry('same')}${entry('same')}`, 'endpoints.yaml: endpoints[1].id is the same as endpoints[0].id'],
    [
      'a short apiKey',
      `endpoints:${entry('short-key', '\n    apiKey: "too-short"')}`,
      'endpoints.yaml: endpoints[0].apiKey must be a string of at least 32 characters',
    ],
    [
      'an unset variable',
      `endpoints:${entry('one').replace('${WEBHOOK_PART}', '${NOT_SET}')}`,
      'endpoints.yaml: endpoints[0].provider.webhookSecret refers to ${NOT_SET}, which is not set',
    ],
    [
      'an invalid field',
      `endpoints:${entry('one').replace('mypurecloud.de', 'mars')}`,
      /^endpoints\.yaml: endpoints\[0\]\.provider\.region must be a known Genesys Cloud region/,
    ],
  ])('fails with one message for %s', (_case, text, message) => {
    expect(() => parse(text, env)).toThrow(message);
  });

  it('refuses an apiKey used twice', () => {
    const key = '\n    apiKey: "hck_0123456789012345678901234567890123"';
    expect(() => parse(`endpoints:${entry('a', key)}${entry('b', key)}`, env)).toThrow(
      'endpoints.yaml: endpoints[1].apiKey is the same as endpoints[0].apiKey',
    );
  });

  it('reports the problems of every entry at once', () => {
    const text = `endpoints:${entry('a').replace('mypurecloud.de', 'mars')}${entry('B')}`;
    expect(() => parse(text, env)).toThrow(/endpoints\[0\]\.provider\.region .*; endpoints\[1\]\.id must be 1-64 lowercase/);
  });
});
