#!/usr/bin/env bash
# Run a command on another Debian release's Python: a debootstrap chroot with a virtual
# environment for the given requirements, and a fresh copy of this repository at /repo as the
# working directory.
#
#   scripts/python-chroot.sh SUITE REQUIREMENTS -- COMMAND...
#
# SUITE is trixie (Python 3.13, the add-on image's) or forky (Python 3.14). REQUIREMENTS is a
# pip requirements file of this repository, or "bridge" for the bridge's own '.[test]' (which
# also brings Debian's Chromium into the chroot for the panel's browser tests).
#
# Cached in $CHROOT_CACHE (default /var/cache/alexa-bridge/chroots), outside the repository:
# one chroot per suite, and in it one virtual environment per requirements, named by a hash of
# them, so a second run only copies the repository in; when the requirements change only a new
# environment is made (and the old one removed). A first run takes a few minutes. Needs root.
# Exits 77 when it cannot run here (no root, no debootstrap, no Debian archive), so callers
# can skip.
#
# Safety: the chroot only ever runs inside a private mount namespace with its own /proc, which
# disappears with the command; the host's /dev, /proc and /sys are never bound into it, and
# chroot directories are removed only with `rm -rf --one-file-system`.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
# Bump when the way a chroot is made changes, so cached ones are rebuilt.
RECIPE=v1
BASE_PACKAGES=python3,python3-venv,python3-pip,ca-certificates,gcc,python3-dev,libc6-dev

usage() {
  echo "usage: $0 trixie|forky REQUIREMENTS|bridge -- COMMAND..." >&2
  exit 2
}
cannot() {
  echo "python-chroot: cannot run here: $*" >&2
  exit 77
}
if [ $# -lt 4 ] || [ "$3" != "--" ]; then usage; fi
SUITE=$1
REQS=$2
shift 3
case $SUITE in
  trixie) SCRIPT=trixie ;;
  # Debian 12's debootstrap has no script for forky yet; sid's makes it.
  forky) SCRIPT=sid ;;
  *) usage ;;
esac
[ "$(id -u)" = 0 ] || cannot "it needs root (debootstrap, chroot, a mount namespace)"

CACHE=${CHROOT_CACHE:-/var/cache/alexa-bridge/chroots}
DIR=$CACHE/$SUITE-$RECIPE
if [ "$REQS" = bridge ]; then
  key_files=(pyproject.toml)
  label=bridge
else
  [ -f "$REQS" ] || usage
  key_files=("$REQS")
  label=$(basename "$REQS" .txt)
fi
hash=$(cat "${key_files[@]}" | sha256sum | cut -c1-16)
VENV=/opt/venvs/$label-$hash

say() { echo "[python-chroot $SUITE] $*" >&2; }

# Run a command inside a chroot: private mount namespace, its own /proc, nothing else bound.
in_chroot() {
  local dir=$1 venv=$2
  shift 2
  # shellcheck disable=SC2016 # $0, $1 and $@ belong to the inner shell
  unshare --mount --propagation private -- /bin/sh -c \
    'dir=$0 venv=$1; shift; mount -t proc proc "$dir/proc" && exec chroot "$dir" \
      /usr/bin/env -i HOME=/root LANG=C.UTF-8 PIP_DISABLE_PIP_VERSION_CHECK=1 \
      PATH="$venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" "$@"' \
    "$dir" "$venv" "$@"
}

# Remove a directory of a chroot; refuse anything that has a mount point in it.
remove_tree() {
  local dir=$1
  [ -e "$dir" ] || return 0
  if grep -q " ${dir}[/ ]" /proc/mounts; then
    echo "python-chroot: $dir has something mounted in it; not removing it" >&2
    return 1
  fi
  rm -rf --one-file-system "$dir"
}

