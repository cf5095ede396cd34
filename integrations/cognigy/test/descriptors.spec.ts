import * as fs from 'fs';
import * as path from 'path';
import type { INodeDescriptor } from '@cognigy/extension-tools';
import type { TNodeFieldCondition } from '@cognigy/extension-tools/build/interfaces/descriptor';
import extension from '../src/module';
import * as publicApi from '../src/index';

const root = path.resolve(__dirname, '..');
/** The field types extension-tools 0.14 declares (build/interfaces/descriptor.d.ts, nodeFieldTypes). */
const FIELD_TYPES = [
  'text',
  'rule',
  'json',
  'checkbox',
  'time',
  'date',
  'datetime',
  'select',
  'typescript',
  'xml',
  'textArray',
  'chipInput',
  'cognigyText',
  'toggle',
  'slider',
  'number',
  'daterange',
  'connection',
  'say',
  'condition',
];

/** Every node descriptor exported by the files in src/nodes. */
function exportedDescriptors(): INodeDescriptor[] {
  const dir = path.join(root, 'src', 'nodes');
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .flatMap((f) => Object.values(jest.requireActual<Record<string, unknown>>(path.join(dir, f))))
    .filter(
      (v): v is INodeDescriptor =>
        !!v &&
        typeof v === 'object' &&
        typeof (v as INodeDescriptor).type === 'string' &&
        'appearance' in (v as object) &&
        'constraints' in (v as object),
    );
}

function conditionKeys(condition: TNodeFieldCondition | undefined): string[] {
  if (!condition) return [];
  if (condition.and) return condition.and.flatMap(conditionKeys);
  if (condition.or) return condition.or.flatMap(conditionKeys);
  return [condition.key];
}

const nodes = extension.nodes;
const byType = new Map(nodes.map((n) => [n.type, n]));
const parents = nodes.filter((n) => !n.parentType);
const children = nodes.filter((n) => n.parentType);

