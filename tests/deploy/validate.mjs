// Validates rendered Kubernetes manifests offline, three ways:
//
//  1. schema: each object against the Kubernetes OpenAPI schema compiled into
//     the npm package kubernetes-models (types, enums, required fields);
//  2. unknown fields: that schema lets unknown keys through (as the API server
//     does, silently dropping them), so every key is also looked up in the
//     model's type declarations (the .d.ts files kubernetes-models generates
//     from the same OpenAPI spec) and a key that is not there is an error;
//  3. project rules: restricted security context, resources, references
//     between objects (volumes, ConfigMaps, PVCs, Services, named ports, the
//     coordinator address) resolve inside the rendered set.
//
// usage: node validate.mjs LABEL FILE.yaml   (multi-document YAML, e.g. `kubectl kustomize` output)
// Prints one line per problem and exits 1 if there is any.

import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import YAML from 'yaml';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const modelsRoot = path.dirname(require.resolve('kubernetes-models/package.json'));
const nodeModules = path.dirname(modelsRoot);

// Secrets the manifests use but that are created by hand (deploy/README.md).
const EXTERNAL_SECRETS = new Set(['sluice-curve']);
const RUN_AS_USER = 10001;
// Stable API groups served by every supported Kubernetes release (kubernetes-models
// also ships removed beta versions, which a cluster would refuse).
const SERVED_API_VERSIONS = new Set([
  'v1', 'apps/v1', 'batch/v1', 'policy/v1', 'networking.k8s.io/v1',
  'rbac.authorization.k8s.io/v1', 'autoscaling/v2', 'scheduling.k8s.io/v1',
]);

// ---------------------------------------------------------------- .d.ts types

function tokenize(text) {
  const tokens = [];
  const re = /\s+|\/\*[\s\S]*?\*\/|\/\/[^\n]*|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[A-Za-z_$][\w$]*|\d+(?:\.\d+)?|=>|[{}()<>\[\]:;?|,=.&]/y;
  let m;
  while (re.lastIndex < text.length) {
    const at = re.lastIndex;
    m = re.exec(text);
    if (!m) throw new Error(`cannot tokenize .d.ts at offset ${at}: ${text.slice(at, at + 40)}`);
    const s = m[0];
    if (/^\s/.test(s) || s.startsWith('/*') || s.startsWith('//')) continue;
    tokens.push(s);
  }
  return tokens;
}