make_chroot() {
  command -v debootstrap >/dev/null || {
    say "installing debootstrap"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap \
      >/dev/null
  } || cannot "debootstrap is not installed and cannot be"
  [ -f "/usr/share/debootstrap/scripts/$SCRIPT" ] || cannot "debootstrap has no $SCRIPT script"
  local mirror tmp=$DIR.part
  mirror=$(grep -hoE '^(URIs:|deb) +https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list \
    /etc/apt/sources.list.d/* 2>/dev/null | grep -oE 'https?://[^ ]+' | head -1 || true)
  remove_tree "$tmp"
  say "debootstrap $SUITE into $DIR (first run on this machine only)"
  debootstrap --variant=minbase --include="$BASE_PACKAGES" "$SUITE" "$tmp" \
    "${mirror:-http://deb.debian.org/debian}" "/usr/share/debootstrap/scripts/$SCRIPT" \
    >"$DIR.log" 2>&1 || cannot "debootstrap $SUITE failed: $(tail -3 "$DIR.log")"
  # Name resolution, pip's index and this machine's extra CAs (an egress proxy's, if any).
  cp /etc/resolv.conf "$tmp/etc/resolv.conf"
  if [ -f /etc/pip.conf ]; then cp /etc/pip.conf "$tmp/etc/pip.conf"; fi
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$tmp/usr/local/share/ca-certificates/"
  fi
  in_chroot "$tmp" /usr update-ca-certificates >/dev/null 2>&1
  in_chroot "$tmp" /usr apt-get clean
  mv "$tmp" "$DIR"
  rm -f "$DIR.log"
  # Older recipes of this suite are stale now (not this one, nor one being made).
  for old in "$CACHE/$SUITE"-v*; do
    case $old in "$DIR" | *.part | *.log) continue ;; esac
    if [ -d "$old" ]; then remove_tree "$old"; fi
  done
}

# Debian's Chromium for the panel's browser tests.
add_chromium() {
  [ -x "$DIR/usr/bin/chromium" ] && return 0
  say "apt-get install chromium (first run only)"
  # forky's archive is a moving target whose Release files may be past their Valid-Until.
  in_chroot "$DIR" /usr apt-get -o Acquire::Check-Valid-Until=false update -qq >/dev/null
  in_chroot "$DIR" /usr env DEBIAN_FRONTEND=noninteractive apt-get \
    -o Acquire::Check-Valid-Until=false install -y -qq --no-install-recommends chromium \
    >/dev/null 2>&1
  in_chroot "$DIR" /usr apt-get clean
}

# A fresh copy of the repository's files (tracked and new, not ignored) at /repo.
copy_repo() {
  remove_tree "$DIR/repo"
  mkdir -p "$DIR/repo"
  git -C "$ROOT" ls-files -z --cached --others --exclude-standard |
    (cd "$ROOT" && xargs -0 tar --ignore-failed-read -c 2>/dev/null) | tar -C "$DIR/repo" -x
}

make_venv() {
  remove_tree "$DIR$VENV"
  say "pip install into $VENV"
  in_chroot "$DIR" /usr python3 -m venv "$VENV"
  in_chroot "$DIR" "$VENV" pip install --quiet --upgrade pip
  if [ "$REQS" = bridge ]; then
    # Not editable (/repo is replaced every run): PYTHONPATH below puts the current sources
    # first, so only the dependencies come from here.
    in_chroot "$DIR" "$VENV" pip install --quiet "/repo[test]"
  else
    in_chroot "$DIR" "$VENV" pip install --quiet -r "/repo/$REQS"
  fi
  touch "$DIR$VENV/.complete"
  # Older environments of the same requirements are stale now.
  for old in "$DIR/opt/venvs/$label-"*; do
    if [ "$old" != "$DIR$VENV" ] && [ -d "$old" ]; then remove_tree "$old"; fi
  done
}

mkdir -p "$CACHE"
# One run at a time per suite may change the chroot (make may run two at once).
exec 9>"$CACHE/.$SUITE.lock"
flock 9
[ -d "$DIR" ] || make_chroot
if [ "$REQS" = bridge ]; then add_chromium; fi
copy_repo
[ -f "$DIR$VENV/.complete" ] || make_venv
# The panel's accessibility checks need axe-core: the caller's copy goes in with the repository.
axe=""
if [ -n "${AXE_CORE_JS:-}" ] && [ -f "$AXE_CORE_JS" ]; then
  cp "$AXE_CORE_JS" "$DIR/repo/.axe.min.js"
  axe=AXE_CORE_JS=/repo/.axe.min.js
fi
# The lock stays held while the command runs: nothing replaces /repo under it.
# shellcheck disable=SC2016 # $0 and $@ belong to the inner shell; an empty $0 adds nothing
in_chroot "$DIR" "$VENV" sh -c 'cd /repo && PYTHONPATH=/repo/src exec env $0 "$@"' "$axe" "$@"
