#!/usr/bin/env python3
"""Turns a rendered overlay (`bash deploy/kustomize.sh deploy/kubernetes/overlays/dev`)
into what podman 4.3's `podman kube play` runs as Kubernetes would.

podman 4.3 plays Pods, Deployments, ConfigMaps, PersistentVolumeClaims and
Secrets, and falls short of Kubernetes in ways this converter works around:

- it skips StatefulSet, Job, Service and PodDisruptionBudget silently:
  a StatefulSet becomes its pods NAME-0..N-1, each with the claims of its
  volumeClaimTemplates (TEMPLATE-NAME-i, as Kubernetes names them); a
  Deployment becomes pods NAME-0..N-1; a Job becomes one pod NAME with the
  template's restartPolicy; Services and PDBs are dropped, and the stable
  name a headless Service gives a StatefulSet pod (POD.SERVICE) becomes a
  hostAliases entry, given with --host POD.SERVICE=IP once that pod runs;
- it crashes on a secret volume without `optional` (containers/podman#16636):
  `optional: false` is added;
- it writes a Secret's `data` into files still base64-encoded: the Secret
  given with --secret is written with its values as they are;
- it does not expand $(VAR) in command and args: expanded here from the
  container's env, as the kubelet does;
- it turns an httpGet probe on a named port into a check of port 0: the
  name becomes the container's port number;
- it publishes every containerPort on the host, which Kubernetes does not:
  `ports` are dropped (pods reach each other on the podman network anyway);
- it has no Namespace, CronJob or HorizontalPodAutoscaler: dropped.

usage: convert.py RENDERED.yaml --part PART [--secret NAME=DIR] [--host NAME=IP]... [--replicas KIND/NAME=N]...
  PART, in the order to play them (`list` prints them):
    secrets   one JSON Secret a line, for `podman secret create NAME -`;
    shared    the PersistentVolumeClaims, those of volumeClaimTemplates too
              (podman keeps volumes between plays, as Kubernetes keeps claims);
    KIND/NAME a workload: its pods and the ConfigMaps they mount.
Writes multi-document YAML on stdout.
"""

import argparse
import copy
import json
import os
import re
import sys

import yaml

# Not played: podman has no namespaces, Services, disruption budgets, schedule
# or autoscaler. (A CronJob's job template is a pod like the Job's.)
DROPPED_KINDS = {"Namespace", "Service", "PodDisruptionBudget", "CronJob", "HorizontalPodAutoscaler"}
WORKLOAD_KINDS = ("StatefulSet", "Deployment", "Job")  # play order
PROBES = ("startupProbe", "livenessProbe", "readinessProbe")


class ConvertError(Exception):
    pass


def load(text):
    return [d for d in yaml.safe_load_all(text) if d]


def key(obj):
    return f"{obj['kind']}/{obj['metadata']['name']}"


def expand_vars(text, env):
    """$(VAR) -> env[VAR] when VAR is defined, $$(VAR) -> $(VAR), as the kubelet does."""

    def repl(m):
        if m.group(0).startswith("$$"):
            return m.group(0)[1:]
        return env.get(m.group(1), m.group(0))

    return re.sub(r"\$\$\([A-Za-z_][A-Za-z0-9_]*\)|\$\(([A-Za-z_][A-Za-z0-9_]*)\)", repl, text)


def fix_container(c):
    env = {e["name"]: e["value"] for e in c.get("env", []) if "value" in e}
    for field in ("command", "args"):
        if field in c:
            c[field] = [expand_vars(str(a), env) for a in c[field]]
    ports = {p["name"]: p["containerPort"] for p in c.get("ports", []) if "name" in p}
    for probe in PROBES:
        get = c.get(probe, {}).get("httpGet")
        if get and isinstance(get.get("port"), str):
            if get["port"] not in ports:
                raise ConvertError(f"container {c['name']}: {probe} names port {get['port']}, which it does not declare")
            get["port"] = ports[get["port"]]
    # podman publishes every containerPort on the host (Kubernetes does not):
    # pods reach each other on the podman network without them.
    c.pop("ports", None)


def pod_secret_name(secret, workload):
    return f"{secret}-{workload}"


