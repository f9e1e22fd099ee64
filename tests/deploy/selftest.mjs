// Proves validate.mjs can fail: takes a rendered overlay that passes, breaks it
// one way at a time (typo'd field names at every depth, a wrong type, broken
// security settings and references) and requires validate.mjs to exit 1 naming
// the fault. A check that passes everything would fail here.
//
// usage: node selftest.mjs RENDERED.yaml   (the production-autoscaled overlay: it has every object kind)

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

const here = path.dirname(fileURLToPath(import.meta.url));
const source = process.argv[2];
const original = YAML.parseAllDocuments(fs.readFileSync(source, 'utf8')).map((d) => d.toJS()).filter(Boolean);

const one = (docs, kind) => {
  const found = docs.find((d) => d.kind === kind);
  if (!found) throw new Error(`selftest: ${source} has no ${kind}`);
  return found;
};
const pod = (docs, kind) => one(docs, kind).spec.template.spec;

// [what the error must mention, how to break the objects]
const cases = [
  ['spec.replicsa: unknown field', (d) => { one(d, 'Deployment').spec.replicsa = 3; }],
  ['securityContext.readOnlyRootFileSystem: unknown field', (d) => { pod(d, 'StatefulSet').containers[0].securityContext.readOnlyRootFileSystem = true; }],
  ['resources.requets: unknown field', (d) => { one(d, 'StatefulSet').spec.volumeClaimTemplates[0].spec.resources.requets = { storage: '1Gi' }; }],
  ['metadata.lables: unknown field', (d) => { one(d, 'Service').metadata.lables = { a: 'b' }; }],
  ['httpGet.paht: unknown field', (d) => { pod(d, 'StatefulSet').containers[0].livenessProbe.httpGet.paht = '/x'; }],
  ['resourceFieldRef.divsor: unknown field', (d) => { pod(d, 'Deployment').containers[0].env.find((e) => e.valueFrom).valueFrom.resourceFieldRef.divsor = '1'; }],
  ['ports[0].targetport: unknown field', (d) => { one(d, 'Service').spec.ports[0].targetport = 7700; }],
  ['spec.maxUnavailabe: unknown field', (d) => { one(d, 'PodDisruptionBudget').spec.maxUnavailabe = 1; }],
  ['spec.restartpolicy: unknown field', (d) => { pod(d, 'Job').restartpolicy = 'Never'; }],
  ['.date: unknown field', (d) => { one(d, 'ConfigMap').date = { 'job.yaml': '' }; }],
  ['emptyDir.sizelimit: unknown field', (d) => { pod(d, 'Job').volumes.find((v) => v.emptyDir).emptyDir.sizelimit = '1Mi'; }],
  ['data/spec/replicas must be integer', (d) => { one(d, 'Deployment').spec.replicas = 'eight'; }],
  ['imagePullPolicy must be equal to one of the allowed values', (d) => { pod(d, 'Deployment').containers[0].imagePullPolicy = 'Sometimes'; }],
  ['containers/0 must have required property name', (d) => { delete pod(d, 'Job').containers[0].name; }],
  ['no schema for apiVersion apps/v1beta1', (d) => { one(d, 'Deployment').apiVersion = 'apps/v1beta1'; }],
  ['runAsUser must be 10001', (d) => { pod(d, 'Deployment').securityContext.runAsUser = 0; }],
  ['readOnlyRootFilesystem must be true', (d) => { pod(d, 'Job').containers[0].securityContext.readOnlyRootFilesystem = false; }],
  ['capabilities must drop ALL', (d) => { pod(d, 'StatefulSet').containers[0].securityContext.capabilities.drop = ['NET_RAW']; }],
  ['/tmp must be a mounted volume', (d) => { const c = pod(d, 'Deployment').containers[0]; c.volumeMounts = c.volumeMounts.filter((m) => m.mountPath !== '/tmp'); }],
  ['needs a memory limit', (d) => { delete pod(d, 'Deployment').containers[0].resources.limits; }],
  ['replicas must be exactly 1', (d) => { one(d, 'StatefulSet').spec.replicas = 2; }],
  ['does not match the pod template\'s labels', (d) => { one(d, 'Deployment').spec.selector.matchLabels['app.kubernetes.io/component'] = 'wrker'; }],
  ['PVC sluice-dta is not in the rendered set', (d) => { pod(d, 'Deployment').volumes.find((v) => v.persistentVolumeClaim).persistentVolumeClaim.claimName = 'sluice-dta'; }],
  ['is not in the rendered set', (d) => { pod(d, 'Job').volumes.find((v) => v.configMap).configMap.name = 'sluice-jobs'; }],
  ['neither rendered nor a known external Secret', (d) => { pod(d, 'Deployment').volumes.find((v) => v.secret).secret.secretName = 'sluice-curv'; }],
  ['uses port htp', (d) => { pod(d, 'StatefulSet').containers[0].readinessProbe.httpGet.port = 'htp'; }],
  ['targetPort zqm is not a port', (d) => { one(d, 'Service').spec.ports[0].targetPort = 'zqm'; }],
  ['is not a pod of a StatefulSet', (d) => { pod(d, 'Deployment').containers[0].env.find((e) => e.name === 'SLUICE_COORDINATOR').value = 'tcp://sluice-coordinator-1.sluice-coordinator:7700'; }],
  ['has no port 7070', (d) => { pod(d, 'Deployment').containers[0].env.find((e) => e.name === 'SLUICE_COORDINATOR').value = 'tcp://sluice-coordinator:7070'; }],
  // Needs the autoscaled overlay (HPA, CronJob).
  ['scaleTargetRef apps/v1 Deployment/sluice-wrker is not in the rendered set', (d) => { one(d, 'HorizontalPodAutoscaler').spec.scaleTargetRef.name = 'sluice-wrker'; }],
  ['the coordinator must never scale', (d) => { Object.assign(one(d, 'HorizontalPodAutoscaler').spec.scaleTargetRef, { kind: 'StatefulSet', name: 'sluice-coordinator' }); }],
  ['sets replicas, which every apply would reset', (d) => { one(d, 'Deployment').spec.replicas = 8; }],
  ['metric.nmae: unknown field', (d) => { one(d, 'HorizontalPodAutoscaler').spec.metrics[0].external.metric.nmae = 'x'; }],
  ['jobTemplate.spec.template.spec.containers[0].securityContext.runAsUsr: unknown field', (d) => { one(d, 'CronJob').spec.jobTemplate.spec.template.spec.containers[0].securityContext.runAsUsr = 0; }],
  ['CronJob/sluice-incremental container submit: readOnlyRootFilesystem must be true', (d) => { one(d, 'CronJob').spec.jobTemplate.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem = false; }],
  ['CronJob/sluice-incremental: volume jobs: ConfigMap sluice-jobs is not in the rendered set', (d) => { one(d, 'CronJob').spec.jobTemplate.spec.template.spec.volumes.find((v) => v.configMap).configMap.name = 'sluice-jobs'; }],
];

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-deploy-selftest-'));
let failed = 0;
try {
  const good = path.join(dir, 'good.yaml');
  fs.writeFileSync(good, original.map((o) => YAML.stringify(o)).join('---\n'));
  try {
    execFileSync(process.execPath, [path.join(here, 'validate.mjs'), 'selftest-unbroken', good], { stdio: 'pipe' });
  } catch (e) {
    console.error(`deploy selftest: the unbroken copy does not pass:\n${e.stderr}`);
    process.exit(1);
  }
  cases.forEach(([expected, breakIt], i) => {
    const docs = structuredClone(original);
    breakIt(docs);
    const file = path.join(dir, `broken-${i}.yaml`);
    fs.writeFileSync(file, docs.map((o) => YAML.stringify(o)).join('---\n'));
    let stderr = '';
    let status = 0;
    try {
      execFileSync(process.execPath, [path.join(here, 'validate.mjs'), `broken-${i}`, file], { stdio: 'pipe' });
    } catch (e) {
      status = e.status;
      stderr = String(e.stderr);
    }
    if (status !== 1 || !stderr.includes(expected)) {
      failed++;
      console.error(`deploy selftest: FAILED: breaking case ${i} should fail with "${expected}"; exit ${status}, stderr:\n${stderr}`);
    }
  });
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
if (failed) {
  console.error(`deploy selftest: ${failed} of ${cases.length} broken manifests were not caught`);
  process.exit(1);
}
console.log(`deploy selftest: all ${cases.length} deliberately broken manifests rejected (e.g. Deployment spec.replicsa)`);