class Parser {
  constructor(tokens) { this.t = tokens; this.i = 0; }
  peek(k = 0) { return this.t[this.i + k]; }
  next() { return this.t[this.i++]; }
  expect(s) { const got = this.next(); if (got !== s) throw new Error(`.d.ts: expected ${s}, got ${got}`); }
  accept(s) { if (this.peek() === s) { this.i++; return true; } return false; }
  skipBalanced(open, close) {
    let depth = 0;
    do {
      const tok = this.next();
      if (tok === undefined) throw new Error('.d.ts: unbalanced');
      if (tok === open) depth++;
      else if (tok === close) depth--;
    } while (depth > 0);
  }
  type() {
    const members = [this.postfix()];
    while (this.accept('|')) members.push(this.postfix());
    return members.length === 1 ? members[0] : { t: 'union', types: members };
  }
  postfix() {
    let node = this.primary();
    while (this.peek() === '[' && this.peek(1) === ']') { this.i += 2; node = { t: 'arr', el: node }; }
    return node;
  }
  primary() {
    const tok = this.next();
    if (tok === '{') return this.members();
    if (tok === '(') { const inner = this.type(); this.expect(')'); return inner; }
    if (/^["'\d]/.test(tok)) return { t: 'lit' };
    if (/^[A-Za-z_$]/.test(tok)) {
      let name = tok;
      while (this.peek() === '.') { this.i++; name += '.' + this.next(); }
      const args = [];
      if (this.accept('<')) {
        do args.push(this.type()); while (this.accept(','));
        this.expect('>');
      }
      if (this.peek() === '[' && /^["']/.test(this.peek(1) ?? '')) { this.skipBalanced('[', ']'); return { t: 'any' }; }
      if (name === 'Array' || name === 'ReadonlyArray') return { t: 'arr', el: args[0] };
      if (['string', 'number', 'boolean', 'null', 'undefined', 'true', 'false', 'never'].includes(name)) return { t: 'lit' };
      if (['any', 'unknown', 'object', 'Record'].includes(name)) return { t: 'any' };
      return { t: 'ref', name };
    }
    throw new Error(`.d.ts: unexpected token ${tok}`);
  }
  // after '{': property signatures and index signatures up to the closing '}'
  members() {
    const props = new Map();
    let index = null;
    while (!this.accept('}')) {
      if (this.accept('[')) {
        this.next(); this.expect(':'); this.type(); this.expect(']');
        this.expect(':');
        index = this.type();
      } else {
        this.accept('readonly');
        const key = this.next().replace(/^["']|["']$/g, '');
        this.accept('?');
        this.expect(':');
        props.set(key, this.type());
      }
      this.accept(';') || this.accept(',');
    }
    return { t: 'obj', props, index };
  }
}

const fileCache = new Map();

function parseDts(file) {
  if (fileCache.has(file)) return fileCache.get(file);
  const p = new Parser(tokenize(fs.readFileSync(file, 'utf8')));
  const info = { file, imports: new Map(), decls: new Map(), exportsAs: new Map() };
  while (p.peek() !== undefined) {
    const tok = p.next();
    if (tok === 'import') {
      const names = [];
      if (p.accept('type')) { /* import type { … } */ }
      if (p.accept('{')) {
        while (!p.accept('}')) {
          const name = p.next();
          if (p.accept('as')) names.push([p.next(), name]); else names.push([name, name]);
          p.accept(',');
        }
        p.expect('from');
      }
      const spec = p.next().slice(1, -1);
      for (const [local, remote] of names) info.imports.set(local, { spec, remote });
      p.accept(';');
    } else if (tok === 'export' || tok === 'declare') {
      p.accept('declare');
      const what = p.next();
      if (what === 'interface') {
        const name = p.next();
        if (p.accept('extends')) while (p.peek() !== '{') p.next();
        p.expect('{');
        info.decls.set(name, p.members());
      } else if (what === 'type' && p.peek() === '{') {
        p.next();
        while (!p.accept('}')) {
          const local = p.next();
          const exported = p.accept('as') ? p.next() : local;
          info.exportsAs.set(exported, local);
          p.accept(',');
        }
        p.accept(';');
      } else if (what === 'type') {
        const name = p.next();
        if (p.peek() === '<') p.skipBalanced('<', '>');
        p.expect('=');
        info.decls.set(name, p.type());
        p.accept(';');
      } else if (what === 'class') {
        while (p.peek() !== '{') p.next();
        p.skipBalanced('{', '}');
      }
    }
  }
  fileCache.set(file, info);
  return info;
}

function resolveSpec(fromFile, spec) {
  const base = spec.startsWith('.') ? path.resolve(path.dirname(fromFile), spec) : path.join(nodeModules, spec);
  const stem = base.replace(/\.js$/, '');
  for (const candidate of [stem + '.d.ts', path.join(stem, 'index.d.ts')]) {
    if (fs.existsSync(candidate)) return candidate;
  }
  return null;
}

// A named type, as seen from `file`: { node, info } or null when unknown (open).
function lookup(info, name, seen = new Set()) {
  const key = info.file + '#' + name;
  if (seen.has(key)) return null;
  seen.add(key);
  if (info.decls.has(name)) return { node: info.decls.get(name), info };
  if (info.exportsAs.has(name) && info.exportsAs.get(name) !== name) return lookup(info, info.exportsAs.get(name), seen);
  const imp = info.imports.get(name);
  if (imp) {
    const target = resolveSpec(info.file, imp.spec);
    if (target) return lookup(parseDts(target), imp.remote, seen);
  }
  return null;
}

function deref(node, info) {
  let guard = 0;
  while (node && node.t === 'ref' && guard++ < 20) {
    const found = lookup(info, node.name);
    if (!found) return { node: { t: 'any' }, info };
    ({ node, info } = found);
  }
  return { node, info };
}

const isPlainObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

// Collects "path: unknown field" for every key of `value` the type does not declare.
function unknownFields(value, node, info, where, out) {
  ({ node, info } = deref(node, info));
  if (!node || value === null || value === undefined) return;
  switch (node.t) {
    case 'obj':
      if (!isPlainObject(value)) return; // a type error, reported by the schema check
      for (const [k, v] of Object.entries(value)) {
        const child = node.props.get(k) ?? node.index;
        if (!child) out.push(`${where}.${k}: unknown field`);
        else unknownFields(v, child, info, `${where}.${k}`, out);
      }
      return;
    case 'arr':
      if (Array.isArray(value)) value.forEach((v, i) => unknownFields(v, node.el, info, `${where}[${i}]`, out));
      return;
    case 'union': {
      // Try each structured alternative; the best fit (fewest unknowns) decides.
      let best = null;
      for (const alt of node.types) {
        const d = deref(alt, info);
        if (d.node.t === 'lit' || d.node.t === 'any') continue;
        const found = [];
        unknownFields(value, d.node, d.info, where, found);
        if (best === null || found.length < best.length) best = found;
      }
      if (best) out.push(...best);
      return;
    }
    default:
      return;
  }
}

// --------------------------------------------------------------------- models

async function loadModel(apiVersion, kind) {
  if (!SERVED_API_VERSIONS.has(apiVersion) || typeof kind !== 'string' || !/^[A-Za-z0-9]+$/.test(kind)) return null;
  const rel = path.join(apiVersion, kind); // "v1/Service", "apps/v1/StatefulSet"
  const js = path.join(modelsRoot, rel + '.js');
  const dts = path.join(modelsRoot, rel + '.d.ts');
  if (!fs.existsSync(js) || !fs.existsSync(dts)) return null;
  const mod = await import(pathToFileURL(js).href);
  return { Model: mod[kind], dts, iface: 'I' + kind };
}

// -------------------------------------------------------------- project rules

const podTemplate = (o) =>
  ['Deployment', 'StatefulSet', 'Job'].includes(o.kind) ? o.spec?.template
    : o.kind === 'CronJob' ? o.spec?.jobTemplate?.spec?.template : null;
const containersOf = (pod) => [...(pod?.spec?.initContainers ?? []), ...(pod?.spec?.containers ?? [])];
const matches = (selector, labels) =>
  isPlainObject(selector) && Object.keys(selector).length > 0 &&
  Object.entries(selector).every(([k, v]) => labels?.[k] === v);

function projectRules(objects) {
  const errors = [];
  const byKind = (kind) => objects.filter((o) => o.kind === kind);
  const names = (kind) => new Set(byKind(kind).map((o) => o.metadata?.name));
  const configMaps = names('ConfigMap');
  const secrets = new Set([...names('Secret'), ...EXTERNAL_SECRETS]);
  const pvcs = names('PersistentVolumeClaim');
  const workloads = objects.filter(podTemplate);

  const namespaces = new Set(objects.filter((o) => !['Namespace'].includes(o.kind)).map((o) => o.metadata?.namespace ?? ''));
  if (namespaces.size > 1) errors.push(`objects are spread over namespaces ${[...namespaces].join(', ')}`);
  for (const ns of byKind('Namespace')) {
    if (!namespaces.has(ns.metadata?.name)) errors.push(`Namespace/${ns.metadata?.name}: no object is in it`);
  }

  for (const o of workloads) {
    const id = `${o.kind}/${o.metadata?.name}`;
    const pod = podTemplate(o);
    const psc = pod.spec?.securityContext ?? {};
    if (psc.runAsNonRoot !== true) errors.push(`${id}: pod securityContext.runAsNonRoot must be true`);
    if (psc.runAsUser !== RUN_AS_USER) errors.push(`${id}: pod securityContext.runAsUser must be ${RUN_AS_USER}`);
    if (psc.seccompProfile?.type !== 'RuntimeDefault') errors.push(`${id}: pod seccompProfile must be RuntimeDefault`);
    if (!['Job', 'CronJob'].includes(o.kind) && !matches(o.spec?.selector?.matchLabels, pod.metadata?.labels)) {
      errors.push(`${id}: spec.selector.matchLabels does not match the pod template's labels`);
    }
    const volumes = new Map((pod.spec?.volumes ?? []).map((v) => [v.name, v]));
    const claimTemplates = new Set((o.spec?.volumeClaimTemplates ?? []).map((v) => v.metadata?.name));
    for (const v of volumes.values()) {
      if (v.configMap && !configMaps.has(v.configMap.name)) errors.push(`${id}: volume ${v.name}: ConfigMap ${v.configMap.name} is not in the rendered set`);
      if (v.secret && !secrets.has(v.secret.secretName)) errors.push(`${id}: volume ${v.name}: Secret ${v.secret.secretName} is neither rendered nor a known external Secret`);
      if (v.persistentVolumeClaim && !pvcs.has(v.persistentVolumeClaim.claimName)) errors.push(`${id}: volume ${v.name}: PVC ${v.persistentVolumeClaim.claimName} is not in the rendered set`);
    }
    for (const c of containersOf(pod)) {
      const cid = `${id} container ${c.name}`;
      const sc = c.securityContext ?? {};
      if (sc.allowPrivilegeEscalation !== false) errors.push(`${cid}: allowPrivilegeEscalation must be false`);
      if (sc.readOnlyRootFilesystem !== true) errors.push(`${cid}: readOnlyRootFilesystem must be true`);
      if (!(sc.capabilities?.drop ?? []).includes('ALL')) errors.push(`${cid}: capabilities must drop ALL`);
      if (!c.resources?.requests?.cpu || !c.resources?.requests?.memory) errors.push(`${cid}: needs cpu and memory requests`);
      if (!c.resources?.limits?.memory) errors.push(`${cid}: needs a memory limit`);
      const mounts = c.volumeMounts ?? [];
      if (!mounts.some((m) => m.mountPath === '/tmp')) errors.push(`${cid}: /tmp must be a mounted volume (the root filesystem is read-only)`);
      for (const m of mounts) {
        if (!volumes.has(m.name) && !claimTemplates.has(m.name)) errors.push(`${cid}: volumeMount ${m.name} has no volume`);
      }
      const ports = new Set((c.ports ?? []).map((p) => p.name));
      for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
        const port = c[probe]?.httpGet?.port;
        if (typeof port === 'string' && !ports.has(port)) errors.push(`${cid}: ${probe} uses port ${port}, which the container does not name`);
      }
      for (const e of c.env ?? []) {
        if (e.name !== 'SLUICE_COORDINATOR' || typeof e.value !== 'string') continue;
        const problem = coordinatorAddressProblem(e.value, objects);
        if (problem) errors.push(`${cid}: SLUICE_COORDINATOR=${e.value}: ${problem}`);
      }
    }
  }

  for (const s of byKind('StatefulSet')) {
    const svc = byKind('Service').find((x) => x.metadata?.name === s.spec?.serviceName);
    if (!svc) errors.push(`StatefulSet/${s.metadata?.name}: serviceName ${s.spec?.serviceName} is not a rendered Service`);
    else if (svc.spec?.clusterIP !== 'None') errors.push(`StatefulSet/${s.metadata?.name}: Service ${svc.metadata?.name} must be headless`);
    if (s.metadata?.name === 'sluice-coordinator' && s.spec?.replicas !== 1) errors.push(`StatefulSet/sluice-coordinator: replicas must be exactly 1 (one RocksDB writer)`);
  }
  for (const svc of byKind('Service')) {
    const target = workloads.find((w) => matches(svc.spec?.selector, podTemplate(w).metadata?.labels));
    if (!target) { errors.push(`Service/${svc.metadata?.name}: selector matches no pod template`); continue; }
    const ports = new Set(containersOf(podTemplate(target)).flatMap((c) => (c.ports ?? []).map((p) => p.name)));
    for (const p of svc.spec?.ports ?? []) {
      if (typeof p.targetPort === 'string' && !ports.has(p.targetPort)) errors.push(`Service/${svc.metadata?.name}: targetPort ${p.targetPort} is not a port of ${target.kind}/${target.metadata?.name}`);
    }
  }
  for (const pdb of byKind('PodDisruptionBudget')) {
    if (!workloads.some((w) => matches(pdb.spec?.selector?.matchLabels, podTemplate(w).metadata?.labels))) {
      errors.push(`PodDisruptionBudget/${pdb.metadata?.name}: selector matches no workload`);
    }
  }
  for (const hpa of byKind('HorizontalPodAutoscaler')) {
    const ref = hpa.spec?.scaleTargetRef ?? {};
    const target = objects.find((o) => o.kind === ref.kind && o.metadata?.name === ref.name && o.apiVersion === ref.apiVersion);
    if (!target) errors.push(`HorizontalPodAutoscaler/${hpa.metadata?.name}: scaleTargetRef ${ref.apiVersion} ${ref.kind}/${ref.name} is not in the rendered set`);
    else if (target.kind === 'StatefulSet' && target.metadata?.name === 'sluice-coordinator') errors.push(`HorizontalPodAutoscaler/${hpa.metadata?.name}: the coordinator must never scale`);
    else if (target.spec?.replicas !== undefined) errors.push(`HorizontalPodAutoscaler/${hpa.metadata?.name}: ${ref.kind}/${ref.name} sets replicas, which every apply would reset under the autoscaler`);
    if (!(hpa.spec?.minReplicas >= 1) || !(hpa.spec?.maxReplicas >= hpa.spec?.minReplicas)) errors.push(`HorizontalPodAutoscaler/${hpa.metadata?.name}: needs 1 <= minReplicas <= maxReplicas`);
  }
  return errors;
}

// tcp://SERVICE:PORT or tcp://STATEFULSET-N.SERVICE:PORT, both in the rendered set.
function coordinatorAddressProblem(address, objects) {
  const m = /^tcp:\/\/([a-z0-9.-]+):(\d+)$/.exec(address);
  if (!m) return 'not tcp://HOST:PORT';
  const [, host, port] = m;
  const parts = host.split('.');
  const svc = objects.find((o) => o.kind === 'Service' && o.metadata?.name === parts[parts.length === 1 ? 0 : 1]);
  if (!svc) return `no rendered Service for host ${host}`;
  if (parts.length === 2) {
    const sts = objects.find((o) => o.kind === 'StatefulSet' && o.spec?.serviceName === svc.metadata.name);
    const ordinal = sts && parts[0].startsWith(sts.metadata.name + '-') ? Number(parts[0].slice(sts.metadata.name.length + 1)) : NaN;
    if (!sts || !Number.isInteger(ordinal) || ordinal < 0 || ordinal >= (sts.spec?.replicas ?? 1)) return `${parts[0]} is not a pod of a StatefulSet governed by ${svc.metadata.name}`;
  } else if (parts.length > 2) {
    return 'use the short in-namespace name';
  }
  if (!(svc.spec?.ports ?? []).some((p) => String(p.port) === port)) return `Service ${svc.metadata.name} has no port ${port}`;
  return null;
}

// ----------------------------------------------------------------------- main

async function main() {
  const [label, file] = process.argv.slice(2);
  if (!label || !file) {
    console.error('usage: node validate.mjs LABEL FILE.yaml');
    process.exit(2);
  }
  const docs = YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'));
  const errors = [];
  const objects = [];
  for (const doc of docs) {
    if (doc.errors.length) { errors.push(`YAML: ${doc.errors[0].message}`); continue; }
    const obj = doc.toJS();
    if (obj === null || obj === undefined) continue;
    objects.push(obj);
  }
  if (objects.length === 0) errors.push('no objects');

  for (const obj of objects) {
    const id = `${obj?.kind}/${obj?.metadata?.name}`;
    const model = await loadModel(obj?.apiVersion, obj?.kind);
    if (!model) { errors.push(`${id}: no schema for apiVersion ${obj?.apiVersion} kind ${obj?.kind} (not a stable, served API)`); continue; }
    try {
      new model.Model(obj).validate();
    } catch (e) {
      for (const line of String(e.message).split(/,\s(?=data\/)/)) errors.push(`${id}: schema: ${line}`);
    }
    const info = parseDts(model.dts);
    if (!info.decls.has(model.iface)) { errors.push(`${id}: cannot read the type declarations in ${model.dts}`); continue; }
    const unknown = [];
    unknownFields(obj, { t: 'ref', name: model.iface }, info, id, unknown);
    errors.push(...unknown);
  }
  if (errors.length === 0) errors.push(...projectRules(objects));

  if (errors.length) {
    for (const e of errors) console.error(`deploy: ${label}: ${e}`);
    console.error(`deploy: ${label}: INVALID (${errors.length} problem${errors.length === 1 ? '' : 's'})`);
    process.exit(1);
  }
  const kinds = objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ');
  console.log(`deploy: ${label}: ${objects.length} objects valid (schema, unknown fields, project rules): ${kinds}`);
}

main().catch((e) => {
  console.error(`deploy: validator crashed: ${e.stack ?? e}`);
  process.exit(1);
});
