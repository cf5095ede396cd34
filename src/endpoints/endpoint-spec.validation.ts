import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { EgressPolicy } from '../infrastructure/http/egress-policy';
import { flattenValidationErrors } from '../infrastructure/http/validation-errors';
import { EndpointSpec } from './dto/endpoint-spec.dto';
import { isPlainObject, mergePatch } from './merge-patch';
import type { ProviderCatalog, ProviderDefinition } from './provider-definition';

/** Every problem of one endpoint description, each naming its full field path. */
export class EndpointSpecError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'EndpointSpecError';
  }
}

/** Outbound URLs an operator may configure; each is checked against the SSRF guard before it is stored. */
function outboundUrls(spec: EndpointSpec, provider: ProviderDefinition): [field: string, url: string | undefined][] {
  return [
    ['bot.callbackUrl', spec.bot.callbackUrl],
    ['bot.cognigy.notifyUrl', spec.bot.cognigy?.notifyUrl],
    ['bot.cognigy.injectUrl', spec.bot.cognigy?.injectUrl],
    ['bot.cognigy.apiBaseUrl', spec.bot.cognigy?.apiBaseUrl],
    ...provider.outboundUrls(spec.provider).map(([field, url]): [string, string | undefined] => [`provider.${field}`, url]),
  ];
}

const VALIDATION = { whitelist: true, forbidNonWhitelisted: true };

/** The `provider` part, validated by the DTO of the provider its `type` names. */
function parseProvider(
  input: object,
  providers: ProviderCatalog,
  path: string,
): { definition?: ProviderDefinition; spec?: object; problems: string[] } {
  const definition = providers.find((input as { type?: unknown }).type);
  if (!definition) return { problems: [`${path}.type must be one of the following values: ${providers.types().join(', ')}`] };
  const spec = plainToInstance(definition.specClass, input);
  return { definition, spec, problems: flattenValidationErrors(validateSync(spec, VALIDATION), path) };
}

/**
 * Reads an endpoint description from the admin API or the endpoints file: `null` fields count as absent, then the
 * DTO rules apply (the provider's own for `provider`), then the SSRF guard. `path` prefixes every field name
 * ("endpoints[0]").
 */
export function parseEndpointSpec(input: unknown, egress: EgressPolicy, providers: ProviderCatalog, path = ''): EndpointSpec {
  if (!isPlainObject(input)) throw new EndpointSpecError([`${path || 'body'} must be an object`]);
  const spec = plainToInstance(EndpointSpec, mergePatch({}, input));
  const problems = flattenValidationErrors(validateSync(spec, VALIDATION), path);
  const prefix = path ? `${path}.` : '';
  const provider = isPlainObject(spec.provider) ? parseProvider(spec.provider, providers, `${prefix}provider`) : { problems: [] };
  problems.push(...provider.problems);
  if (problems.length > 0 || !provider.definition) throw new EndpointSpecError(problems);
  spec.provider = provider.spec as EndpointSpec['provider'];

  const refused = outboundUrls(spec, provider.definition).filter(([, url]) => url !== undefined && !egress.allowsUrl(url));
  if (refused.length > 0) {
    throw new EndpointSpecError(
      refused.map(
        ([field]) => `${prefix}${field} must not point to a private, loopback or link-local address (unless allowed by EGRESS_ALLOWLIST)`,
      ),
    );
  }
  return spec;
}
