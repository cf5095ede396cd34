import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load, loadAll } from 'js-yaml';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';

/**
 * The Kubernetes manifests of deploy/kubernetes: a template whose placeholders are whole YAML values ("${a.b}"),
 * replaced after parsing by that path of the values, so a value keeps its type and needs no quoting; values merge as
 * Helm's do (mappings merge, anything else replaces, null removes the key). Every object is checked against the
 * Kubernetes schemas (kubernetes-models) before it is printed.
 */

export type Values = { [key: string]: unknown };
export interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  [field: string]: unknown;
}

export const KUBERNETES_DIR = join(__dirname, '..', '..', 'deploy', 'kubernetes');
const TEMPLATE = join(KUBERNETES_DIR, 'handover-connector.yaml');
const DEFAULT_VALUES = join(KUBERNETES_DIR, 'values.yaml');

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
};

const PLACEHOLDER = /^\$\{([A-Za-z0-9_.]+)\}$/;

const isMapping = (value: unknown): value is Values => typeof value === 'object' && value !== null && !Array.isArray(value);

export function mergeValues(base: Values, override: Values): Values {
  const merged: Values = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value === null) delete merged[key];
    else merged[key] = isMapping(value) && isMapping(merged[key]) ? mergeValues(merged[key], value) : value;
  }
  return merged;
}

/** `--set a.b=text`: the string `text` at path a.b. */
export function setValue(values: Values, assignment: string): Values {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new Error(`--set expects path=value, got "${assignment}"`);
  const override = assignment
    .slice(0, eq)
    .split('.')
    .reduceRight<unknown>((inner, key) => ({ [key]: inner }), assignment.slice(eq + 1));
  return mergeValues(values, override as Values);
}

function lookup(values: Values, path: string): unknown {
  const value = path.split('.').reduce<unknown>((node, key) => (isMapping(node) ? node[key] : undefined), values);
  if (value === undefined || value === null) throw new Error(`values: ${path} is required`);
  return value;
}

function substitute(node: unknown, values: Values): unknown {
  if (typeof node === 'string') {
    const placeholder = PLACEHOLDER.exec(node);
    if (placeholder) return lookup(values, placeholder[1]);
    if (node.includes('${')) throw new Error(`template: "${node}" must be a placeholder by itself`);
    return node;
  }
  if (Array.isArray(node)) return node.map((item) => substitute(item, values));
  if (isMapping(node)) return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, substitute(value, values)]));
  return node;
}

/** Throws, naming the object and the field, when it does not match its Kubernetes schema. */
export function validateManifest(object: KubernetesObject): void {
  const Model = MODELS[`${object.apiVersion}/${object.kind}`];
  if (!Model) throw new Error(`${object.apiVersion} ${object.kind} is not a kind these manifests use`);
  try {
    new Model(object as never).validate();
  } catch (err) {
    throw new Error(`${object.kind} ${object.metadata?.name}: ${(err as Error).message}`, { cause: err });
  }
}

export function renderManifests(template: string, values: Values): KubernetesObject[] {
  return loadAll(template)
    .filter((doc) => doc !== null && doc !== undefined)
    .map((doc) => substitute(doc, values) as KubernetesObject);
}

/** values.yaml, then each file, then each --set; rendered and validated. */
export function renderInstallation(valueFiles: string[] = [], sets: string[] = []): KubernetesObject[] {
  const fromFiles = [DEFAULT_VALUES, ...valueFiles].reduce<Values>(
    (values, file) => mergeValues(values, (load(readFileSync(file, 'utf8')) ?? {}) as Values),
    {},
  );
  const values = sets.reduce(setValue, fromFiles);
  const objects = renderManifests(readFileSync(TEMPLATE, 'utf8'), values);
  objects.forEach(validateManifest);
  return objects;
}
