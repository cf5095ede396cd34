import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadAll } from 'js-yaml';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { ISecret } from 'kubernetes-models/v1/Secret';
import type { IService } from 'kubernetes-models/v1/Service';
import { EnvironmentVariables, validateEnvironment } from '../../src/config/environment';
import { renderInstallation, renderManifests, validateManifest, type KubernetesObject } from '../../tools/deploy/manifests';

const SECRETS = [
  '--set',
  'secrets.adminToken=test-admin-token-0123456789',
  '--set',
  'secrets.secretsKey=' + Buffer.alloc(32, 7).toString('base64'),
];
const secretSets = SECRETS.filter((_, i) => i % 2 === 1);

function byKind(objects: KubernetesObject[]) {
  const one = <T>(kind: string) => {
    const found = objects.filter((object) => object.kind === kind);
    if (found.length !== 1) throw new Error(`expected one ${kind}, rendered ${found.length}`);
    return found[0] as unknown as T;
  };
  return {
    configMap: one<IConfigMap>('ConfigMap'),
    secret: one<ISecret>('Secret'),
    deployment: one<IDeployment>('Deployment'),
    service: one<IService>('Service'),
    pdb: one<IPodDisruptionBudget>('PodDisruptionBudget'),
    hpa: one<IHorizontalPodAutoscaler>('HorizontalPodAutoscaler'),
  };
}

const REPO = join(__dirname, '..', '..');