def fix_pod_spec(spec, hosts, workload):
    for v in spec.get("volumes", []):
        if "secret" in v:
            s = v["secret"]
            s.setdefault("optional", False)
            # podman mounts every key of a Secret, ignoring items and
            # defaultMode: each workload gets a Secret of its own items only.
            if "items" in s:
                s["secretName"] = pod_secret_name(s["secretName"], workload)
                s.pop("items")
            s.pop("defaultMode", None)
    for c in spec.get("initContainers", []) + spec.get("containers", []):
        fix_container(c)
    if hosts:
        aliases = spec.setdefault("hostAliases", [])
        for name, ip in sorted(hosts.items()):
            aliases.append({"ip": ip, "hostnames": [name]})


def pod(workload, name, template, hosts, extra_volumes=(), restart_policy=None, hostname=None, subdomain=None):
    spec = copy.deepcopy(template["spec"])
    spec["volumes"] = list(spec.get("volumes", [])) + list(extra_volumes)
    if restart_policy:
        spec["restartPolicy"] = restart_policy
    if hostname:
        spec["hostname"] = hostname
    if subdomain:
        spec["subdomain"] = subdomain
    fix_pod_spec(spec, hosts, workload)
    meta = copy.deepcopy(template.get("metadata", {}))
    meta["name"] = name
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}


def workload_objects(w, hosts):
    kind, name = w["kind"], w["metadata"]["name"]
    template = w["spec"]["template"]
    if kind == "Job":
        return [pod(name, name, template, hosts, restart_policy=template["spec"].get("restartPolicy", "Never"))]
    out = []
    replicas = w["spec"].get("replicas", 1)
    for i in range(replicas):
        pod_name = f"{name}-{i}"
        if kind == "Deployment":
            out.append(pod(name, pod_name, template, hosts))
            continue
        # The claims of its volumeClaimTemplates are made by the `shared` part:
        # like a StatefulSet's, they outlive the pod.
        claims = [
            {"name": t["metadata"]["name"], "persistentVolumeClaim": {"claimName": f"{t['metadata']['name']}-{pod_name}"}}
            for t in w["spec"].get("volumeClaimTemplates", [])
        ]
        # The pod's own name is not in hostAliases: podman would map it twice.
        others = {h: ip for h, ip in hosts.items() if h.split(".")[0] != pod_name}
        out.append(pod(name, pod_name, template, others, claims, hostname=pod_name, subdomain=w["spec"].get("serviceName")))
    return out


def template_claims(objects):
    """The claims Kubernetes makes from each StatefulSet's volumeClaimTemplates:
    TEMPLATE-STATEFULSET-i for each replica i."""
    out = []
    for w in (o for o in objects if o["kind"] == "StatefulSet"):
        for i in range(w["spec"].get("replicas", 1)):
            for t in w["spec"].get("volumeClaimTemplates", []):
                out.append(
                    {
                        "apiVersion": "v1",
                        "kind": "PersistentVolumeClaim",
                        "metadata": {**copy.deepcopy(t["metadata"]), "name": f"{t['metadata']['name']}-{w['metadata']['name']}-{i}"},
                        "spec": copy.deepcopy(t["spec"]),
                    }
                )
    return out


def config_maps_of(objects, workload):
    names = {v["configMap"]["name"] for v in workload["spec"]["template"]["spec"].get("volumes", []) if "configMap" in v}
    names |= {
        e["valueFrom"]["configMapKeyRef"]["name"]
        for c in workload["spec"]["template"]["spec"].get("containers", [])
        for e in c.get("env", [])
        if "configMapKeyRef" in e.get("valueFrom", {})
    }
    found = {o["metadata"]["name"]: o for o in objects if o["kind"] == "ConfigMap"}
    missing = names - found.keys()
    if missing:
        raise ConvertError(f"{key(workload)} mounts ConfigMaps that are not rendered: {', '.join(sorted(missing))}")
    return [found[n] for n in sorted(names)]


def read_secret_dir(directory):
    data = {}
    for entry in sorted(os.listdir(directory)):
        path = os.path.join(directory, entry)
        if os.path.isfile(path):
            with open(path, "rb") as f:
                raw = f.read()
            try:
                data[entry] = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise ConvertError(f"{path}: not text, which a podman secret volume cannot hold") from None
    if not data:
        raise ConvertError(f"{directory}: no files")
    return data


