#!/usr/bin/env bash
# Container smoke test: build the add-on image on a local Debian 13 (Python 3.13) base and run
# it the way the Supervisor does (host network, /data with options.json, a Supervisor to post
# discovery to, ingress from 172.30.32.2), then check it and remove everything it made.
#
# Needs root, Debian's docker.io and debootstrap (installed here when missing) and the repo's
# .venv (for the fake Supervisor). Skips, saying why, where Docker cannot run. The Debian base
# is cached in $SMOKE_CACHE (default /var/cache/alexa-bridge-smoke) but is made from nothing
# when absent. SMOKE_SKIP=1 skips on purpose.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

SUITE=trixie
CACHE=${SMOKE_CACHE:-/var/cache/alexa-bridge-smoke}
BASE_TAR=$CACHE/debian-$SUITE-python-v1.tar
BASE_IMAGE=local/debian-python:$SUITE
STANDIN_IMAGE=local/debian-python-s6-standin:$SUITE
IMAGE=local/alexa-bridge:smoke
CONTAINER=alexa-bridge-smoke
NETNS=ab-smoke-$$
SUPERVISOR_IP=172.30.32.2
HOST_IP=172.30.32.1
SUPERVISOR_PORT=8080
TOKEN=fake-supervisor-token
PYTHON=$ROOT/.venv/bin/python
STARTED=$(date +%s)
WORK=""
DOCKER=(/usr/bin/docker)

now_ms() { echo $(($(date +%s%N) / 1000000)); }
seconds() { printf '%d.%01d' "$(($1 / 1000))" "$((($1 % 1000) / 100))"; }
say() { printf '[smoke %3ss] %s\n' "$(($(date +%s) - STARTED))" "$*"; }
skip() {
  echo "SKIPPED container smoke test: $*"
  exit 0
}
fail() {
  echo "FAILED container smoke test: $*" >&2
  if [ -n "$WORK" ] && "${DOCKER[@]}" inspect "$CONTAINER" >/dev/null 2>&1; then
    echo "--- container log ---" >&2
    "${DOCKER[@]}" logs "$CONTAINER" 2>&1 | tail -40 >&2 || true
  fi
  exit 1
}

cleanup() {
  set +e
  if [ -n "$WORK" ] && [ -S "$WORK/docker.sock" ]; then
    "${DOCKER[@]}" rm -f "$CONTAINER" >/dev/null 2>&1
    "${DOCKER[@]}" rmi -f "$IMAGE" "$STANDIN_IMAGE" "$BASE_IMAGE" >/dev/null 2>&1
  fi
  [ -n "${FAKE_PID:-}" ] && kill "$FAKE_PID" 2>/dev/null && wait "$FAKE_PID" 2>/dev/null
  if [ -n "$WORK" ] && [ -f "$WORK/docker.pid" ]; then
    kill "$(cat "$WORK/docker.pid")" 2>/dev/null
    for _ in $(seq 1 50); do [ -f "$WORK/docker.pid" ] || break; sleep 0.2; done
  fi
  ip netns list 2>/dev/null | grep -q "^$NETNS\b" && ip netns delete "$NETNS"
  ip link show ab-host >/dev/null 2>&1 && ip link delete ab-host
  if [ -n "$WORK" ]; then
    mountpoint -q "$WORK/rootfs/proc" && umount "$WORK/rootfs/proc"
    grep -o " ${WORK}[^ ]*" /proc/mounts | sort -r | while read -r mnt; do umount -l "$mnt"; done
    rm -rf "$WORK"
  fi
}

[ "${SMOKE_SKIP:-0}" = 1 ] && skip "SMOKE_SKIP=1"
[ "$(id -u)" = 0 ] || skip "it needs root (to run dockerd, debootstrap and a network namespace)"
[ -x "$PYTHON" ] || skip "no $PYTHON: run 'make test' first, which creates the virtual environment"
grep -q cgroup /proc/filesystems || skip "this kernel has no cgroups, so no container can run"

export DEBIAN_FRONTEND=noninteractive
missing=()
[ -x /usr/sbin/dockerd ] || missing+=(docker.io)
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v ip >/dev/null || missing+=(iproute2)
command -v curl >/dev/null || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  { apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null; } ||
    skip "cannot install ${missing[*]} from Debian's archive"
fi

WORK=$(mktemp -d /tmp/alexa-bridge-smoke.XXXXXX)
trap cleanup EXIT
trap 'fail "line $LINENO: a command failed"' ERR
DOCKER=(/usr/bin/docker -H "unix://$WORK/docker.sock")

