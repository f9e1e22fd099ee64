#!/usr/bin/env bash
# End-to-end check of deploy/: the image and the dev overlay, run with podman.
#
#   bash deploy/podman-e2e.sh            # as root; ~2 min once the base image exists
#
#  1. installs podman, runc, catatonit, debootstrap, python3-yaml from Debian
#     when missing; podman runs with runc and explicit ulimits (containers.conf
#     given through CONTAINERS_CONF; crun fails on a hybrid cgroup layout);
#  2. base image: docker.io/library/debian:bookworm-slim, imported from a
#     `debootstrap --variant=minbase bookworm` root when not there (no registry);
#  3. image sluice:dev: deploy/Dockerfile's runtime stage, verbatim but for its
#     COPY --from=build, around the binary already built (SLUICE_BINARY,
#     default build/tools/sluice, stripped); then `sluice --version` and an ldd
#     check in it;
#  4. renders deploy/kubernetes/overlays/dev (deploy/kustomize.sh), converts it
#     with deploy/podman/convert.py and plays it with `podman kube play` on an
#     internal podman network (no route out): CURVE keys made by `sluice keygen`
#     as the Secret sluice-curve, the coordinator (fails unless /readyz answers
#     within SLUICE_E2E_READY_SECONDS), 2 workers (fails unless both register
#     within 60 s), 1M generated rows on the shared volume, the submit Job's pod
#     (fails unless `sluice submit --wait` exits 0, with no restart), the
#     output checked with `sluice verify` and against the same job run by the
#     same binary outside podman, /metrics scraped;
#  5. removes every pod, volume, secret and network it made (also on failure).
#
# Exit status: 0 passed, 1 failed, 77 skipped because podman cannot run
# containers here (the reason is printed). SLUICE_E2E_BREAK=coordinator|worker|output
# breaks one thing on purpose (a coordinator that never gets ready, a worker
# with the wrong coordinator key, a corrupted output file): the check must then fail.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
binary=${SLUICE_BINARY:-build/tools/sluice}
rows=${SLUICE_E2E_ROWS:-1000000}
workers=2
ready_seconds=${SLUICE_E2E_READY_SECONDS:-60}
break_what=${SLUICE_E2E_BREAK:-}
base_image=docker.io/library/debian:bookworm-slim
network=sluice-e2e
coordinator_host=sluice-coordinator-0.sluice-coordinator

log() { echo "podman-e2e: $*" >&2; }
fail() { log "FAILED: $*"; exit 1; }
skip() { log "SKIPPED: $*"; exit 77; }

[[ $(id -u) -eq 0 ]] || skip "needs root (rootful podman); run as root or with sudo"
[[ -x "$binary" ]] || fail "no $binary: build it first (cmake --build build --target sluice) or set SLUICE_BINARY"
binary=$(realpath "$binary")

# --- 1. tools ------------------------------------------------------------------
need=()
for cmd_pkg in podman:podman runc:runc catatonit:catatonit debootstrap:debootstrap; do
  command -v "${cmd_pkg%%:*}" >/dev/null || need+=("${cmd_pkg##*:}")
