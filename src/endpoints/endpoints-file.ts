import { load, YAMLException } from 'js-yaml';
import type { EndpointSpec } from './dto/endpoint-spec.dto';
import { EndpointSpecError } from './endpoint-spec.validation';
import { isPlainObject } from './merge-patch';

/** One entry of ENDPOINTS_FILE, validated, with its optional fixed API key. */
export interface EndpointSeed {
  spec: EndpointSpec & { id: string };
  apiKey?: string;
}

const ENV_REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const MIN_API_KEY_LENGTH = 32;

/** Replaces `${NAME}` in every string value by the environment variable NAME; unset variables are problems. */
function resolveEnvReferences(value: unknown, path: string, env: NodeJS.ProcessEnv, problems: string[]): unknown {
  if (typeof value === 'string') {
    return value.replace(ENV_REFERENCE, (reference, name: string) => {
      const resolved = env[name];
      if (resolved === undefined) problems.push(`${path} refers to ${reference}, which is not set`);
      return resolved ?? '';
    });
  }
  if (Array.isArray(value)) return value.map((item, index) => resolveEnvReferences(item, `${path}[${index}]`, env, problems));
  if (isPlainObject(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, resolveEnvReferences(item, `${path}.${key}`, env, problems)]),
    );
  }
  return value;
}

function readEntries(file: string, text: string): unknown[] {
  let document: unknown;
  try {
    document = load(text, { filename: file });
  } catch (err) {
    if (err instanceof YAMLException) throw new Error(`${file}: invalid YAML: ${err.reason} (line ${err.mark.line + 1})`, { cause: err });
    throw err;
  }
  if (document == null) return [];
  if (!isPlainObject(document) || !('endpoints' in document) || !(document.endpoints === null || Array.isArray(document.endpoints))) {
    throw new Error(`${file}: expected a top-level "endpoints:" list`);
  }
  return (document.endpoints as unknown[] | null) ?? [];
}

type SpecParser = (input: unknown, path: string) => EndpointSpec;

/** One entry as a seed, or undefined after adding its problems to `problems`. */
function readSeed(
  entry: unknown,
  path: string,
  parseSpec: SpecParser,
  env: NodeJS.ProcessEnv,
  problems: string[],
): EndpointSeed | undefined {
  const unresolved: string[] = [];
  const resolved = resolveEnvReferences(entry, path, env, unresolved);
  if (unresolved.length > 0) {
    // Checking the values further would only repeat these problems in other words.
    problems.push(...unresolved);
    return undefined;
  }
  if (!isPlainObject(resolved)) {
    problems.push(`${path} must be an object`);
    return undefined;
  }
  const { apiKey, ...description } = resolved;
  const apiKeyValid = apiKey === undefined || (typeof apiKey === 'string' && apiKey.length >= MIN_API_KEY_LENGTH);
  if (!apiKeyValid) problems.push(`${path}.apiKey must be a string of at least ${MIN_API_KEY_LENGTH} characters`);
  let spec: EndpointSpec;
  try {
    spec = parseSpec(description, path);
  } catch (err) {
    if (!(err instanceof EndpointSpecError)) throw err;
    problems.push(...err.problems);
    return undefined;
  }
  const { id } = spec;
  if (id === undefined) {
    problems.push(`${path}.id is required in an endpoints file`);
    return undefined;
  }
  return apiKeyValid ? { spec: { ...spec, id }, apiKey: apiKey as string | undefined } : undefined;
}

/**
 * Reads every entry of an endpoints file, or throws one Error naming the file, each entry and field at fault
 * (e.g. "config/endpoints.yaml: endpoints[0].provider.webhookSecret must be longer than 15 characters").
 */
export function parseEndpointsFile(file: string, text: string, parseSpec: SpecParser, env: NodeJS.ProcessEnv): EndpointSeed[] {
  const problems: string[] = [];
  const seeds: EndpointSeed[] = [];
  const firstIndexOf = new Map<string, number>();

  readEntries(file, text).forEach((entry, index) => {
    const seed = readSeed(entry, `endpoints[${index}]`, parseSpec, env, problems);
    if (!seed) return;
    for (const [what, value] of [
      ['id', seed.spec.id],
      ['apiKey', seed.apiKey],
    ] as const) {
      if (value === undefined) continue;
      const first = firstIndexOf.get(`${what}:${value}`);
      if (first !== undefined) problems.push(`endpoints[${index}].${what} is the same as endpoints[${first}].${what}`);
      else firstIndexOf.set(`${what}:${value}`, index);
    }
    seeds.push(seed);
  });

  if (problems.length > 0) throw new Error(`${file}: ${problems.join('; ')}`);
  return seeds;
}
