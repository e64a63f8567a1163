#!/usr/bin/env bash
# Run a command on another Debian release's Python: a debootstrap chroot with a virtual
# environment at /opt/venv, and a fresh copy of this repository at /repo as the working directory.
#
#   scripts/python-chroot.sh SUITE REQUIREMENTS -- COMMAND...
#
# SUITE is trixie (Python 3.13, the add-on image's) or forky (Python 3.14). REQUIREMENTS is a
# pip requirements file of this repository, or "bridge" for the bridge's own '.[test]'. The
# chroot is cached in $CHROOT_CACHE (default /var/cache/alexa-bridge/chroots), keyed by the
# suite and a hash of the requirements, so the second run only copies the repository in; stale
# chroots of the same suite and requirements file are removed. Needs root. Exits 77 when it
# cannot run here (no root, no debootstrap and no Debian archive), so callers can skip.
#
# Safety: the chroot only ever runs inside a private mount namespace with its own /proc, which
# disappears with the command; the host's /dev, /proc and /sys are never bound into it, and
# chroots are removed only with `rm -rf --one-file-system`.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
# Bump when the way a chroot is made changes, so cached ones are rebuilt.
RECIPE=v1

usage() {
  echo "usage: $0 trixie|forky REQUIREMENTS|bridge -- COMMAND..." >&2
  exit 2
}
cannot() {
  echo "python-chroot: cannot run here: $*" >&2
  exit 77
}
[ $# -ge 4 ] && [ "$3" = "--" ] || usage
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
if [ "$REQS" = bridge ]; then
  key_files=(pyproject.toml)
  label=bridge
  # The panel's browser test drives Debian's Chromium, so the bridge's chroot has it too.
  extra_packages=(chromium)
else
  [ -f "$REQS" ] || usage
  key_files=("$REQS")
  label=$(basename "$REQS" .txt)
  extra_packages=()
fi
hash=$({
  echo "$RECIPE $SUITE ${extra_packages[*]}"
  cat "${key_files[@]}"
} | sha256sum | cut -c1-16)
NAME=$SUITE-$label-$hash
DIR=$CACHE/$NAME

say() { echo "[python-chroot $NAME] $*" >&2; }

# Run a command inside the chroot: private mount namespace, its own /proc, nothing else bound.
in_chroot() {
  local dir=$1
  shift
  unshare --mount --propagation private -- /bin/sh -c \
    'mount -t proc proc "$0/proc" && exec chroot "$0" /usr/bin/env -i HOME=/root \
      PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      LANG=C.UTF-8 PIP_DISABLE_PIP_VERSION_CHECK=1 "$@"' "$dir" "$@"
}

# Remove a chroot directory; refuse anything that is a mount point or has one inside.
remove_chroot() {
  local dir=$1
  [ -d "$dir" ] || return 0
  if grep -q " $dir[/ ]" /proc/mounts; then
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
  local mirror tmp
  mirror=$(grep -hoE '^(URIs:|deb) +https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list \
    /etc/apt/sources.list.d/* 2>/dev/null | grep -oE 'https?://[^ ]+' | head -1 || true)
  mkdir -p "$CACHE"
  tmp=$CACHE/.$NAME.part
  remove_chroot "$tmp"
  say "debootstrap $SUITE (first run on this machine only)"
  debootstrap --variant=minbase \
    --include=python3,python3-venv,python3-pip,ca-certificates,gcc,python3-dev,libc6-dev \
    "$SUITE" "$tmp" "${mirror:-http://deb.debian.org/debian}" \
    "/usr/share/debootstrap/scripts/$SCRIPT" >"$CACHE/.$NAME.log" 2>&1 ||
    cannot "debootstrap $SUITE failed: $(tail -3 "$CACHE/.$NAME.log")"
  # Name resolution, pip's index and this machine's extra CAs (an egress proxy's, if any).
  cp /etc/resolv.conf "$tmp/etc/resolv.conf"
  [ -f /etc/pip.conf ] && cp /etc/pip.conf "$tmp/etc/pip.conf"
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$tmp/usr/local/share/ca-certificates/"
  fi
  in_chroot "$tmp" update-ca-certificates >/dev/null
  if [ ${#extra_packages[@]} -gt 0 ]; then
    say "apt-get install ${extra_packages[*]}"
    # forky's archive is a moving target whose Release files may be past their Valid-Until.
    in_chroot "$tmp" apt-get -o Acquire::Check-Valid-Until=false update -qq >/dev/null
    in_chroot "$tmp" env DEBIAN_FRONTEND=noninteractive apt-get \
      -o Acquire::Check-Valid-Until=false install -y -qq --no-install-recommends \
      "${extra_packages[@]}" >/dev/null
  fi
  in_chroot "$tmp" apt-get clean
  say "pip install into /opt/venv"
  in_chroot "$tmp" python3 -m venv /opt/venv
  in_chroot "$tmp" pip install --quiet --upgrade pip
  if [ "$REQS" = bridge ]; then
    copy_repo "$tmp"
    in_chroot "$tmp" sh -c 'cd /repo && pip install --quiet -e ".[test]"'
  else
    cp "$REQS" "$tmp/opt/requirements.txt"
    in_chroot "$tmp" pip install --quiet -r /opt/requirements.txt
  fi
  # Older chroots of the same suite and requirements are stale now.
  for old in "$CACHE/$SUITE-$label-"*; do
    [ "$old" != "$DIR" ] && remove_chroot "$old"
  done
  mv "$tmp" "$DIR"
  rm -f "$CACHE/.$NAME.log"
}

# A fresh copy of the repository's files (tracked and new, not ignored) at /repo.
copy_repo() {
  local dir=$1
  remove_chroot "$dir/repo"
  mkdir -p "$dir/repo"
  git -C "$ROOT" ls-files -z --cached --others --exclude-standard |
    (cd "$ROOT" && xargs -0 tar --ignore-failed-read -c 2>/dev/null) | tar -C "$dir/repo" -x
}

[ -d "$DIR" ] || make_chroot
copy_repo "$DIR"
in_chroot "$DIR" sh -c 'cd /repo && exec "$@"' sh "$@"