describe('extension descriptors', () => {
  it('exports every node descriptor of src/nodes in the extension, each type once', () => {
    const exported = exportedDescriptors();
    expect(exported.length).toBeGreaterThanOrEqual(6 * 4);
    expect(new Set(nodes.map((n) => n.type)).size).toBe(nodes.length);
    expect(nodes.map((n) => n.type).sort()).toEqual(exported.map((n) => n.type).sort());
    for (const descriptor of exported) expect(nodes).toContain(descriptor);
  });

  it('has the six nodes of the spec, with a label', () => {
    expect(parents.map((n) => n.type).sort()).toEqual(
      ['checkAgentAvailability', 'getHandoverStatus', 'handoverRouter', 'handoverToAgent', 'releaseHandover', 'sendToAgent'].sort(),
    );
    expect(extension.options.label).toBe('Handover Connector');
    for (const node of parents) {
      expect(typeof node.function).toBe('function');
      expect(node.defaultLabel).toBeTruthy();
      expect(node.tags).toContain('service');
    }
    expect(byType.get('handoverRouter')!.behavior!.entrypoint).toBe(true);
  });

  it.each(parents.map((n) => [n.type, n] as const))('%s: form keys, sections, fields and conditions are consistent', (_type, node) => {
    const fields = node.fields ?? [];
    const fieldKeys = fields.map((f) => f.key);
    const sectionKeys = (node.sections ?? []).map((s) => s.key);
    expect(new Set(fieldKeys).size).toBe(fieldKeys.length);
    expect(new Set(sectionKeys).size).toBe(sectionKeys.length);
    for (const element of node.form ?? []) {
      expect(element.type === 'field' ? fieldKeys : sectionKeys).toContain(element.key);
    }
    for (const section of node.sections ?? []) for (const key of section.fields) expect(fieldKeys).toContain(key);
    // Every field is shown: directly in the form or in a section that is in the form.
    const formFields = (node.form ?? []).filter((e) => e.type === 'field').map((e) => e.key);
    const formSections = new Set((node.form ?? []).filter((e) => e.type === 'section').map((e) => e.key));
    const shown = new Set([...formFields, ...(node.sections ?? []).filter((s) => formSections.has(s.key)).flatMap((s) => s.fields)]);
    expect(fieldKeys.filter((k) => !shown.has(k))).toEqual([]);
    for (const field of fields) {
      expect(FIELD_TYPES).toContain(field.type);
      for (const key of conditionKeys(field.condition)) expect(fieldKeys).toContain(key);
      if (field.type === 'select') {
        const options = ((field.params as { options?: { value: unknown }[] })?.options ?? []).map((o) => o.value);
        expect(options.length).toBeGreaterThan(0);
        if (field.defaultValue !== undefined) expect(options).toContain(field.defaultValue);
      }
    }
    if (node.preview) expect(fieldKeys).toContain(node.preview.key);
  });

  it('attaches every child node type to its parent, and every child to exactly one parent', () => {
    for (const node of parents) {
      const types = node.dependencies?.children ?? [];
      expect(types.length).toBeGreaterThanOrEqual(2);
      for (const type of types) {
        expect(byType.has(type)).toBe(true);
        expect(byType.get(type)!.parentType).toBe(node.type);
      }
    }
    for (const childNode of children) {
      const owners = parents.filter((p) => p.dependencies?.children.includes(childNode.type));
      expect(owners.map((o) => o.type)).toEqual([childNode.parentType]);
      expect(childNode.function).toBeNull();
      expect(childNode.constraints).toMatchObject({ editable: false, deletable: false, creatable: false, movable: false });
    }
  });

  it('references only its own Connection, whose fields are the ones the nodes read', () => {
    expect(extension.connections.map((c) => c.type)).toEqual(['handover-connector']);
    expect(extension.connections[0].fields.map((f) => f.fieldName)).toEqual(['baseUrl', 'endpointId', 'apiKey']);
    for (const node of parents) {
      const connectionFields = (node.fields ?? []).filter((f) => f.type === 'connection');
      expect(connectionFields.map((f) => f.key)).toEqual(['connection']);
      expect(connectionFields[0].params).toMatchObject({ connectionType: 'handover-connector', required: true });
    }
  });

  it('declares tokens that read where the node stores by default', () => {
    const availability = byType.get('checkAgentAvailability')!;
    expect(availability.tokens).toContainEqual({
      label: 'Available Agents',
      type: 'input',
      script: 'input.agentAvailability.agentsAvailable',
    });
    const inputKey = availability.fields!.find((f) => f.key === 'inputKey')!;
    expect(inputKey.defaultValue).toBe('agentAvailability');
  });

  it('exports the Router function and the extension for code outside Cognigy', () => {
    expect(typeof publicApi.routeInput).toBe('function');
    expect(publicApi.extension).toBe(extension);
  });

  it('ships a 64x64 PNG icon and points "main" at build/module.js', () => {
    const png = fs.readFileSync(path.join(root, 'icon.png'));
    expect(png.subarray(0, 8)).toEqual(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]));
    expect(png.toString('latin1', 12, 16)).toBe('IHDR');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([64, 64]);
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    expect(pkg.main).toBe('build/module.js');
  });

  it("tests against the extension-tools version that Cognigy installs from the extension's lock file", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
    const repoPkg = JSON.parse(fs.readFileSync(path.join(root, '..', '..', 'package.json'), 'utf8'));
    expect(Object.keys(pkg.dependencies)).toEqual(['@cognigy/extension-tools']);
    expect(lock.packages[''].dependencies).toEqual(pkg.dependencies);
    const locked = lock.packages['node_modules/@cognigy/extension-tools'].version;
    expect(repoPkg.devDependencies['@cognigy/extension-tools']).toBe(locked);
    const installed = JSON.parse(fs.readFileSync(require.resolve('@cognigy/extension-tools/package.json'), 'utf8'));
    expect(installed.version).toBe(locked);
  });
});