say "starting a private dockerd"
# No default bridge and no iptables rules: every container here uses the host network.
dockerd --data-root "$WORK/docker" --exec-root "$WORK/exec" -H "unix://$WORK/docker.sock" \
  --pidfile "$WORK/docker.pid" --bridge none --iptables=false >"$WORK/dockerd.log" 2>&1 &
for _ in $(seq 1 60); do
  "${DOCKER[@]}" info >/dev/null 2>&1 && break
  if ! kill -0 $! 2>/dev/null; then
    skip "dockerd cannot run here: $(grep -iE 'error|fatal' "$WORK/dockerd.log" | tail -1)"
  fi
  sleep 0.5
done
"${DOCKER[@]}" info >/dev/null 2>&1 || skip "dockerd did not answer within 30 s"

if [ ! -s "$BASE_TAR" ]; then
  say "making the Debian $SUITE Python base with debootstrap (cached in $CACHE afterwards)"
  mirror=$(grep -hoE '^(URIs:|deb) +https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list \
    /etc/apt/sources.list.d/* 2>/dev/null | grep -oE 'https?://[^ ]+' | head -1 || true)
  rootfs=$WORK/rootfs
  debootstrap --variant=minbase --include=python3,python3-venv,python3-pip,ca-certificates \
    "$SUITE" "$rootfs" "${mirror:-http://deb.debian.org/debian}" >"$WORK/debootstrap.log" 2>&1 ||
    fail "debootstrap $SUITE failed: $(tail -3 "$WORK/debootstrap.log")"
  # This machine's extra CAs (an egress proxy's), or pip inside the build cannot verify PyPI.
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/"
  fi
  mount -t proc proc "$rootfs/proc"
  chroot "$rootfs" update-ca-certificates >/dev/null
  umount "$rootfs/proc"
  chroot "$rootfs" apt-get clean
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*
  mkdir -p "$CACHE"
  tar -C "$rootfs" -c . >"$BASE_TAR.part" && mv "$BASE_TAR.part" "$BASE_TAR"
  rm -rf "$rootfs"
else
  say "using the cached Debian $SUITE base ($BASE_TAR)"
fi
"${DOCKER[@]}" import "$BASE_TAR" "$BASE_IMAGE" >/dev/null

# Home Assistant's base image brings s6-overlay; this stand-in gives the Debian base the same
# entry points (/init, /command/with-contenv) so the image's own service scripts run unchanged:
# /init starts the enabled service's run script, forwards SIGTERM, then calls its finish.
mkdir -p "$WORK/standin"
cat >"$WORK/standin/init" <<'EOF'
#!/bin/sh
# Like s6-overlay: the container's exit code is what the finish script leaves in
# /run/s6-linux-init-container-results/exitcode (0 unless it writes one), and a
# service ended by a signal gets 256 and the signal's number.
results=/run/s6-linux-init-container-results
mkdir -p "$results"
echo 0 >"$results/exitcode"
svc=$(ls /etc/s6-overlay/s6-rc.d/user/contents.d)
dir=/etc/s6-overlay/s6-rc.d/$svc
"$dir/run" &
child=$!
trap 'kill -TERM "$child" 2>/dev/null' TERM INT
code=0
while kill -0 "$child" 2>/dev/null; do
  wait "$child"
  code=$?
done
if [ "$code" -gt 128 ]; then set -- 256 $((code - 128)); else set -- "$code" 0; fi
if [ -x "$dir/finish" ]; then "$dir/finish" "$@"; fi
exit "$(cat "$results/exitcode")"
EOF
printf '#!/bin/sh\nexec "$@"\n' >"$WORK/standin/with-contenv"
printf '#!/bin/sh\nexit 0\n' >"$WORK/standin/halt"
cat >"$WORK/standin/Dockerfile" <<EOF
FROM $BASE_IMAGE
COPY init /init
COPY with-contenv /command/with-contenv
COPY halt /run/s6/basedir/bin/halt
RUN chmod 0755 /init /command/with-contenv /run/s6/basedir/bin/halt
ENTRYPOINT ["/init"]
EOF
"${DOCKER[@]}" build -q -t "$STANDIN_IMAGE" "$WORK/standin" >/dev/null ||
  fail "cannot build the s6 stand-in layer"

say "building the add-on image (docker build -f addon/Dockerfile .)"
build_start=$(date +%s)
"${DOCKER[@]}" build --network host --build-arg "BUILD_FROM=$STANDIN_IMAGE" \
  -f addon/Dockerfile -t "$IMAGE" . >"$WORK/build.log" 2>&1 ||
  fail "docker build failed: $(tail -15 "$WORK/build.log")"
build_seconds=$(($(date +%s) - build_start))
image_bytes=$("${DOCKER[@]}" image inspect -f '{{.Size}}' "$IMAGE")

# The ingress port the fake Supervisor hands out (config.yaml has ingress_port: 0): a free one
# from the Supervisor's range, not the old fixed 8099, so the checks below show the bridge
# asked the Supervisor for it.
INGRESS_PORT=$("$PYTHON" -c 'from tests.fakes.supervisor import free_port; print(free_port())')
say "starting the fake Supervisor at $SUPERVISOR_IP (a network namespace, as on Home Assistant OS)"
for port in 5000 5001 8099 "$INGRESS_PORT"; do
  if "$PYTHON" - "$port" <<'EOF'; then fail "port $port is taken on this host"; fi
import socket, sys
with socket.socket() as s:
    sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)
