#!/usr/bin/env bash
# Runs the README's two commands, `bash scripts/demo.sh` then
# `bash scripts/test.sh`, as a new user would on a fresh Debian 12: in a clean
# `debootstrap --variant=minbase bookworm` root that holds nothing but a clone
# of this repository. Proves that scripts/setup.sh installs everything.
#
#   sudo bash scripts/fresh-root-check.sh [ROOT]      # ROOT: /var/tmp/sluice-fresh-root
#
# Needs root (debootstrap, unshare, mount) and Debian's package mirror; installs
# debootstrap when missing. Reuses ROOT's Debian if it exists (delete it for a
# first-boot check); the clone is always made anew, from the committed HEAD of
# this repository. SLUICE_SKIP_SANITIZERS (default 1 here: the ASan pass doubles
# the time) is passed through. The root is entered as a container runtime
# would (own mount namespace, pivot_root) with the host's cgroup mounts, so
# that deploy/podman-e2e.sh (in test.sh) runs there too. Takes ~30-60 min of
# 2 cores. Output goes to stdout; the exit status is that of the commands in
# the root.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
root=${1:-/var/tmp/sluice-fresh-root}
skip_sanitizers=${SLUICE_SKIP_SANITIZERS:-1}

[[ $(id -u) -eq 0 ]] || { echo "fresh-root-check: must run as root" >&2; exit 2; }
if ! command -v debootstrap >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >&2
fi
if [[ ! -f "$root/etc/debian_version" ]]; then
  echo "fresh-root-check: debootstrap --variant=minbase bookworm $root" >&2
  debootstrap --variant=minbase bookworm "$root" >&2
fi

# Behind a TLS-inspecting proxy the host trusts its CA through
# /usr/local/share/ca-certificates; the root gets the same certificates (the
# ca-certificates package that setup.sh installs picks them up) and npm is
# pointed at the system bundle, as the host's npm is.
ca_env=()
if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
  mkdir -p "$root/usr/local/share/ca-certificates"
  cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
  ca_env=(npm_config_cafile=/etc/ssl/certs/ca-certificates.crt)
fi
cp /etc/resolv.conf "$root/etc/resolv.conf"
# deploy/podman-e2e.sh in the root and one on the host take the same lock: the
# root shares the host's network namespace, and both make the network sluice-e2e.
mkdir -p /run/lock "$root/run/lock"
touch /run/lock/sluice-podman-e2e.lock "$root/run/lock/sluice-podman-e2e.lock"

rm -rf "$root/root/sluice"
git clone -q "$repo" "$root/root/sluice"
echo "fresh-root-check: $(git -C "$root/root/sluice" log --oneline -1) in $root" >&2

# The root becomes / of a mount namespace of its own (pivot_root, as a
# container runtime does; a chroot would not do: runc inside it enters the
# host's root on `podman exec`), with /proc, /sys, the host's cgroup mounts (so
# podman can run containers there) and /dev. Nothing of the host's file system
# stays visible, and every mount goes away with the namespace. A PID namespace
# too: the tests see only the root's processes (one looks for a left-over
# `sleep 600`, which another test run on the host may have), and whatever
# they leave running is killed at the end.
enter='
set -euo pipefail
root=$1; shift
mount --bind "$root" "$root"
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
if mountpoint -q /sys/fs/cgroup; then mount --rbind /sys/fs/cgroup "$root/sys/fs/cgroup"; fi
mount --rbind /dev "$root/dev"
mount --bind /run/lock/sluice-podman-e2e.lock "$root/run/lock/sluice-podman-e2e.lock"
cd "$root"
mkdir -p .host-root
pivot_root . .host-root
cd /
umount -l /.host-root
rmdir /.host-root
exec "$@"'
unshare --mount --propagation private --pid --fork --kill-child -- bash -c "$enter" enter "$root" \
  /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  SLUICE_SKIP_SANITIZERS="$skip_sanitizers" "${ca_env[@]}" \
  bash -c 'cd /root/sluice && bash scripts/demo.sh && bash scripts/test.sh'
echo "fresh-root-check: PASSED: bash scripts/demo.sh and bash scripts/test.sh in a fresh Debian 12 minbase root" >&2
