#!/usr/bin/env bash
# Validates deploy/ offline, in well under a minute:
#   1. renders deploy/kubernetes/base and every overlay with kustomize
#      (`kustomize build`, or the kustomize built into kubectl);
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

# kustomize v5 (labels, replicas, patches): a standalone binary, or kubectl's.
render=()
if command -v kustomize >/dev/null && [[ $(kustomize version 2>/dev/null) =~ v([0-9]+) ]] && ((BASH_REMATCH[1] >= 5)); then
  render=(kustomize build)
elif command -v kubectl >/dev/null && [[ $(kubectl version --client 2>/dev/null) =~ Kustomize\ Version:\ v([0-9]+) ]] && ((BASH_REMATCH[1] >= 5)); then
  render=(kubectl kustomize)
else
  fail "no kustomize >= v5: need \`kustomize\` or \`kubectl\` >= 1.27 (Debian 12's kubernetes-client 1.20 embeds kustomize v2, too old)"
fi

# --- render and validate -----------------------------------------------------
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

targets=(deploy/kubernetes/base deploy/kubernetes/overlays/*/)
for dir in "${targets[@]}"; do
  dir=${dir%/}
  name=$(basename "$dir")
  "${render[@]}" "$dir" >"$out/$name.yaml" 2>"$out/$name.err" || { cat "$out/$name.err" >&2; fail "${render[*]} $dir"; }
  # kustomize warns (deprecated fields, …) on stderr without failing; we don't accept warnings.
  if [[ -s "$out/$name.err" ]]; then cat "$out/$name.err" >&2; fail "${render[*]} $dir printed warnings"; fi
  node "$here/validate.mjs" "$name" "$out/$name.yaml" || fail "$dir"
done
[[ -f "$out/dev.yaml" && -f "$out/production.yaml" ]] || fail "overlays dev and production must both exist"

# Each overlay's intent, beyond validity.
(cd "$here" && node --input-type=module - "$out/dev.yaml" "$out/production.yaml") <<'JS' || fail "overlay intent"
import fs from 'node:fs';
import YAML from 'yaml';
const load = (f) => YAML.parseAllDocuments(fs.readFileSync(f, 'utf8')).map((d) => d.toJS());
const get = (docs, kind, name) => docs.find((o) => o.kind === kind && o.metadata.name === name);
const problems = [];
const want = (ok, what) => { if (!ok) problems.push(what); };
const [dev, prod] = [load(process.argv[2]), load(process.argv[3])];
want(get(dev, 'Deployment', 'sluice-worker').spec.replicas === 1, 'dev: 1 worker');
want(get(dev, 'Deployment', 'sluice-worker').metadata.namespace === 'sluice-dev', 'dev: namespace sluice-dev');
want(get(prod, 'Deployment', 'sluice-worker').spec.replicas === 8, 'production: 8 workers');
want(get(prod, 'PersistentVolumeClaim', 'sluice-data').spec.storageClassName === 'nfs-client', 'production: RWX storage class');
want(!!get(prod, 'Deployment', 'sluice-worker').spec.template.spec.affinity?.podAntiAffinity, 'production: worker anti-affinity');
for (const docs of [dev, prod]) {
  want(get(docs, 'StatefulSet', 'sluice-coordinator').spec.template.spec.containers[0].image !== 'sluice', 'an image with a tag');
}
if (problems.length) { console.error(`deploy: overlay intent not met: ${problems.join('; ')}`); process.exit(1); }
console.log('deploy: overlay intent: dev 1 worker in sluice-dev; production 8 workers, nfs-client RWX, anti-affinity');
JS

node "$here/selftest.mjs" "$out/production.yaml" || fail "selftest"

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
  echo "deploy: every library $binary needs comes with the Dockerfile's runtime stage"
else
  echo "deploy: library check skipped (no $binary, objdump or dpkg)"
fi
echo "deploy: OK (rendered with ${render[*]}; the image was not built and nothing ran on a cluster)"
