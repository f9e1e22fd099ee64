// Checks that two renders of one kustomization hold the same objects: same
// kinds, names and fields, in any order. Generated names (ConfigMaps whose
// name ends in kustomize's hash suffix) are compared without the suffix, since
// kustomize v2 and v5 hash differently, and so is every reference to them.
//
// usage: node same-objects.mjs A.yaml B.yaml   (exit 1 and the first difference)

import fs from 'node:fs';
import YAML from 'yaml';

const load = (file) => YAML.parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJS()).filter(Boolean);

const HASH_SUFFIX = /^(.+)-[bcdfghkmt2-9]{10}$/; // kustomize's encodeHash alphabet

function unhash(objects) {
  const generated = new Map();
  for (const o of objects) {
    const m = o.kind === 'ConfigMap' || o.kind === 'Secret' ? HASH_SUFFIX.exec(o.metadata?.name ?? '') : null;
    if (m) generated.set(o.metadata.name, `${m[1]}-HASH`);
  }
  const walk = (v) => {
    if (typeof v === 'string') return generated.get(v) ?? v;
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return objects.map(walk);
}

const canonical = (v) => {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]));
  return v;
};
const id = (o) => `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;

function firstDifference(a, b, where) {
  if (JSON.stringify(a) === JSON.stringify(b)) return null;
  if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = firstDifference(a[k], b[k], `${where}.${k}`);
      if (d) return d;
    }
  }
  return `${where}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
}

export function compare(left, right) {
  const index = (objects) => new Map(unhash(objects).map((o) => [id(o), canonical(o)]));
  const [a, b] = [index(left), index(right)];
  for (const k of a.keys()) if (!b.has(k)) return `${k}: only in the first`;
  for (const k of b.keys()) if (!a.has(k)) return `${k}: only in the second`;
  for (const [k, o] of a) {
    const d = firstDifference(o, b.get(k), k);
    if (d) return d;
  }
  return null;
}

if (process.argv[1] && process.argv[1].endsWith('same-objects.mjs')) {
  const [fa, fb] = process.argv.slice(2);
  if (!fa || !fb) { console.error('usage: node same-objects.mjs A.yaml B.yaml'); process.exit(2); }
  const problem = compare(load(fa), load(fb));
  if (problem) { console.error(`deploy: ${fa} and ${fb} differ: ${problem}`); process.exit(1); }
}