EOF
done
ip netns add "$NETNS"
ip link add ab-host type veth peer name ab-sv netns "$NETNS"
ip addr add "$HOST_IP/23" dev ab-host
ip link set ab-host up
ip netns exec "$NETNS" ip addr add "$SUPERVISOR_IP/23" dev ab-sv
ip netns exec "$NETNS" ip link set ab-sv up
ip netns exec "$NETNS" ip link set lo up
ip netns exec "$NETNS" "$PYTHON" -m tests.fakes.supervisor --host "$SUPERVISOR_IP" \
  --port "$SUPERVISOR_PORT" --record "$WORK/discovery.jsonl" --ingress-port "$INGRESS_PORT" \
  >"$WORK/fake.log" 2>&1 &
FAKE_PID=$!
for _ in $(seq 1 50); do grep -q '^port ' "$WORK/fake.log" && break; sleep 0.1; done
grep -q '^port ' "$WORK/fake.log" || fail "the fake Supervisor did not start: $(cat "$WORK/fake.log")"

# /data/options.json as the Supervisor writes it: the options of addon/config.yaml.
mkdir -m 0700 "$WORK/data"
"$PYTHON" -c 'import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))["options"]))' \
  addon/config.yaml >"$WORK/data/options.json"
version=$("$PYTHON" -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["version"])' \
  addon/config.yaml)

say "running the container"
run_start=$(now_ms)
"${DOCKER[@]}" run -d --name "$CONTAINER" --network host -v "$WORK/data:/data" \
  -e "SUPERVISOR_TOKEN=$TOKEN" -e "SUPERVISOR_API=http://$SUPERVISOR_IP:$SUPERVISOR_PORT" \
  --health-interval 1s --health-start-period 0s "$IMAGE" >/dev/null
for _ in $(seq 1 600); do
  curl -fsS -o /dev/null http://127.0.0.1:5000/health 2>/dev/null && break
  [ "$("${DOCKER[@]}" inspect -f '{{.State.Running}}' "$CONTAINER")" = true ] ||
    fail "the container exited before it was healthy"
  sleep 0.1
done
answer_ms=$(($(now_ms) - run_start))
for _ in $(seq 1 300); do
  [ "$("${DOCKER[@]}" inspect -f '{{.State.Health.Status}}' "$CONTAINER")" = healthy ] && break
  sleep 0.1
done
healthy_ms=$(($(now_ms) - run_start))
[ "$("${DOCKER[@]}" inspect -f '{{.State.Health.Status}}' "$CONTAINER")" = healthy ] ||
  fail "Docker's HEALTHCHECK never reported healthy"

