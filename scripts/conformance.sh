#!/usr/bin/env bash
# Runs etcd's own etcdctl end-to-end suite (Debian golang-etcd-server-dev, tests/e2e) against
# bin/tetcd, or against the real etcd with --real-etcd to validate the harness itself.
#
#   scripts/conformance.sh [--real-etcd] [--build-only] [--verbose] [REGEX] [-- extra e2e.test flags]
#
# REGEX selects tests (go test -run syntax); the default is the foundation set below.
# The compiled suite is cached under .cache/etcd-e2e/, keyed by the Go and package versions,
# so only the first run pays for the Go build (about 1.5 min on 2 cores).
set -euo pipefail

DEFAULT_REGEX='^TestCtlV3(PutNoTLS|GetNoTLS|DelNoTLS|TxnInteractiveSuccessNoTLS)$'
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

die() { echo "conformance: $*" >&2; exit 2; }

use_real_etcd=false
build_only=false
verbose=false
regex=''
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --real-etcd) use_real_etcd=true ;;
    --build-only) build_only=true ;;
    --verbose|-v) verbose=true ;;
    -h|--help) sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --) shift; extra=("$@"); break ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) [ -z "$regex" ] || die "only one test regex is accepted (got '$regex' and '$1')"; regex="$1" ;;
  esac
  shift
done
regex="${regex:-$DEFAULT_REGEX}"

command -v go >/dev/null || die "go not found: apt-get install golang-go"
command -v etcdctl >/dev/null || die "etcdctl not found: apt-get install etcd-client"
pkg_version="$(dpkg-query -W -f='${Version}' golang-etcd-server-dev 2>/dev/null)" \
  || die "golang-etcd-server-dev is not installed: apt-get install golang-etcd-server-dev"
# grep reads dpkg's whole listing (no early exit that could SIGPIPE dpkg under pipefail).
e2e_src="$(dpkg -L golang-etcd-server-dev | grep '/src/go.etcd.io/etcd/tests/e2e$' | sed -n 1p)"
[ -n "$e2e_src" ] || die "golang-etcd-server-dev has no tests/e2e directory"
etcd_src="${e2e_src%/tests/e2e}"
gopath="${etcd_src%/src/go.etcd.io/etcd}"
fixtures="$etcd_src/integration/fixtures"

cache="${TETCD_E2E_CACHE:-$ROOT/.cache/etcd-e2e}"
mkdir -p "$cache"
# The cache lives inside the checkout; a self-ignoring directory keeps it out of git without
# touching the shared .gitignore.
[ -f "$ROOT/.cache/.gitignore" ] || { mkdir -p "$ROOT/.cache" && echo '*' > "$ROOT/.cache/.gitignore"; }

go_version="$(go env GOVERSION)"
key="$(printf '%s-etcd%s' "$go_version" "$pkg_version" | tr -c 'A-Za-z0-9._-' '_')"
suite="$cache/e2e-$key.test"

build_suite() {
  [ -x "$suite" ] && return 0
  echo "conformance: building etcd's e2e suite ($go_version, golang-etcd-server-dev $pkg_version) ..." >&2
  local tmp="$suite.tmp.$$"
  local started=$SECONDS
  # GOPATH mode against Debian's source root: fully offline, no module downloads.
  (cd "$e2e_src" && GO111MODULE=off GOPATH="$gopath" GOFLAGS='' GOCACHE="$cache/gocache" \
     go test -c -o "$tmp" .) || { rm -f "$tmp"; die "go build of the e2e suite failed"; }
  mv -f "$tmp" "$suite"
  echo "conformance: built in $((SECONDS - started)) s -> $suite" >&2
}

# Concurrent callers (several test files, several engineers) share one build and, because the
# suite always uses ports from 20000 up, must not run at the same time either.
exec 9>"$cache/lock"
flock 9
build_suite
$build_only && exit 0

work="$(mktemp -d "${TMPDIR:-/tmp}/tetcd-conformance.XXXXXX")"
trap 'rm -rf "$work"' EXIT
bindir="$work/bin"
mkdir -p "$bindir"
ln -s "$(command -v etcdctl)" "$bindir/etcdctl"
if $use_real_etcd; then
  command -v etcd >/dev/null || die "etcd not found: apt-get install etcd-server"
  ln -s "$(command -v etcd)" "$bindir/etcd"
  target="real etcd ($(command -v etcd))"
else
  [ -x "$ROOT/bin/tetcd" ] || die "$ROOT/bin/tetcd is missing or not executable"
  [ -f "$ROOT/dist/src/cli/tetcd.js" ] || die "dist/ is not built: run npx tsc -p . first"
  printf '#!/bin/sh\nexec %q "$@"\n' "$ROOT/bin/tetcd" > "$bindir/etcd"
  chmod +x "$bindir/etcd"
  target="tetcd ($ROOT/bin/tetcd)"
fi

# The JWT tests read ../../integration/fixtures relative to the working directory, as in
# etcd's own tree; recreate that shape in a scratch directory.
mkdir -p "$work/tests/e2e"
ln -s "$etcd_src/integration" "$work/integration"
cd "$work/tests/e2e"

echo "conformance: running '$regex' against $target" >&2
args=(-test.run "$regex" -bin-dir "$bindir" -cert-dir "$fixtures" -test.timeout 20m)
$verbose && args+=(-test.v)
set +e
"$suite" "${args[@]}" "${extra[@]}"
status=$?
set -e
exit $status
