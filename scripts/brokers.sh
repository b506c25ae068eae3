#!/usr/bin/env bash
# The external brokers the bridge tests use (issue 18): `check` says which answer, `start` starts
# each one that does not, with this machine's own start command, and waits until it answers.
# Usage: scripts/brokers.sh check|start [redis|nats|mqtt|rabbitmq ...]
set -uo pipefail
cmd="${1:-check}"; shift || true
brokers=("${@:-redis nats mqtt rabbitmq}")
read -r -a brokers <<<"${brokers[*]}"

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && exec 3>&- 3<&-; }

answers() {
  case "$1" in
    redis) [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ] ;;
    nats) port_open 4222 && (exec 3<>/dev/tcp/127.0.0.1/4222; head -c 4 <&3 | grep -q INFO) ;;
    mqtt) port_open 1883 ;;
    rabbitmq) port_open 5672 ;;
    *) echo "unknown broker $1" >&2; return 2 ;;
  esac
}

start() {
  case "$1" in
    redis) redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log ;;
    # A node whose app was stopped (rabbitmqctl stop_app) only needs start_app; otherwise boot the node.
    rabbitmq) if timeout 30 rabbitmq-diagnostics -q ping >/dev/null 2>&1; then rabbitmqctl -q start_app; else rabbitmq-server -detached; fi ;;
    mqtt) mosquitto -d -c /etc/mosquitto/mosquitto.conf ;;
    nats) start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log ;;
  esac
}

status=0
for b in "${brokers[@]}"; do
  if answers "$b"; then echo "$b: up"; continue; fi
  if [ "$cmd" = "check" ]; then echo "$b: DOWN"; status=1; continue; fi
  echo "$b: down, starting"
  start "$b" >/dev/null 2>&1
  # RabbitMQ takes several seconds to boot.
  for _ in $(seq 1 120); do answers "$b" && break; sleep 0.5; done
  if answers "$b"; then echo "$b: up"; else echo "$b: did not start" >&2; status=1; fi
done
exit $status
