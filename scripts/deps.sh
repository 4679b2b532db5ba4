#!/usr/bin/env bash
# Install the Debian 12 packages latscope needs to build, test and benchmark.
# Idempotent: asks dpkg what is missing and runs apt-get only for that.
set -euo pipefail
pkgs=(
  make gcc clang llvm pkg-config            # toolchain (clang/llvm-strip for BPF)
  libclang-rt-14-dev                        # libFuzzer runtime for the parser fuzz test
  libbpf-dev bpftool libelf-dev zlib1g-dev  # BPF loading, skeletons
  libjson-c-dev libsystemd-dev              # socket protocol, journal/notify
  libcmocka-dev                             # unit tests
  rt-tests trace-cmd bpftrace               # ground truth and baselines in tests/bench
  iproute2 procps util-linux socat jq        # test workloads and helpers
  systemd man-db groff-base mandoc           # unit file checks, man page rendering and lint
  prometheus                                # promtool: checks metrics and rules in tests
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "deps: missing packages: ${missing[*]}; run as root (or install them) first" >&2
  exit 1
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