describe('Kubernetes manifests (deploy/kubernetes, rendered by tools/deploy)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hc-values-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let files = 0;
  const valuesFile = (yaml: string) => {
    const file = join(dir, `values-${++files}.yaml`);
    writeFileSync(file, yaml);
    return file;
  };
  const objects = renderInstallation([], secretSets);
  const { configMap, secret, deployment, service, pdb, hpa } = byKind(objects);
  const pod = deployment.spec!.template.spec!;
  const container = pod.containers[0];
  const podLabels = deployment.spec!.template.metadata!.labels!;

  it('renders exactly the six objects, each valid against its Kubernetes schema', () => {
    expect(objects.map((o) => `${o.apiVersion} ${o.kind}`)).toEqual([
      'v1 ConfigMap',
      'v1 Secret',
      'apps/v1 Deployment',
      'v1 Service',
      'policy/v1 PodDisruptionBudget',
      'autoscaling/v2 HorizontalPodAutoscaler',
    ]);
    for (const object of objects) expect(() => validateManifest(object)).not.toThrow();
  });

  it('gives the pod an environment that the connector itself accepts in production', () => {
    const env = { ...configMap.data, ...secret.stringData, ...Object.fromEntries(container.env!.map((e) => [e.name, e.value])) };
    const validated = validateEnvironment(env);
    expect(validated.NODE_ENV).toBe('production');
    expect(validated.PORT).toBe(3000);
    expect(env.REDIS_CLUSTER_NODES).toBe('redis://redis-cluster:6379');
    expect(container.envFrom).toEqual([
      { configMapRef: { name: configMap.metadata!.name } },
      { secretRef: { name: secret.metadata!.name } },
    ]);
  });

  it('probes /health/ready for readiness and /health/live for liveness, on the container port', () => {
    expect(container.ports).toEqual([{ name: 'http', containerPort: 3000 }]);
    expect(container.readinessProbe!.httpGet).toEqual({ path: '/health/ready', port: 'http' });
    expect(container.livenessProbe!.httpGet).toEqual({ path: '/health/live', port: 'http' });
    expect(container.startupProbe!.httpGet).toEqual({ path: '/health/live', port: 'http' });
  });

  it('waits longer than the preStop pause plus SHUTDOWN_GRACE_MS before killing a pod', () => {
    const shutdownGraceMs = Number(configMap.data!.SHUTDOWN_GRACE_MS ?? new EnvironmentVariables().SHUTDOWN_GRACE_MS);
    const preStop = container.lifecycle!.preStop!.exec!.command!;
    expect(preStop[0]).toBe('sleep');
    expect(pod.terminationGracePeriodSeconds! * 1000).toBeGreaterThan(Number(preStop[1]) * 1000 + shutdownGraceMs);
  });

  it('runs as the non-root node user with a read-only root file system and no privileges', () => {
    // uid 1000 is the `node` user of the node images, the image's USER.
    expect(readFileSync(join(REPO, 'Dockerfile'), 'utf8')).toMatch(/^USER node$/m);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(container.securityContext).toEqual({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  it('requests CPU (what the HPA measures) and leaves the replica count to the HPA', () => {
    expect(container.resources!.requests!.cpu).toBe('500m');
    expect(container.resources!.limits!.memory).toBe('1Gi');
    expect(deployment.spec!.replicas).toBeUndefined();
    expect(hpa.spec!.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata!.name });
    expect(hpa.spec!.metrics).toEqual([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
    ]);
    expect(hpa.spec!.minReplicas).toBe(2);
    expect(hpa.spec!.maxReplicas).toBeGreaterThan(hpa.spec!.minReplicas!);
  });

  it('points the Service and the PodDisruptionBudget at the pods', () => {
    expect(service.spec!.selector).toEqual(podLabels);
    expect(service.spec!.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http' }]);
    expect(pdb.spec!.selector!.matchLabels).toEqual(podLabels);
    expect(pdb.spec!.maxUnavailable).toBe(1);
    expect(deployment.spec!.selector.matchLabels).toEqual(podLabels);
  });

  it('takes a single Redis instead of a cluster from a values file (null removes the default)', () => {
    const file = valuesFile(
      'config:\n  REDIS_URL: rediss://user:pw@redis.internal:6380\n  REDIS_CLUSTER_NODES: null\nreplicas:\n  max: 12\n',
    );
    const rendered = byKind(renderInstallation([file], secretSets));
    expect(rendered.configMap.data).toMatchObject({ REDIS_URL: 'rediss://user:pw@redis.internal:6380' });
    expect(rendered.configMap.data).not.toHaveProperty('REDIS_CLUSTER_NODES');
    expect(rendered.hpa.spec!.maxReplicas).toBe(12);
    expect(rendered.hpa.spec!.minReplicas).toBe(2);
  });

  it('refuses to render without the secrets, or with a value of the wrong type', () => {
    expect(() => renderInstallation([], [secretSets[0]])).toThrow('values: secrets.secretsKey is required');
    expect(() => renderInstallation([valuesFile('config:\n  SHUTDOWN_GRACE_MS: 25000\n')], secretSets)).toThrow(
      'ConfigMap handover-connector: data/data/SHUTDOWN_GRACE_MS must be string',
    );
    expect(() => renderInstallation([], [...secretSets, 'replicas.targetCpuUtilization=70%'])).toThrow(
      /HorizontalPodAutoscaler handover-connector: .*averageUtilization must be integer/,
    );
    expect(() => renderManifests('kind: ConfigMap\ndata:\n  A: "prefix-${image}"\n', {})).toThrow('must be a placeholder by itself');
  });

  it('rejects a broken object (the schema check is not a formality)', () => {
    const broken = JSON.parse(JSON.stringify(deployment)) as IDeployment;
    broken.spec!.template.spec!.containers[0].readinessProbe = { httpGet: { path: '/health/ready' } } as never;
    expect(() => validateManifest(broken as unknown as KubernetesObject)).toThrow(
      /readinessProbe\/httpGet must have required property port/,
    );
    expect(() => validateManifest({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' } })).toThrow('not a kind these manifests use');
  });

  it('prints the same manifests from the command line (npm run k8s:render)', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [require.resolve('ts-node/dist/bin'), '--transpile-only', 'tools/deploy/render.ts', ...SECRETS],
      { cwd: REPO },
    );
    expect(loadAll(stdout)).toEqual(JSON.parse(JSON.stringify(objects)));
  });
});
