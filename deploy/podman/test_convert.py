"""Tests of convert.py on a small rendered set shaped like the dev overlay.

    python3 -m unittest discover -s deploy/podman -q
"""

import json
import os
import subprocess
import sys
import tempfile
import unittest

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import convert  # noqa: E402

RENDERED = """
apiVersion: v1
kind: Namespace
metadata: {name: sluice-dev}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: jobs-abc, namespace: sluice-dev}
data: {job.yaml: "name: j"}
---
apiVersion: v1
kind: Service
metadata: {name: coord, namespace: sluice-dev}
spec: {clusterIP: None}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: sluice-dev}
spec: {accessModes: [ReadWriteMany], resources: {requests: {storage: 1Gi}}}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: coord, namespace: sluice-dev}
spec:
  replicas: 1
  serviceName: coord
  template:
    metadata: {labels: {app: coord}}
    spec:
      containers:
        - name: c
          image: sluice:dev
          args: [coordinator, --http, "0.0.0.0:8080"]
          ports: [{name: http, containerPort: 8080}]
          livenessProbe: {httpGet: {path: /healthz, port: http}}
          readinessProbe: {httpGet: {path: /readyz, port: 8080}}
      volumes:
        - name: curve
          secret:
            secretName: curve
            defaultMode: 288
            items: [{key: coordinator.key, path: coordinator.key}]
  volumeClaimTemplates:
    - metadata: {name: state}
      spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: worker, namespace: sluice-dev}
spec:
  replicas: 1
  template:
    spec:
      containers:
        - name: w
          image: sluice:dev
          args: [worker]
      volumes:
        - name: data
          persistentVolumeClaim: {claimName: data}
        - name: curve
          secret:
            secretName: curve
            items: [{key: worker.key, path: worker.key}, {key: coordinator.pub, path: server.pub}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: submit, namespace: sluice-dev}
spec:
  template:
    spec:
      restartPolicy: OnFailure
      containers:
        - name: s
          image: sluice:dev
          args: [submit, --coordinator, $(ADDR), --literal, $$(ADDR), $(UNSET)]
          env: [{name: ADDR, value: "tcp://coord-0.coord:7700"}]
      volumes:
        - name: jobs
          configMap: {name: jobs-abc}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: incremental, namespace: sluice-dev}
spec: {schedule: "17 * * * *", jobTemplate: {spec: {template: {spec: {containers: []}}}}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: worker, namespace: sluice-dev}
spec: {maxUnavailable: 1}
"""


def by_kind(objects, kind):
    return [o for o in objects if o["kind"] == kind]