say "checking /health, the panel on the Supervisor's ingress port, discovery, /data, bytecode"
ma_health=$(curl -fsS http://127.0.0.1:5000/health) || fail "no /health on the MA API port"
public_health=$(curl -fsS http://127.0.0.1:5001/health) || fail "no /health on the public port"
panel=$(ip netns exec "$NETNS" curl -fsS "http://$HOST_IP:$INGRESS_PORT/") ||
  fail "the panel did not answer the Supervisor's address on ingress port $INGRESS_PORT"
panel_other=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$INGRESS_PORT/")
if curl -s -o /dev/null "http://127.0.0.1:8099/"; then
  fail "something answers on 8099: the panel must use the ingress port the Supervisor gave"
fi
# Every module of the package was compiled at build (PYTHONDONTWRITEBYTECODE forbids it later).
uncompiled=$("${DOCKER[@]}" exec "$CONTAINER" /opt/alexa-bridge/bin/python -c '
import importlib.util, pathlib, alexa_bridge
root = pathlib.Path(alexa_bridge.__file__).parent
print(sum(not pathlib.Path(importlib.util.cache_from_source(str(p))).is_file()
          for p in root.rglob("*.py")))') || fail "cannot look for the bytecode in the image"
[ "$uncompiled" = 0 ] || fail "$uncompiled modules of the package have no bytecode in the image"
"$PYTHON" - "$ma_health" "$public_health" "$version" "$panel" "$panel_other" \
  "$WORK/discovery.jsonl" "$WORK/data" <<'EOF' || fail "a check failed (see above)"
import json, os, stat, sys
ma, public, version, panel, panel_other, record, data = sys.argv[1:]
ma, public = json.loads(ma), json.loads(public)
assert ma["status"] == public["status"] == "ok", (ma, public)
assert ma["version"] == version, (ma, version)
# The public port faces the internet: it tells neither version nor instance.
assert public == {"status": "ok"}, public
assert "Alexa Bridge" in panel, panel[:200]
assert panel_other == "403", f"the panel answered {panel_other} to a peer other than the Supervisor"
lines = [json.loads(line) for line in open(record)]
assert lines, "no discovery message reached the fake Supervisor"
message = lines[-1]
assert message["service"] == "alexa_bridge", message
expected = {
    "instance_id": ma["instance"],
    "host": "127.0.0.1",
    "port": 5000,
    "version": version,
    "skill_provisioned": False,
}
assert message["config"] == expected, message
bridge = os.path.join(data, "bridge.json")
assert json.load(open(bridge))["instance_id"] == ma["instance"], "bridge.json has another id"
assert stat.S_IMODE(os.stat(bridge).st_mode) == 0o600, oct(os.stat(bridge).st_mode)
print("checks passed: /health on 5000 and 5001, panel on the Supervisor's ingress port "
      f"(403 to others), discovery {message['uuid']}, state in /data, bytecode compiled")
EOF

say "stopping with SIGTERM"
stop_start=$(now_ms)
"${DOCKER[@]}" stop -t 5 "$CONTAINER" >/dev/null
stop_ms=$(($(now_ms) - stop_start))
exit_code=$("${DOCKER[@]}" inspect -f '{{.State.ExitCode}}' "$CONTAINER")
[ "$exit_code" = 0 ] || fail "the container exited with $exit_code after SIGTERM (137: it was killed)"
[ "$stop_ms" -lt 5000 ] || fail "SIGTERM took $(seconds "$stop_ms") s (limit 5 s)"
"${DOCKER[@]}" logs "$CONTAINER" 2>&1 | grep -q "Alexa Bridge stopped" ||
  fail "the log does not show a clean stop"

say "starting with a bad option: the container must stop with the bridge's own exit code"
"${DOCKER[@]}" rm "$CONTAINER" >/dev/null
bad=$WORK/data-bad
mkdir -m 0700 "$bad"
"$PYTHON" -c 'import json, sys; o = json.load(open(sys.argv[1])); o["locale"] = "xx-XX"; print(json.dumps(o))' \
  "$WORK/data/options.json" >"$bad/options.json"
"${DOCKER[@]}" run -d --name "$CONTAINER" --network host -v "$bad:/data" \
  -e "SUPERVISOR_TOKEN=$TOKEN" -e "SUPERVISOR_API=http://$SUPERVISOR_IP:$SUPERVISOR_PORT" \
  "$IMAGE" >/dev/null
bad_code=$(timeout 60 "${DOCKER[@]}" wait "$CONTAINER") || fail "the container did not stop"
[ "$bad_code" = 2 ] ||
  fail "a bad option gave exit code $bad_code, not the bridge's 2 (the finish script lost it)"
"${DOCKER[@]}" logs "$CONTAINER" 2>&1 | grep -q "Invalid option 'locale'" ||
  fail "the log does not say which option is wrong"

cleanup
trap - EXIT
if [ -e "$WORK" ] || ip netns list | grep -q "^$NETNS\b"; then
  fail "cleanup left $WORK or $NETNS behind"
fi

echo "container smoke test passed in $(($(date +%s) - STARTED)) s:" \
  "image $((image_bytes / 1000000)) MB (built in $build_seconds s)," \
  "/health answered $(seconds "$answer_ms") s and Docker-healthy $(seconds "$healthy_ms") s" \
  "after docker run, exit 0 on SIGTERM in $(seconds "$stop_ms") s, exit $bad_code on a bad option"
