#!/usr/bin/env bash
# Debian packages the test suite uses. Installs what is missing when running as root; otherwise says what to run.
set -euo pipefail
packages=(kcat postgresql)

# A package counts as present when what the tests run from it is: a command on PATH, or, for postgresql, the
# server binary (Debian keeps it under /usr/lib/postgresql/<version>/bin, off PATH; psql alone is not enough).
present() {
  case "$1" in
    postgresql) compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null ;;
    *) command -v "$1" >/dev/null 2>&1 ;;
  esac
}

missing=()
for pkg in "${packages[@]}"; do
  present "$pkg" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages: ${missing[*]} — run: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "installing Debian packages: ${missing[*]}" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
