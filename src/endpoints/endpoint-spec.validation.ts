import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { EgressPolicy } from '../infrastructure/http/egress-policy';
import { flattenValidationErrors } from '../infrastructure/http/validation-errors';
import { EndpointSpec } from './dto/endpoint-spec.dto';
import { isPlainObject, mergePatch } from './merge-patch';

/** Every problem of one endpoint description, each naming its full field path. */
export class EndpointSpecError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'EndpointSpecError';
  }
}

/** Outbound URLs an operator may configure; each is checked against the SSRF guard before it is stored. */
function outboundUrls(spec: EndpointSpec): [field: string, url: string | undefined][] {
  return [
    ['bot.callbackUrl', spec.bot.callbackUrl],
    ['bot.cognigy.notifyUrl', spec.bot.cognigy?.notifyUrl],
    ['provider.apiBaseUrl', spec.provider.apiBaseUrl],
    ['provider.loginBaseUrl', spec.provider.loginBaseUrl],
  ];
}

/**
 * Reads an endpoint description from the admin API or the endpoints file: `null` fields count as absent, then the
 * DTO rules apply, then the SSRF guard. `path` prefixes every field name ("endpoints[0]").
 */
export function parseEndpointSpec(input: unknown, egress: EgressPolicy, path = ''): EndpointSpec {
  if (!isPlainObject(input)) throw new EndpointSpecError([`${path || 'body'} must be an object`]);
  const spec = plainToInstance(EndpointSpec, mergePatch({}, input));
  const errors = validateSync(spec, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) throw new EndpointSpecError(flattenValidationErrors(errors, path));

  const prefix = path ? `${path}.` : '';
  const refused = outboundUrls(spec).filter(([, url]) => url !== undefined && !egress.allowsUrl(url));
  if (refused.length > 0) {
    throw new EndpointSpecError(
      refused.map(
        ([field]) => `${prefix}${field} must not point to a private, loopback or link-local address (unless allowed by EGRESS_ALLOWLIST)`,
      ),
    );
  }
  return spec;
}