class ConvertTest(unittest.TestCase):
    def setUp(self):
        self.objects = convert.load(RENDERED)
        self.keys = tempfile.mkdtemp()
        for name in ("coordinator.key", "coordinator.pub", "worker.key"):
            with open(os.path.join(self.keys, name), "w") as f:
                f.write(f"secret of {name}\n")

    def run_part(self, part, **kw):
        return convert.convert(self.objects, part, [("curve", self.keys)], **kw)

    def test_parts_in_play_order_without_dropped_kinds(self):
        self.assertEqual(
            convert.convert(self.objects, "list"),
            ["secrets", "shared", "StatefulSet/coord", "Deployment/worker", "Job/submit"],
        )

    def test_unknown_kind_is_refused(self):
        objects = self.objects + [{"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "x"}}]
        with self.assertRaisesRegex(convert.ConvertError, "cannot play Ingress/x"):
            convert.convert(objects, "list")

    def test_statefulset_becomes_pods_with_stable_names_and_claims(self):
        out = self.run_part("StatefulSet/coord", hosts={"coord-0.coord": "10.0.0.2", "other": "10.0.0.3"})
        (pod,) = by_kind(out, "Pod")
        self.assertEqual(pod["metadata"]["name"], "coord-0")
        self.assertEqual((pod["spec"]["hostname"], pod["spec"]["subdomain"]), ("coord-0", "coord"))
        self.assertIn({"name": "state", "persistentVolumeClaim": {"claimName": "state-coord-0"}}, pod["spec"]["volumes"])
        # its own name is not aliased; other names are
        self.assertEqual(pod["spec"]["hostAliases"], [{"ip": "10.0.0.3", "hostnames": ["other"]}])
        self.assertEqual(by_kind(out, "PersistentVolumeClaim"), [])  # made by `shared`

    def test_shared_holds_claims_and_template_claims_without_namespace(self):
        out = self.run_part("shared", replicas=[("StatefulSet/coord", "2")])
        self.assertEqual([o["metadata"]["name"] for o in out], ["data", "state-coord-0", "state-coord-1"])
        self.assertTrue(all("namespace" not in o["metadata"] for o in out))

    def test_named_probe_port_becomes_number_and_ports_are_dropped(self):
        (pod,) = by_kind(self.run_part("StatefulSet/coord"), "Pod")
        c = pod["spec"]["containers"][0]
        self.assertEqual(c["livenessProbe"]["httpGet"]["port"], 8080)
        self.assertEqual(c["readinessProbe"]["httpGet"]["port"], 8080)
        self.assertNotIn("ports", c)

    def test_probe_on_undeclared_port_is_an_error(self):
        self.objects[4]["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["httpGet"]["port"] = "htp"
        with self.assertRaisesRegex(convert.ConvertError, "names port htp"):
            self.run_part("StatefulSet/coord")

    def test_deployment_scaled_and_secret_volume_per_workload(self):
        out = self.run_part("Deployment/worker", replicas=[("Deployment/worker", "3")])
        pods = by_kind(out, "Pod")
        self.assertEqual([p["metadata"]["name"] for p in pods], ["worker-0", "worker-1", "worker-2"])
        curve = next(v for v in pods[0]["spec"]["volumes"] if v["name"] == "curve")
        self.assertEqual(curve["secret"], {"secretName": "curve-worker", "optional": False})

    def test_bad_replicas(self):
        with self.assertRaisesRegex(convert.ConvertError, "--replicas"):
            self.run_part("shared", replicas=[("Deployment/nope", "2")])

    def test_job_becomes_one_pod_with_vars_expanded_and_its_config_map(self):
        out = self.run_part("Job/submit")
        self.assertEqual([o["kind"] for o in out], ["ConfigMap", "Pod"])
        self.assertNotIn("namespace", out[0]["metadata"])
        pod = out[1]
        self.assertEqual(pod["metadata"]["name"], "submit")
        self.assertEqual(pod["spec"]["restartPolicy"], "OnFailure")
        self.assertEqual(
            pod["spec"]["containers"][0]["args"],
            ["submit", "--coordinator", "tcp://coord-0.coord:7700", "--literal", "$(ADDR)", "$(UNSET)"],
        )

    def test_missing_config_map_is_an_error(self):
        self.objects = [o for o in self.objects if o["kind"] != "ConfigMap"]
        with self.assertRaisesRegex(convert.ConvertError, "jobs-abc"):
            self.run_part("Job/submit")

    def test_secrets_cut_to_items_with_plain_values(self):
        secrets = {s["metadata"]["name"]: s["data"] for s in self.run_part("secrets")}
        self.assertEqual(
            secrets,
            {
                "curve-coord": {"coordinator.key": "secret of coordinator.key\n"},
                "curve-worker": {"worker.key": "secret of worker.key\n", "server.pub": "secret of coordinator.pub\n"},
            },
        )

    def test_secret_key_missing_from_dir(self):
        os.remove(os.path.join(self.keys, "worker.key"))
        with self.assertRaisesRegex(convert.ConvertError, "no key worker.key"):
            self.run_part("secrets")

    def test_secret_not_given(self):
        with self.assertRaisesRegex(convert.ConvertError, "--secret curve=DIR"):
            convert.convert(self.objects, "secrets", [])

    def test_command_line(self):
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
            f.write(RENDERED)
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "convert.py")
        run = lambda *a: subprocess.run([sys.executable, script, f.name, *a], capture_output=True, text=True)
        got = run("--part", "Job/submit")
        self.assertEqual(got.returncode, 0, got.stderr)
        self.assertEqual([d["kind"] for d in yaml.safe_load_all(got.stdout)], ["ConfigMap", "Pod"])
        got = run("--part", "secrets", "--secret", f"curve={self.keys}")
        self.assertEqual(len([json.loads(line) for line in got.stdout.splitlines()]), 2)
        got = run("--part", "nope")
        self.assertEqual(got.returncode, 1)
        self.assertIn("no part nope", got.stderr)
        os.unlink(f.name)


if __name__ == "__main__":
    unittest.main()
