#!/usr/bin/env bash
# Runs the README's two commands, `bash scripts/demo.sh` then
# `bash scripts/test.sh`, as a new user would on a fresh Debian 12: in a clean
# `debootstrap --variant=minbase bookworm` root that holds nothing but a clone
# of this repository. Proves that scripts/setup.sh installs everything.
#
#   sudo bash scripts/fresh-root-check.sh [ROOT]      # ROOT: /var/tmp/sluice-fresh-root
#
# Needs root (debootstrap, mount, chroot) and Debian's package mirror; installs
# debootstrap when missing. Reuses ROOT's Debian if it exists (delete it for a
# first-boot check); the clone is always made anew, from the committed HEAD of
# this repository. SLUICE_SKIP_SANITIZERS (default 1 here: the ASan pass doubles
# the time) is passed through. Takes ~15 min of 2 cores. Output goes to stdout;
# the exit status is that of the commands in the root.
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

mounted=()
cleanup() {
  local i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -R "${mounted[$i]}" 2>/dev/null || umount -l "${mounted[$i]}" || true; done
}
trap cleanup EXIT
# The root bound on itself, so that it is a mount point (as / is on a machine).
mount --bind "$root" "$root" && mounted+=("$root")
mount -t proc proc "$root/proc" && mounted+=("$root/proc")
mount -t sysfs sysfs "$root/sys" && mounted+=("$root/sys")
mount --rbind /dev "$root/dev" && mount --make-rslave "$root/dev" && mounted+=("$root/dev")
cp /etc/resolv.conf "$root/etc/resolv.conf"
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

rm -rf "$root/root/sluice"
git clone -q "$repo" "$root/root/sluice"
echo "fresh-root-check: $(git -C "$root/root/sluice" log --oneline -1) in $root" >&2

chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  SLUICE_SKIP_SANITIZERS="$skip_sanitizers" "${ca_env[@]}" \
  bash -c 'cd /root/sluice && bash scripts/demo.sh && bash scripts/test.sh'
echo "fresh-root-check: PASSED: bash scripts/demo.sh and bash scripts/test.sh in a fresh Debian 12 minbase root" >&2
