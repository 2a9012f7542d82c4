/**
 * The Kubernetes manifests of deploy/kubernetes/: they parse and validate against the API's
 * schemas, and they agree with each other, with the image and with the node's configuration
 * (probe paths and port, the grace period against the drain, selectors, SWITCHBOARD_* names).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { defaultConfig, loadConfig, unknownConfigVariables } from '../../src/config/index.js';
import { readDockerfile, stages } from './dockerfile.js';
import {
  at,
  containerEnv,
  find,
  KUBERNETES_DIR,
  KUSTOMIZATION,
  loadManifests,
  manifestFiles,
  parseYamlFile,
  probePort,
  switchboardContainer,
  validateManifest,
} from './manifests.js';

/** Seconds left after shutdown.timeout for consumers, proxy clients and Redis to close. */
const CLOSE_MARGIN_SECONDS = 5;

const manifests = loadManifests();
const deployment = find(manifests, 'Deployment');
const podSpec = at(deployment.body, 'spec', 'template', 'spec') as Record<string, unknown>;
const podLabels = at(deployment.body, 'spec', 'template', 'metadata', 'labels') as Record<string, string>;
const container = switchboardContainer(manifests);

/** Whether every label of `selector` is on the Deployment's pods. */
function selects(selector: unknown): boolean {
  if (typeof selector !== 'object' || selector === null) return false;
  const entries = Object.entries(selector as Record<string, string>);
  return entries.length > 0 && entries.every(([key, value]) => podLabels[key] === value);
}