def pod_secrets(objects, secrets):
    """The Secret each workload mounts, cut to the items it names, values as
    they are: podman 4.3 writes a Secret's values into the mounted files
    without base64-decoding them. One JSON object per Secret, for
    `podman secret create NAME -` (a Secret played with `kube play` must be
    base64, which podman then writes as is)."""
    given = {name: read_secret_dir(d) for name, d in secrets}
    out = []
    for w in (o for o in objects if o["kind"] in WORKLOAD_KINDS):
        for v in w["spec"]["template"]["spec"].get("volumes", []):
            s = v.get("secret")
            if not s:
                continue
            name = s["secretName"]
            if name not in given:
                raise ConvertError(f"{key(w)} mounts Secret {name}; give it with --secret {name}=DIR")
            data = given[name]
            if "items" in s:
                cut = {}
                for item in s["items"]:
                    if item["key"] not in data:
                        raise ConvertError(f"{key(w)}: Secret {name} has no key {item['key']} (in {dict(secrets)[name]})")
                    cut[item["path"]] = data[item["key"]]
                name, data = pod_secret_name(name, w["metadata"]["name"]), cut
            out.append({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}, "type": "Opaque", "data": data})
    return out


def parts(objects):
    unknown = [key(o) for o in objects if o["kind"] not in DROPPED_KINDS | set(WORKLOAD_KINDS) | {"ConfigMap", "PersistentVolumeClaim", "Secret"}]
    if unknown:
        raise ConvertError(f"cannot play {', '.join(unknown)} with podman")
    ordered = ["secrets", "shared"]
    for kind in WORKLOAD_KINDS:
        ordered += [key(o) for o in objects if o["kind"] == kind]
    return ordered


def scale(objects, replicas):
    """--replicas KIND/NAME=N, as `kubectl scale` would."""
    for name, count in replicas:
        found = [o for o in objects if key(o) == name and o["kind"] in ("StatefulSet", "Deployment")]
        if not found or not count.isdigit():
            raise ConvertError(f"--replicas {name}={count}: want a rendered Deployment or StatefulSet and a count")
        found[0]["spec"]["replicas"] = int(count)


def convert(objects, part, secrets=(), hosts=None, replicas=()):
    hosts = hosts or {}
    objects = copy.deepcopy(objects)
    scale(objects, replicas)
    available = parts(objects)
    if part == "list":
        return available
    if part not in available:
        raise ConvertError(f"no part {part}; the parts are: {', '.join(available)}")
    if part == "secrets":
        return pod_secrets(objects, secrets)
    if part == "shared":
        out = [copy.deepcopy(o) for o in objects if o["kind"] == "PersistentVolumeClaim"]
        out += template_claims(objects)
        for o in out:
            o["metadata"].pop("namespace", None)
        return out
    workload = next(o for o in objects if key(o) == part)
    out = [copy.deepcopy(c) for c in config_maps_of(objects, workload)] + workload_objects(workload, hosts)
    for o in out:
        o["metadata"].pop("namespace", None)
    return out


def name_value(text, what):
    name, sep, value = text.partition("=")
    if not sep or not name or not value:
        raise argparse.ArgumentTypeError(f"{what}: want NAME=VALUE, got {text!r}")
    return name, value


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("rendered")
    ap.add_argument("--part", required=True)
    ap.add_argument("--secret", action="append", default=[], type=lambda s: name_value(s, "--secret"))
    ap.add_argument("--host", action="append", default=[], type=lambda s: name_value(s, "--host"))
    ap.add_argument("--replicas", action="append", default=[], type=lambda s: name_value(s, "--replicas"))
    args = ap.parse_args(argv)
    with open(args.rendered) as f:
        objects = load(f.read())
    try:
        result = convert(objects, args.part, args.secret, dict(args.host), args.replicas)
    except ConvertError as e:
        print(f"convert: {e}", file=sys.stderr)
        return 1
    if args.part == "list":
        print("\n".join(result))
    elif args.part == "secrets":
        for secret in result:
            print(json.dumps(secret, sort_keys=True))
    else:
        yaml.safe_dump_all(result, sys.stdout, sort_keys=False, default_flow_style=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
