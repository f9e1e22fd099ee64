#!/usr/bin/env bash
# Validates deploy/ offline, in well under a minute:
#   1. renders deploy/kubernetes/base and every overlay with Debian 12's
#      kubectl 1.20 (kustomize v2), and with a kustomize v5 as well when there
#      is one (`kustomize build` or a newer kubectl's), which must then render
#      the same objects;
#   2. checks every rendered object with tests/deploy/validate.mjs: Kubernetes
#      JSON schema (npm kubernetes-models), unknown field names, project rules;
#   3. proves the checks can fail: tests/deploy/selftest.mjs breaks a rendered
#      overlay in 29 ways (e.g. `replicsa`) and each must be rejected;
#   4. checks that the runtime packages deploy/Dockerfile installs exist in
#      Debian 12 (when apt has package lists).
# Installs what it needs: nodejs/npm from Debian if missing, the npm packages
# pinned in tests/deploy/package-lock.json into tests/deploy/node_modules
# (git-ignored). Any failure exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/../.."
here=tests/deploy

fail() { echo "deploy: FAILED: $*" >&2; exit 1; }

sudo_cmd=()
[[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)

# --- tools -------------------------------------------------------------------
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "deploy: installing nodejs and npm from Debian" >&2
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends nodejs npm >&2
fi

stamp="$here/node_modules/.sluice-lock.sha256"
want=$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  echo "deploy: installing npm packages into $here/node_modules" >&2
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >&2) || fail "npm ci in $here"
  echo "$want" >"$stamp"
fi

# Renderers. The kustomizations are written to what kustomize v2 understands
# (deploy/README.md, "Kustomize versions"), so they are always rendered with
# Debian 12's kubectl 1.20 (kustomize v2.0.3): installed from Debian when there
# is no kubectl at all, else taken from the kubernetes-client package without
# installing it (another kubectl owns /usr/bin/kubectl). A kustomize >= v5, or
# a kubectl that embeds one, renders them too when present; both renders must
# then hold the same objects.
kubectl_v2=$(bash deploy/kustomize.sh --kubectl) || fail "cannot get Debian's kubectl 1.20 (deploy/kustomize.sh --kubectl)"
renderers=("$kubectl_v2 kustomize")
renderer_names=("kustomize v2")
if command -v kustomize >/dev/null && [[ $(kustomize version 2>/dev/null) =~ v([0-9]+) ]] && ((BASH_REMATCH[1] >= 5)); then
  renderers+=("kustomize build")
  renderer_names+=("kustomize v5")
elif command -v kubectl >/dev/null && [[ $(kubectl version --client 2>/dev/null) =~ Kustomize\ Version:\ v([0-9]+) ]] && ((BASH_REMATCH[1] >= 5)); then
  renderers+=("kubectl kustomize")
  renderer_names+=("kustomize v5")
else
  echo "deploy: no kustomize >= v5 here; rendered with kustomize v2 (Debian's kubectl 1.20) only" >&2
fi
# The only output on stderr a renderer may print: kustomize v5's deprecation
# notes for the two v2 fields the overlays need (`bases`, `patchesStrategicMerge`).
# Any other warning fails.
v2_field_notes="^# Warning: '(bases|patchesStrategicMerge)' is deprecated\. Please use '(resources|patches)' instead\. Run 'kustomize edit fix' to update your Kustomization automatically\.\$"

# --- render and validate -----------------------------------------------------
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

