#!/usr/bin/env bash
# Runs a command with a real Secret Service (gnome-keyring in a private D-Bus session) when this
# machine has one to start, so keychain tests store real secrets instead of being skipped.
# The keyring lives in a fresh temporary folder: a login keyring left by an earlier run (with
# another password) would stay locked, and the tests never touch the user's own keyring.
# Where none can be started, the command runs as is and the keychain tests print why they skip.
set -euo pipefail
if [ -n "${ESG_SYNC_IN_KEYRING:-}" ] || ! command -v dbus-run-session >/dev/null || ! command -v gnome-keyring-daemon >/dev/null; then
  exec "$@"
fi
export ESG_SYNC_IN_KEYRING=1
keyring_home=$(mktemp -d)
trap 'rm -rf "$keyring_home"' EXIT
XDG_DATA_HOME="$keyring_home" dbus-run-session -- bash -c '
  printf "esg-sync-test" | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1 || true
  exec "$@"' bash "$@"
