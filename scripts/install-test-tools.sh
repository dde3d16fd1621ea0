#!/usr/bin/env bash
# Installs the real programs the test suite starts or runs, from Debian's packages, skipping any
# already present. Each is started by the tests themselves, on 127.0.0.1, with its own data
# directory and port, and stopped by PID; none is started as a system service.
#
# binary            package          why
#   dockerd          docker.io        the engine tests' own swarm
#   busybox          busybox-static   the root file system of the test images
#   caddy            caddy            adapts and serves the Caddyfile built from the labels
#   promtool         prometheus       checks the Prometheus configuration
#   (ShellCheck)     shellcheck       lints the shell scripts shipped as swarm configs
#   postgres         postgresql       the shared database, first started as the image would, and
#                                     pg-provision's script run against it
#   sshd             openssh-server   the SSH path adopt and drift take to a swarm manager
#   ssh, ssh-agent   openssh-client   the client side of it (as users and the workflows run it)
#   unshare, setpriv util-linux       a private home for the SSH client and server in the tests;
#                                     a remote user who may not use the Docker socket
#   nsenter          util-linux       pg-provision's health check, run in its task's namespace
#   docker-registry  docker-registry  the registry the image lock is resolved against
#   openssl          openssl          the certificate the test registry's token service signs with
#   chromium         chromium         headless, with the mermaid package: renders the docs' diagrams
#   (Liberation)     fonts-liberation the font those diagrams are measured in (Arial's metrics;
#                                     only a recommendation of chromium's, so named here)
#
# Needs root and apt-get (Debian); without either it names what is missing, which suites will
# therefore be skipped (under CI=true: fail), and exits 1. With everything present it needs neither.
set -euo pipefail

# binary:package, one pair per line
tools="
dockerd:docker.io
busybox:busybox-static
caddy:caddy
promtool:prometheus
shellcheck:shellcheck
/usr/lib/postgresql/*/bin/postgres:postgresql
sshd:openssh-server
ssh:openssh-client
unshare:util-linux
setpriv:util-linux
nsenter:util-linux
docker-registry:docker-registry
openssl:openssl
chromium:chromium
/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf:fonts-liberation
"

present() {
  case "$1" in
    /*) compgen -G "$1" >/dev/null ;;
    *) command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] ;;
  esac
}

missing=()
for pair in $tools; do
  package="${pair##*:}"
  if ! present "${pair%%:*}"; then
    case " ${missing[*]} " in *" $package "*) ;; *) missing+=("$package") ;; esac
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "test tools: all present"
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  why="run this script as root on Debian (apt-get install)"
  [ "$(id -u)" = 0 ] && why="no apt-get: install them with this system's package manager"
  echo "test tools: missing ${missing[*]}; $why" >&2
  echo "test tools: without them the suites that start them are skipped with a warning (under CI=true they fail): see docs/tests.md" >&2
  exit 1
fi
echo "test tools: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# --no-install-recommends: the tests need the binaries, not the services' default setups.
apt-get install -y -q --no-install-recommends "${missing[@]}"