targets=(deploy/kubernetes/base deploy/kubernetes/overlays/*/)
for r in "${!renderers[@]}"; do
  read -r -a render <<<"${renderers[$r]}"
  mkdir -p "$out/$r"
  for dir in "${targets[@]}"; do
    dir=${dir%/}
    name=$(basename "$dir")
    "${render[@]}" "$dir" >"$out/$r/$name.yaml" 2>"$out/$r/$name.err" || { cat "$out/$r/$name.err" >&2; fail "${render[*]} $dir"; }
    if grep -Evq "$v2_field_notes" "$out/$r/$name.err"; then
      cat "$out/$r/$name.err" >&2
      fail "${render[*]} $dir printed warnings"
    fi
    node "$here/validate.mjs" "$name (${renderer_names[$r]})" "$out/$r/$name.yaml" || fail "$dir"
  done
done
# The Debian render is the one checked below.
for f in "$out"/0/*.yaml; do cp "$f" "$out/"; done
[[ -f "$out/dev.yaml" && -f "$out/production.yaml" && -f "$out/production-autoscaled.yaml" ]] ||
  fail "overlays dev, production and production-autoscaled must exist"
if ((${#renderers[@]} > 1)); then
  for f in "$out"/0/*.yaml; do
    (cd "$here" && node same-objects.mjs "$f" "$out/1/$(basename "$f")") ||
      fail "${renderer_names[0]} and ${renderer_names[1]} render $(basename "$f" .yaml) differently"
  done
  # …and the comparison can fail: two different overlays must differ.
  ! (cd "$here" && node same-objects.mjs "$out/0/dev.yaml" "$out/0/production.yaml" 2>/dev/null) ||
    fail "same-objects.mjs finds dev and production the same"
  echo "deploy: ${renderer_names[0]} (${renderers[0]}) and ${renderer_names[1]} (${renderers[1]}) render the same objects"
fi

# Each overlay's intent, beyond validity.
(cd "$here" && node --input-type=module - "$out/dev.yaml" "$out/production.yaml" "$out/production-autoscaled.yaml") <<'JS' || fail "overlay intent"
import fs from 'node:fs';
import YAML from 'yaml';
const load = (f) => YAML.parseAllDocuments(fs.readFileSync(f, 'utf8')).map((d) => d.toJS());
const get = (docs, kind, name) => docs.find((o) => o.kind === kind && o.metadata.name === name);
const problems = [];
const want = (ok, what) => { if (!ok) problems.push(what); };
const [dev, prod, auto] = [load(process.argv[2]), load(process.argv[3]), load(process.argv[4])];
want(get(dev, 'Deployment', 'sluice-worker').spec.replicas === 1, 'dev: 1 worker');
want(get(dev, 'Deployment', 'sluice-worker').metadata.namespace === 'sluice-dev', 'dev: namespace sluice-dev');
want(get(prod, 'Deployment', 'sluice-worker').spec.replicas === 8, 'production: 8 workers');
want(get(prod, 'PersistentVolumeClaim', 'sluice-data').spec.storageClassName === 'nfs-client', 'production: RWX storage class');
want(!!get(prod, 'Deployment', 'sluice-worker').spec.template.spec.affinity?.podAntiAffinity, 'production: worker anti-affinity');
for (const docs of [dev, prod, auto]) {
  const coordinator = get(docs, 'StatefulSet', 'sluice-coordinator');
  want(coordinator.spec.template.spec.containers[0].image !== 'sluice', 'an image with a tag');
  const scrape = coordinator.spec.template.metadata.annotations ?? {};
  want(scrape['prometheus.io/scrape'] === 'true' && scrape['prometheus.io/port'] === '8080' && scrape['prometheus.io/path'] === '/metrics', 'coordinator: scrape annotations for /metrics on 8080');
  const cron = get(docs, 'CronJob', 'sluice-incremental');
  want(cron?.spec.suspend === true && cron.spec.concurrencyPolicy === 'Forbid', 'incremental CronJob: suspended until an overlay starts it, never two runs at once');
  want(cron?.spec.jobTemplate.spec.template.spec.containers[0].args[1] === '/jobs/incremental-job.yaml', 'incremental CronJob submits the incremental job file');
}
const hpa = get(auto, 'HorizontalPodAutoscaler', 'sluice-worker');
want(hpa?.spec.scaleTargetRef.name === 'sluice-worker' && hpa.spec.metrics[0].external?.metric.name === 'sluice_partitions_planned', 'production-autoscaled: HPA on sluice_partitions_planned for the workers');
want(get(auto, 'Deployment', 'sluice-worker').spec.replicas === undefined, 'production-autoscaled: no fixed worker count');
want(!get(prod, 'HorizontalPodAutoscaler', 'sluice-worker'), 'production: a fixed 8 workers, no autoscaler');
if (problems.length) { console.error(`deploy: overlay intent not met: ${problems.join('; ')}`); process.exit(1); }
console.log('deploy: overlay intent: dev 1 worker in sluice-dev; production 8 workers, nfs-client RWX, anti-affinity; production-autoscaled HPA on sluice_partitions_planned; scrape annotations; incremental CronJob suspended');
JS

node "$here/selftest.mjs" "$out/production-autoscaled.yaml" || fail "selftest"

# --- Dockerfile: runtime packages exist in Debian 12 -------------------------
mapfile -t runtime_pkgs < <(sed -n '/^FROM debian:bookworm-slim/,$p' deploy/Dockerfile |
  sed -n '/apt-get install/,/rm -rf/p' | grep -Eo '^\s+[a-z0-9][a-z0-9.+-]+\s*\\$' | tr -d ' \\')
((${#runtime_pkgs[@]} >= 5)) || fail "could not read the runtime packages from deploy/Dockerfile"
if compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
  for pkg in "${runtime_pkgs[@]}"; do
    candidate=$(apt-cache policy "$pkg" 2>/dev/null | sed -n 's/^ *Candidate: //p')
    [[ -n "$candidate" && "$candidate" != "(none)" ]] || fail "deploy/Dockerfile installs $pkg, which Debian 12 does not have"
  done
  echo "deploy: Dockerfile runtime packages exist in Debian 12: ${runtime_pkgs[*]}"
else
  echo "deploy: Dockerfile package check skipped (no apt package lists; run apt-get update)"
fi
# --- Dockerfile: every library the built binary needs comes with its runtime stage
# (the image is never built here, so this is what stands for its ldd check):
# each NEEDED entry's Debian package must be installed by the runtime stage,
# be a direct dependency of one that is, or be in bookworm-slim already.
binary=${SLUICE_BINARY:-build/tools/sluice}
if [[ -x "$binary" ]] && command -v objdump >/dev/null && command -v dpkg >/dev/null; then
  provided=" libc6 libstdc++6 libgcc-s1 ${runtime_pkgs[*]} "
  provided+=$(apt-cache depends "${runtime_pkgs[@]}" 2>/dev/null |
    sed -n 's/^ *Depends: //p' | tr -d '<>' | sort -u | tr '\n' ' ')
  missing=()
  for lib in $(objdump -p "$binary" | awk '$1 == "NEEDED" {print $2}'); do
    # (awk reads to the end: an early exit would SIGPIPE ldconfig under pipefail)
    path=$(ldconfig -p | awk -v lib="$lib" '$1 == lib && !found {print $NF; found = 1}')
    [[ -n "$path" ]] || fail "$binary needs $lib, which this machine does not have"
    pkg=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null || dpkg -S "$path" 2>/dev/null || true)
    pkg=${pkg%%:*}
    [[ -n "$pkg" ]] || fail "no Debian package owns $path ($lib)"
    [[ "$provided" == *" $pkg "* ]] || missing+=("$pkg ($lib)")
  done
  ((${#missing[@]} == 0)) ||
    fail "deploy/Dockerfile's runtime stage lacks the packages of: ${missing[*]}"
  # …and the runtime stage installs nothing the binary does not load (ldd:
  # every library, direct or not), e.g. no RocksDB, which is linked statically.
  loaded=" "
  for path in $(ldd "$binary" | awk '$2 == "=>" && $3 ~ /^\// {print $3}'); do
    pkg=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null || dpkg -S "$path" 2>/dev/null || true)
    loaded+="${pkg%%:*} "
  done
  unneeded=()
  for pkg in "${runtime_pkgs[@]}"; do [[ "$loaded" == *" $pkg "* ]] || unneeded+=("$pkg"); done
  ((${#unneeded[@]} == 0)) ||
    fail "deploy/Dockerfile's runtime stage installs ${unneeded[*]}, which $binary does not load (ldd)"
  echo "deploy: every library $binary needs comes with the Dockerfile's runtime stage, and it installs nothing else"
else
  echo "deploy: library check skipped (no $binary, objdump or dpkg)"
fi
echo "deploy: OK (rendered with ${renderer_names[*]})"