describe('the Kubernetes manifests', () => {
  it('parse, and every object validates against its kind of the Kubernetes API', () => {
    const kinds = manifests.map((m) => m.kind).sort();
    assert.deepEqual(kinds, [
      'ConfigMap',
      'Deployment',
      'HorizontalPodAutoscaler',
      'PodDisruptionBudget',
      'Secret',
      'Service',
      'Service',
      'StatefulSet',
    ]);
    for (const manifest of manifests) validateManifest(manifest);
  });

  it('the validator refuses what the API would (it can fail)', () => {
    const broken = structuredClone(deployment);
    const copy = at(broken.body, 'spec', 'template', 'spec', 'containers', 0) as Record<string, unknown>;
    copy['ports'] = [{ name: 'http', containerPort: 'eight thousand' }];
    assert.throws(() => validateManifest(broken), /containerPort must be integer/);
    const noSelector = structuredClone(find(manifests, 'Service'));
    (noSelector.body['spec'] as Record<string, unknown>)['ports'] = [{ port: 'http' }];
    assert.throws(() => validateManifest(noSelector), /port must be integer/);
  });

  it('each kustomization lists every manifest of its folder, and only files that exist', () => {
    for (const file of manifestFiles().filter((f) => f.endsWith(KUSTOMIZATION))) {
      const folder = join(KUBERNETES_DIR, file, '..');
      const [kustomization] = parseYamlFile(file);
      const resources = (kustomization?.['resources'] ?? []) as string[];
      for (const resource of resources) {
        assert.ok(existsSync(join(folder, resource)), `${file}: ${resource} does not exist`);
      }
      const own = manifestFiles(folder).filter((f) => !f.includes('/') && f !== KUSTOMIZATION);
      assert.deepEqual(
        resources.filter((r) => !r.startsWith('..')).sort(),
        own.sort(),
        `${file} lists the folder's manifests`,
      );
    }
  });

  it('each kustomization builds (kubectl kustomize) into exactly the objects of its files', (t) => {
    const version = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
    if (version.status !== 0) {
      t.skip('kubectl is not installed: the kustomizations were checked only for the files they list');
      return;
    }
    for (const file of manifestFiles().filter((f) => f.endsWith(KUSTOMIZATION))) {
      const folder = join(KUBERNETES_DIR, file, '..');
      const built = spawnSync('kubectl', ['kustomize', folder], { encoding: 'utf8' });
      assert.equal(built.status, 0, `kubectl kustomize ${file}: ${built.stderr}`);
      const objects = parseAllDocuments(built.stdout)
        .map((doc) => doc.toJS() as { kind: string; metadata: { name: string } })
        .map((o) => `${o.kind}/${o.metadata.name}`)
        .sort();
      const prefix = file === KUSTOMIZATION ? '' : file.slice(0, -KUSTOMIZATION.length);
      const listed = manifests
        .filter((m) => (prefix === '' ? !m.file.includes('/') : m.file.startsWith(prefix)))
        .map((m) => `${m.kind}/${m.name}`)
        .sort();
      assert.deepEqual(objects, listed, `${file} builds its files' objects`);
    }
  });

  it('runs three replicas of the image with its own entrypoint (node as PID 1) and `serve`', () => {
    assert.equal(at(deployment.body, 'spec', 'replicas'), 3);
    assert.equal(container.command, undefined, 'no command: the image entrypoint (node) stays PID 1');
    assert.deepEqual(container.args, ['serve']);
  });

  it('probes /ready (readiness) and /health (liveness, startup) on the port the node listens on', async () => {
    const config = await loadConfig({ env: containerEnv(manifests) });
    const port = config.http_server.port;
    assert.deepEqual(
      container.ports?.map((p) => p.containerPort),
      [port],
      'the container port is http_server.port',
    );
    const probes = {
      readinessProbe: '/ready',
      livenessProbe: '/health',
      startupProbe: '/health',
    } as const;
    for (const [probe, path] of Object.entries(probes) as [keyof typeof probes, string][]) {
      const get = container[probe]?.httpGet;
      assert.ok(get !== undefined, `${probe} is an HTTP GET`);
      assert.equal(get.path, path, `${probe} path`);
      assert.equal(probePort(container, get.port), port, `${probe} port`);
    }
    const service = find(manifests, 'Service');
    const target = at(service.body, 'spec', 'ports', 0, 'targetPort') as number | string;
    assert.equal(probePort(container, target), port, 'the Service sends traffic to the node port');
  });

  it('gives the node time to drain: grace >= preStop + shutdown.timeout + margin, drain inside the timeout', async () => {
    const preStop = container.lifecycle?.preStop?.sleep?.seconds;
    assert.ok(typeof preStop === 'number' && preStop >= 3, 'a preStop sleep lets endpoints be removed first');
    const grace = podSpec['terminationGracePeriodSeconds'];
    assert.equal(typeof grace, 'number');
    // The values the pods run with (the ConfigMap's, else the defaults), and the defaults themselves.
    const effective = (await loadConfig({ env: containerEnv(manifests) })).shutdown;
    for (const [what, shutdown] of [
      ['the pods', effective],
      ['the defaults', defaultConfig().shutdown],
    ] as const) {
      assert.ok(
        shutdown.drain_duration <= shutdown.timeout,
        `${what}: drain_duration ${shutdown.drain_duration} ms fits in shutdown.timeout ${shutdown.timeout} ms`,
      );
      const needed = preStop + Math.ceil(shutdown.timeout / 1000) + CLOSE_MARGIN_SECONDS;
      assert.ok(
        (grace as number) >= needed,
        `${what}: terminationGracePeriodSeconds ${grace} >= preStop ${preStop} + shutdown.timeout ${shutdown.timeout / 1000} + ${CLOSE_MARGIN_SECONDS}`,
      );
    }
  });

  it('selects the Deployment’s pods from its own selector, the Service, the PDB, the HPA and the spread', () => {
    assert.ok(selects(at(deployment.body, 'spec', 'selector', 'matchLabels')), 'Deployment selector');
    assert.ok(selects(at(find(manifests, 'Service').body, 'spec', 'selector')), 'Service selector');
    const pdb = find(manifests, 'PodDisruptionBudget').body;
    assert.ok(selects(at(pdb, 'spec', 'selector', 'matchLabels')), 'PodDisruptionBudget selector');
    assert.ok((at(pdb, 'spec', 'maxUnavailable') as number) < 3, 'the PDB keeps nodes up');
    const spread = at(podSpec, 'topologySpreadConstraints', 0, 'labelSelector', 'matchLabels');
    assert.ok(selects(spread), 'topology spread selector');
    const hpa = find(manifests, 'HorizontalPodAutoscaler').body;
    assert.deepEqual(at(hpa, 'spec', 'scaleTargetRef'), {
      apiVersion: deployment.apiVersion,
      kind: 'Deployment',
      name: deployment.name,
    });
    assert.ok((at(hpa, 'spec', 'minReplicas') as number) >= 3, 'the HPA never goes below the replicas');
    // A selector that is not the pods' is told apart (the check can fail).
    assert.equal(selects({ 'app.kubernetes.io/name': 'other' }), false);
  });

  it('sets only real configuration variables, with values the node accepts and its secrets set', async () => {
    const env = containerEnv(manifests);
    const names = Object.keys(env).filter((n) => n.startsWith('SWITCHBOARD_'));
    assert.ok(names.length >= 5, `SWITCHBOARD_* variables: ${names.join(', ')}`);
    assert.deepEqual(unknownConfigVariables(env), [], 'every SWITCHBOARD_* name sets a key');
    assert.deepEqual(unknownConfigVariables({ SWITCHBOARD_HTTP_SERVER_PROT: '8000' }), [
      'SWITCHBOARD_HTTP_SERVER_PROT',
    ]);
    const config = await loadConfig({ env });
    assert.notEqual(config.http_api.key, '', 'the API key comes from the Secret');
    assert.notEqual(config.client.token.hmac_secret_key, '', 'the token secret comes from the Secret');
    assert.equal(config.engine.type, 'redis');
    assert.equal(config.node.name, 'switchboard-7d9f8-abcde', 'node.name is the pod name');
    assert.equal(config.log.format, 'json');
    // Secrets live in the Secret, not in the ConfigMap.
    const configMap = Object.keys(at(find(manifests, 'ConfigMap').body, 'data') as object);
    for (const secret of ['SWITCHBOARD_API_KEY', 'SWITCHBOARD_TOKEN_HMAC_SECRET']) {
      assert.ok(!configMap.includes(secret), `${secret} is not in the ConfigMap`);
    }
  });

  it('runs as the image’s non-root user with a read-only root filesystem', () => {
    const runtime = stages(readDockerfile()).at(-1)!;
    const user = runtime.instructions.filter((i) => i.keyword === 'USER').at(-1)?.args;
    assert.equal(user, '1000:1000');
    assert.deepEqual(
      {
        runAsNonRoot: at(podSpec, 'securityContext', 'runAsNonRoot'),
        runAsUser: at(podSpec, 'securityContext', 'runAsUser'),
        runAsGroup: at(podSpec, 'securityContext', 'runAsGroup'),
      },
      { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000 },
    );
    assert.equal(container.securityContext?.['readOnlyRootFilesystem'], true);
    assert.equal(container.securityContext?.['allowPrivilegeEscalation'], false);
    assert.deepEqual(at(container.securityContext, 'capabilities', 'drop'), ['ALL']);
  });

  it('redis/ is a Redis at the address the ConfigMap names', () => {
    const address = new URL(containerEnv(manifests)['SWITCHBOARD_ENGINE_REDIS_ADDRESS'] ?? '');
    const redis = manifests.filter((m) => m.file.startsWith('redis/'));
    const service = redis.find((m) => m.kind === 'Service');
    assert.equal(service?.name, address.hostname);
    assert.equal(at(service?.body, 'spec', 'ports', 0, 'port'), Number(address.port));
    const statefulSet = redis.find((m) => m.kind === 'StatefulSet');
    const labels = at(statefulSet?.body, 'spec', 'template', 'metadata', 'labels') as Record<string, string>;
    const selector = at(service?.body, 'spec', 'selector') as Record<string, string>;
    assert.ok(
      Object.entries(selector).every(([k, v]) => labels[k] === v),
      'the Redis Service selects it',
    );
  });
});