done
python3 -c 'import yaml' 2>/dev/null || need+=(python3-yaml)
if ((${#need[@]})); then
  log "installing ${need[*]} from Debian"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"; } >&2 ||
    skip "cannot install ${need[*]} with apt-get"
fi

exec 9>/run/lock/sluice-podman-e2e.lock
flock -w 600 9 || fail "another podman-e2e.sh holds /run/lock/sluice-podman-e2e.lock"

work=$(mktemp -d /var/tmp/sluice-podman-e2e.XXXXXX)
# One copy of the binary for the whole run (image, keygen, reference run): the
# build tree may be relinked meanwhile.
binary_source=$binary
cp "$binary_source" "$work/sluice"
binary=$work/sluice
cat >"$work/containers.conf" <<'EOF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
export CONTAINERS_CONF=$work/containers.conf

# --- 2. base image -------------------------------------------------------------
if ! podman image exists "$base_image"; then
  log "making $base_image from debootstrap --variant=minbase bookworm"
  debootstrap --variant=minbase bookworm "$work/rootfs" >"$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log" >&2; fail "debootstrap"; }
  tar -C "$work/rootfs" -c . |
    podman import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["bash"]' - "$base_image" >/dev/null || fail "podman import"
  rm -rf "$work/rootfs"
fi
if ! out=$(podman run --rm --network none "$base_image" true 2>&1); then
  rm -rf "$work"
  skip "podman cannot run a container here: $(tail -1 <<<"$out")"
fi

# Everything this run makes, removed on exit. Besides the claims, podman makes
# a volume for each Secret and ConfigMap a pod mounts; `kube down` leaves them.
volumes_before=" $(podman volume ls -q | tr '\n' ' ') "
pods_played=()
secrets_made=()
volumes_made=()
cleanup() {
  local status=$?
  set +e
  if ((status != 0)) && [[ -z "$break_what" || "${SLUICE_E2E_LOGS:-}" == 1 ]]; then
    for c in $(podman ps -a --format '{{.Names}}' | grep -E '^sluice-.*-(coordinator|worker|submit)$'); do
      log "--- last lines of $c"
      podman logs --tail 20 "$c" >&2 2>&1
    done
  fi
  for ((i = ${#pods_played[@]} - 1; i >= 0; i--)); do podman kube down "${pods_played[$i]}" >/dev/null 2>&1; done
  for v in $(podman volume ls -q); do
    [[ "$volumes_before" != *" $v "* && "$v" == sluice-* ]] && volumes_made+=("$v")
  done
  ((${#volumes_made[@]})) && podman volume rm -f "${volumes_made[@]}" >/dev/null 2>&1
  ((${#secrets_made[@]})) && podman secret rm "${secrets_made[@]}" >/dev/null 2>&1
  podman network rm -f "$network" >/dev/null 2>&1
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT

# --- 3. image ------------------------------------------------------------------
ctx=$work/image
mkdir -p "$ctx"
copy_line='COPY --from=build /src/build/tools/sluice /usr/local/bin/sluice'
[[ $(grep -cxF "$copy_line" deploy/Dockerfile) == 1 ]] || fail "deploy/Dockerfile has no single line: $copy_line"
sed -n '/^FROM debian:bookworm-slim AS runtime$/,$p' deploy/Dockerfile |
  sed "s#^${copy_line}\$#COPY sluice /usr/local/bin/sluice#" >"$ctx/Dockerfile"
grep -q '^FROM debian:bookworm-slim AS runtime$' "$ctx/Dockerfile" || fail "deploy/Dockerfile has no runtime stage"
cp "$binary" "$ctx/sluice"
strip --strip-unneeded "$ctx/sluice"
log "building sluice:dev from deploy/Dockerfile's runtime stage around $binary_source"
podman build --pull=never -t localhost/sluice:dev "$ctx" >"$work/build.log" 2>&1 ||
  { tail -30 "$work/build.log" >&2; fail "podman build of the runtime stage"; }
version=$(podman run --rm --network none localhost/sluice:dev --version) || fail "sluice --version in the image"
log "image: $(head -1 <<<"$version")"
libs=$(podman run --rm --network none --entrypoint ldd localhost/sluice:dev /usr/local/bin/sluice) || fail "ldd in the image"
! grep 'not found' <<<"$libs" || fail "libraries missing from the image"
log "image: ldd finds all $(grep -c '=>' <<<"$libs") libraries"

# --- 4. the dev overlay, played ------------------------------------------------
bash deploy/kustomize.sh deploy/kubernetes/overlays/dev >"$work/dev.yaml" || fail "render the dev overlay"
mkdir -m 0700 "$work/keys"
(cd "$work/keys" && for k in coordinator worker client; do "$binary" keygen --out "$k" >/dev/null; done &&
  cat worker.pub client.pub >authorized_keys) || fail "sluice keygen"
case "$break_what" in
  coordinator) printf 'not a key\n' >"$work/keys/coordinator.key" ;; # the coordinator cannot start
  worker) (cd "$work" && "$binary" keygen --out other >/dev/null) ;; # the workers trust another coordinator key
  '' | output) ;;
  *) fail "SLUICE_E2E_BREAK=$break_what: want coordinator, worker or output" ;;
esac

convert() { python3 deploy/podman/convert.py "$work/dev.yaml" --secret "sluice-curve=$work/keys" --replicas "Deployment/sluice-worker=$workers" "$@"; }
play() { # FILE
  pods_played+=("$1")
  podman kube play --network "$network" "$1" >"$1.log" 2>&1 || { cat "$1.log" >&2; fail "podman kube play $1"; }
}
http_get() { # POD-CONTAINER PATH: a GET on the pod's port 8080 from inside it (the image has bash, no curl)
  podman exec "$1" bash -c 'exec 3<>/dev/tcp/127.0.0.1/8080 && printf "GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n" "$1" >&3 && cat <&3' _ "$2" 2>/dev/null
}

podman network create --internal "$network" >/dev/null || fail "podman network create --internal $network"
while IFS= read -r secret; do
  name=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["metadata"]["name"])' "$secret")
  if [[ "$break_what" == worker && "$name" == sluice-curve-sluice-worker ]]; then
    secret=$(python3 -c 'import json, sys; s = json.loads(sys.argv[1]); s["data"]["coordinator.pub"] = open(sys.argv[2]).read(); print(json.dumps(s))' \
      "$secret" "$work/other.pub")
  fi
  printf '%s' "$secret" | podman secret create "$name" - >/dev/null || fail "podman secret create $name"
  secrets_made+=("$name")
done < <(convert --part secrets)
log "CURVE keys from sluice keygen, as podman secrets: ${secrets_made[*]}"
convert --part shared >"$work/shared.yaml"
mapfile -t volumes_made < <(python3 -c 'import sys, yaml; [print(d["metadata"]["name"]) for d in yaml.safe_load_all(open(sys.argv[1])) if d]' "$work/shared.yaml")
podman volume rm -f "${volumes_made[@]}" >/dev/null 2>&1 || true # left by an interrupted run
play "$work/shared.yaml"

convert --part StatefulSet/sluice-coordinator >"$work/coordinator.yaml"
play "$work/coordinator.yaml"
for ((i = 0; ; i++)); do
  ready=$(http_get sluice-coordinator-0-coordinator /readyz || true)
  [[ "$ready" == "HTTP/1.1 200"* ]] && break
  ((i < ready_seconds)) || fail "the coordinator was not ready (GET /readyz) within ${ready_seconds} s"
  sleep 1
done
ip=$(podman inspect sluice-coordinator-0-coordinator --format '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}')
[[ -n "$ip" ]] || fail "no IP address for sluice-coordinator-0"
log "coordinator ready after ${i} s at $ip ($coordinator_host)"

convert --part Deployment/sluice-worker --host "$coordinator_host=$ip" >"$work/workers.yaml"
play "$work/workers.yaml"
connected=0
for ((i = 0; i < 60; i++)); do
  connected=$(http_get sluice-coordinator-0-coordinator /metrics | sed -n 's/^sluice_workers_connected \([0-9]*\).*/\1/p')
  [[ "${connected:-0}" -ge $workers ]] && break
  sleep 1
done
[[ "${connected:-0}" -ge $workers ]] || fail "$workers workers started, ${connected:-0} registered with the coordinator within 60 s"
log "$connected workers registered"

log "generating $rows rows on the shared volume (/data/input/parking.csv)"
podman exec sluice-worker-0-worker bash -c "mkdir -p /data/input && sluice gen parking --rows $rows --seed 1 --out /data/input/parking.csv" >/dev/null ||
  fail "sluice gen in a worker pod"

convert --part Job/sluice-submit --host "$coordinator_host=$ip" >"$work/submit.yaml"
play "$work/submit.yaml"
# The Job's restartPolicy is OnFailure, so podman restarts a failed submit
# container: a restart is a failure here (nothing restarts the coordinator).
for ((i = 0; i < 600; i++)); do
  read -r status code restarts < <(podman inspect sluice-submit-submit --format '{{.State.Status}} {{.State.ExitCode}} {{.RestartCount}}') || true
  state="$status $code"
  ((restarts == 0)) || { state="failed, restarted $restarts times (restartPolicy OnFailure)"; break; }
  [[ "$status" == exited ]] && break
  sleep 1
done
podman logs sluice-submit-submit >"$work/submit.log" 2>&1
[[ "$state" == "exited 0" ]] || { tail -20 "$work/submit.log" >&2; fail "the submit pod ended with: $state"; }
grep -q 'succeeded' "$work/submit.log" || { cat "$work/submit.log" >&2; fail "the submit pod did not report the job succeeded"; }
log "job submitted from pod sluice-submit: $(grep -m1 succeeded "$work/submit.log")"

if [[ "$break_what" == output ]]; then # a row the job did not write
  podman exec sluice-worker-0-worker bash -c 'f=$(ls /data/out/w1/part-*.csv | head -1); echo "FORD,police,1 Fake Street, NJ" >>"$f"'
fi
verified=$(podman exec sluice-worker-0-worker sluice verify /data/out/w1/ 2>&1) || { echo "$verified" >&2; fail "sluice verify /data/out/w1/ in a pod"; }
log "$verified"
# The same job, same input, same binary, outside podman: the same rows.
mkdir -p "$work/ref/input"
"$binary" gen parking --rows "$rows" --seed 1 --out "$work/ref/input/parking.csv" >/dev/null
sed "s#/data/#$work/ref/#g" deploy/kubernetes/base/job.yaml >"$work/ref/job.yaml"
(cd "$work/ref" && "$binary" run job.yaml --workers 2 >"$work/ref/run.log" 2>&1) || { tail "$work/ref/run.log" >&2; fail "reference run outside podman"; }
want=$(cat "$work"/ref/out/w1/part-*.csv | sort | sha256sum)
got=$(podman exec sluice-worker-0-worker bash -c 'cat /data/out/w1/part-*.csv' | sort | sha256sum)
[[ "$got" == "$want" ]] || fail "the output in podman differs from the same job run outside it"
log "output verified: same rows as the job run outside podman ($(cat "$work"/ref/out/w1/part-*.csv | wc -l) lines)"

metrics=$(http_get sluice-coordinator-0-coordinator /metrics)
grep -Eq '^sluice_partitions\{job="[0-9a-f]+",state="published"\} [1-9]' <<<"$metrics" || fail "/metrics shows no published partition"
log "/metrics: $(grep -Ec '^sluice_' <<<"$metrics") sluice_ samples, $(grep -E 'state="published"' <<<"$metrics" | head -1)"
log "PASSED (image built and run; dev overlay played: coordinator ready, $connected workers, job verified, /metrics scraped)"
