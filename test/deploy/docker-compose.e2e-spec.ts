import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';

/** docker-compose.yml read as Compose reads it (YAML merge keys included); no Docker engine needed. */
interface ComposeService {
  image?: string;
  build?: string;
  profiles?: string[];
  command?: string[];
  environment?: Record<string, string>;
  env_file?: string;
  volumes?: string[];
  ports?: string[];
  depends_on?: string[] | Record<string, { condition: string }>;
}

const REPO = join(__dirname, '..', '..');
const compose = load(readFileSync(join(REPO, 'docker-compose.yml'), 'utf8')) as { services: Record<string, ComposeService> };
const services = compose.services;
const inProfile = (profile: string) => Object.keys(services).filter((name) => services[name].profiles?.includes(profile));
/** The host file behind a bind mount `./path:/in/container[:ro]`, by its path in the container. */
const mountedFile = (service: ComposeService, containerPath: string) => {
  const mount = service.volumes?.find((volume) => volume.split(':')[1] === containerPath);
  expect(mount).toBeDefined();
  return readFileSync(join(REPO, mount!.split(':')[0]), 'utf8');
};

describe('docker-compose.yml', () => {
  const redisNodes = Object.keys(services).filter((name) => /^redis-node-\d+$/.test(name));
  const replicas = Object.keys(services).filter((name) => services[name].environment?.REDIS_CLUSTER_NODES !== undefined);

  it('keeps the single-Redis setup outside any profile, as before', () => {
    for (const name of ['redis', 'connector']) expect(services[name].profiles).toBeUndefined();
    expect(services.connector.environment).toMatchObject({ REDIS_URL: 'redis://redis:6379', PORT: '3000' });
    expect(services.connector.depends_on).toEqual({ redis: { condition: 'service_healthy' } });
    expect(services.redis.command).toEqual([
      'redis-server',
      '--appendonly',
      'yes',
      '--maxmemory-policy',
      'noeviction',
      '--hash-max-listpack-value',
      '1024',
    ]);
  });

  it('puts everything else in the profile `cluster`: 6 Redis nodes, the init, 3 connector replicas and the LB', () => {
    expect(redisNodes).toHaveLength(6);
    expect(replicas).toEqual(['connector-1', 'connector-2', 'connector-3']);
    expect(inProfile('cluster').sort()).toEqual([...redisNodes, 'redis-cluster-init', ...replicas, 'lb'].sort());
  });

  it('runs every node in cluster mode, announcing its service name, with its own volume', () => {
    const volumes = new Set<string>();
    for (const name of redisNodes) {
      const node = services[name];
      expect(node.command).toEqual(['redis-server', '/usr/local/etc/redis/cluster.conf', '--cluster-announce-hostname', name]);
      const conf = mountedFile(node, '/usr/local/etc/redis/cluster.conf');
      for (const line of [
        'cluster-enabled yes',
        'cluster-preferred-endpoint-type hostname',
        'appendonly yes',
        'maxmemory-policy noeviction',
        'hash-max-listpack-value 1024',
      ])
        expect(conf.split('\n')).toContain(line);
      const data = node.volumes!.find((volume) => volume.endsWith(':/data'))!;
      volumes.add(data);
    }
    expect(volumes.size).toBe(6);
  });

  it('creates the cluster once, from all six nodes with one replica per master, after they are healthy', () => {
    const init = services['redis-cluster-init'];
    const script = init.command!.join(' ');
    const create = /redis-cli --cluster create ((?:[\w-]+:\d+ )+)--cluster-replicas 1 --cluster-yes/.exec(script);
    expect(create).not.toBeNull();
    expect(create![1].trim().split(' ')).toEqual(redisNodes.map((name) => `${name}:6379`));
    expect(script).toContain('grep -q cluster_slots_assigned:0');
    expect(init.depends_on).toEqual(Object.fromEntries(redisNodes.map((name) => [name, { condition: 'service_healthy' }])));
  });

  it('runs three identical replicas on the cluster, after its init, reachable only through the LB', () => {
    const [first, ...others] = replicas.map((name) => services[name]);
    for (const replica of others) {
      expect(replica.environment).toEqual(first.environment);
      expect(replica.env_file).toEqual(first.env_file);
      expect(replica.volumes).toEqual(first.volumes);
      expect(replica.build).toEqual(services.connector.build);
    }
    for (const replica of [first, ...others]) {
      expect(replica.depends_on).toEqual({ 'redis-cluster-init': { condition: 'service_completed_successfully' } });
      expect(replica.ports).toBeUndefined();
    }
    const seeds = first.environment!.REDIS_CLUSTER_NODES.split(',');
    expect(seeds).toEqual(redisNodes.map((name) => `redis://${name}:6379`));
    expect(first.environment).toMatchObject({ NODE_ENV: 'production', PORT: '3000' });
  });

  it('balances over every replica, health-checked on /health/ready, on the port it publishes', () => {
    const lb = services.lb;
    expect(lb.image).toMatch(/^haproxy:/);
    expect(lb.depends_on).toEqual(replicas);
    const config = mountedFile(lb, '/usr/local/etc/haproxy/haproxy.cfg');
    const servers = [...config.matchAll(/^\s*server (\S+) (\S+):(\d+)/gm)].map(([, name, host, port]) => ({ name, host, port }));
    expect(servers).toEqual(replicas.map((name) => ({ name, host: name, port: services[name].environment!.PORT })));
    expect(config).toMatch(/^\s*http-check send meth GET uri \/health\/ready$/m);
    expect(config).toMatch(/^\s*http-check expect status 200$/m);
    expect(config).toMatch(/^\s*default-server check /m);
    const bind = /^\s*bind :(\d+)$/m.exec(config);
    expect(lb.ports).toEqual([`${bind![1]}:${bind![1]}`]);
  });
});
