#!/usr/bin/env bash
# Renders a kustomization with Debian 12's kubectl 1.20 (kustomize v2.0.3), the
# kustomize every Debian 12 machine can have (deploy/README.md, "Kustomize
# versions"). Installs the kubernetes-client package when there is no kubectl;
# when another kubectl owns /usr/bin/kubectl, unpacks the package into
# ~/.cache/sluice instead of installing it.
#
#   bash deploy/kustomize.sh DIR         # the rendered objects on stdout
#   bash deploy/kustomize.sh --kubectl   # the path of that kubectl
set -euo pipefail

sudo_cmd=()
[[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)

debian_kubectl() {
  if dpkg-query -W -f='${Status}' kubernetes-client 2>/dev/null | grep -q '^install ok installed$'; then
    echo /usr/bin/kubectl
    return
  fi
  if ! command -v kubectl >/dev/null; then
    echo "deploy: installing kubernetes-client (kubectl) from Debian" >&2
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends kubernetes-client >&2
    echo /usr/bin/kubectl
    return
  fi
  local version cache
  version=$(apt-cache policy kubernetes-client 2>/dev/null | sed -n 's/^ *Candidate: //p')
  if [[ -z "$version" || "$version" == "(none)" ]]; then
    "${sudo_cmd[@]}" apt-get update -qq
    version=$(apt-cache policy kubernetes-client 2>/dev/null | sed -n 's/^ *Candidate: //p')
  fi
  [[ -n "$version" && "$version" != "(none)" ]] || return 1
  cache=${XDG_CACHE_HOME:-$HOME/.cache}/sluice/kubernetes-client-$version
  if [[ ! -x "$cache/usr/bin/kubectl" ]]; then
    echo "deploy: unpacking Debian's kubernetes-client $version into $cache (not installed: $(command -v kubectl) is another kubectl)" >&2
    local tmp
    tmp=$(mktemp -d)
    (cd "$tmp" && apt-get download -qq "kubernetes-client=$version" 2>/dev/null) || { rm -rf "$tmp"; return 1; }
    mkdir -p "$cache"
    dpkg-deb -x "$tmp"/kubernetes-client_*.deb "$cache" || { rm -rf "$tmp"; return 1; }
    rm -rf "$tmp"
  fi
  echo "$cache/usr/bin/kubectl"
}
kubectl=$(debian_kubectl) || { echo "kustomize.sh: cannot get Debian's kubernetes-client (apt-get install or download)" >&2; exit 1; }
if ! [[ $("$kubectl" version --client 2>/dev/null) =~ GitVersion:\"v1\.20\. ]]; then
  echo "kustomize.sh: $kubectl is not Debian 12's kubectl 1.20: $("$kubectl" version --client 2>&1 | head -1)" >&2
  exit 1
fi
case "${1:-}" in
  --kubectl) echo "$kubectl" ;;
  '' | -*) echo "usage: bash deploy/kustomize.sh DIR | --kubectl" >&2; exit 2 ;;
  *) exec "$kubectl" kustomize "$1" ;;
esac
