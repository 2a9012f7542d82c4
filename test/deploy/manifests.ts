/**
 * The shipped Kubernetes manifests (`deploy/kubernetes/`), parsed, validated with the Kubernetes
 * API's JSON schemas (`kubernetes-models`, offline), and the environment they give the node.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const KUBERNETES_DIR = join(ROOT, 'deploy', 'kubernetes');

/** One object of a manifest file. */
export interface Manifest {
  /** The file, relative to `deploy/kubernetes/`. */
  file: string;
  apiVersion: string;
  kind: string;
  name: string;
  body: Record<string, unknown>;
}

/** The model class of each kind the manifests use, by `apiVersion/kind`. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};

/** Kustomize's own files: not API objects. */
export const KUSTOMIZATION = 'kustomization.yaml';

/** Every `.yaml` file under `deploy/kubernetes/`, relative to it, sorted. */
export function manifestFiles(dir = KUBERNETES_DIR): string[] {
  const out: string[] = [];
  const walk = (path: string): void => {
    for (const name of readdirSync(path).sort()) {
      const full = join(path, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.yaml') || name.endsWith('.yml')) out.push(relative(dir, full));
    }
  };
  walk(dir);
  return out;
}

/** Parses one YAML file into its documents; throws naming the file and the YAML error. */
export function parseYamlFile(file: string, dir = KUBERNETES_DIR): Record<string, unknown>[] {
  const docs = parseAllDocuments(readFileSync(join(dir, file), 'utf8'));
  const list = Array.isArray(docs) ? docs : [docs];
  return list.map((doc, i) => {
    if (doc.errors.length > 0) throw new Error(`${file}, document ${i + 1}: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new Error(`${file}, document ${i + 1}: expected a mapping`);
    }
    return value as Record<string, unknown>;
  });
}

/** Every API object of every manifest file (kustomizations left out). */
export function loadManifests(dir = KUBERNETES_DIR): Manifest[] {
  return manifestFiles(dir)
    .filter((file) => !file.endsWith(KUSTOMIZATION))
    .flatMap((file) =>
      parseYamlFile(file, dir).map((body) => {
        const metadata = body['metadata'] as { name?: unknown } | undefined;
        return {
          file,
          apiVersion: String(body['apiVersion']),
          kind: String(body['kind']),
          name: String(metadata?.name),
          body,
        };
      }),
    );
}

/** Validates one object against its kind's schema; throws naming the file, kind and the first error. */
export function validateManifest(manifest: Manifest): void {
  const Model = MODELS[`${manifest.apiVersion}/${manifest.kind}`];
  if (Model === undefined) {
    throw new Error(`${manifest.file}: no schema known for ${manifest.apiVersion} ${manifest.kind}`);
  }
  try {
    new Model(manifest.body as never).validate();
  } catch (error) {
    throw new Error(`${manifest.file} (${manifest.kind} ${manifest.name}): ${(error as Error).message}`);
  }
}

/** The one object of `kind` named `name`; throws when there is not exactly one. */
export function find(manifests: Manifest[], kind: string, name = 'switchboard'): Manifest {
  const found = manifests.filter((m) => m.kind === kind && m.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name}, found ${found.length}`);
  return found[0]!;
}

/** A value at `path` in an object, or undefined. */
export function at(value: unknown, ...path: (string | number)[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: Record<string, unknown>;
}

export interface Container {
  name: string;
  image: string;
  args?: string[];
  command?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  readinessProbe?: { httpGet?: { path: string; port: number | string } };
  livenessProbe?: { httpGet?: { path: string; port: number | string } };
  startupProbe?: { httpGet?: { path: string; port: number | string } };
  lifecycle?: { preStop?: { sleep?: { seconds: number }; exec?: { command: string[] } } };
  securityContext?: Record<string, unknown>;
}

/** The Switchboard container of the Deployment. */
export function switchboardContainer(manifests: Manifest[]): Container {
  const containers = at(find(manifests, 'Deployment').body, 'spec', 'template', 'spec', 'containers') as
    | Container[]
    | undefined;
  const container = containers?.find((c) => c.name === 'switchboard');
  if (container === undefined) throw new Error('deployment.yaml: no container named switchboard');
  return container;
}

/** Stand-ins for values Kubernetes fills in at run time (the downward API). */
const FIELD_REFS: Record<string, string> = { 'metadata.name': 'switchboard-7d9f8-abcde' };

/**
 * The environment the Deployment gives its container: every key of the ConfigMaps and Secrets in
 * `envFrom` (in order), then `env` (which wins), with downward-API fields given sample values.
 */
export function containerEnv(manifests: Manifest[]): Record<string, string> {
  const container = switchboardContainer(manifests);
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef !== undefined) {
      Object.assign(env, at(find(manifests, 'ConfigMap', source.configMapRef.name).body, 'data') ?? {});
    }
    if (source.secretRef !== undefined) {
      const secret = find(manifests, 'Secret', source.secretRef.name).body;
      Object.assign(env, secret['stringData'] ?? {});
      const data = (secret['data'] ?? {}) as Record<string, string>;
      for (const [key, value] of Object.entries(data)) env[key] = Buffer.from(value, 'base64').toString();
    }
  }
  for (const item of container.env ?? []) {
    if (item.value !== undefined) env[item.name] = item.value;
    const field = at(item.valueFrom, 'fieldRef', 'fieldPath');
    if (typeof field === 'string') {
      const sample = FIELD_REFS[field];
      if (sample === undefined)
        throw new Error(`deployment.yaml: ${item.name} uses ${field}, no sample value`);
      env[item.name] = sample;
    }
  }
  return env;
}

/** The port number a probe's `port` names (a number, or the name of a container port). */
export function probePort(container: Container, port: number | string): number | undefined {
  if (typeof port === 'number') return port;
  return container.ports?.find((p) => p.name === port)?.containerPort;
}
