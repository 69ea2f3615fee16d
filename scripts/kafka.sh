#!/usr/bin/env bash
# Fetches (Maven Central, cached) and starts/stops a single-node Apache Kafka broker in KRaft mode on localhost.
#   scripts/kafka.sh start   → last line printed: "KAFKA_BROKERS=127.0.0.1:PORT"
#   scripts/kafka.sh stop | restart | status | fetch | brokers
# Env: CUPOLA_KAFKA_PORT (default 59092), CUPOLA_KAFKA_DIR (default /tmp/cupola-kafka-$PORT),
#      CUPOLA_KAFKA_VERSION (default 4.1.1; kafkajs 2.2.4 is tested against it by the integration suite).
# The broker is the official org.apache.kafka:kafka_2.13 artefact and its runtime dependencies, resolved with
# Maven into ~/.m2 and copied once into ~/.m2/cupola-kafka/<version>/libs; it runs on Java 17 as `kafka.Kafka`.
set -euo pipefail
VERSION="${CUPOLA_KAFKA_VERSION:-4.1.1}"
PORT="${CUPOLA_KAFKA_PORT:-59092}"
CPORT="$((PORT + 1))"
DIR="${CUPOLA_KAFKA_DIR:-/tmp/cupola-kafka-$PORT}"
HOME_DIR="${CUPOLA_KAFKA_HOME:-$HOME/.m2/cupola-kafka/$VERSION}"
LIBS="$HOME_DIR/libs"

ensure_java() {
  if ! command -v java >/dev/null || ! command -v mvn >/dev/null; then
    echo "kafka.sh: installing Java 17 and Maven from Debian packages" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq openjdk-17-jre-headless maven >&2
  fi
}

fetch() {
  [[ -f "$LIBS/.complete" ]] && return 0
  ensure_java
  echo "kafka.sh: resolving org.apache.kafka:kafka_2.13:$VERSION from Maven Central" >&2
  mkdir -p "$HOME_DIR"
  cat >"$HOME_DIR/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
  <groupId>cupola</groupId><artifactId>kafka-broker</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$VERSION</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-simple</artifactId><version>1.7.36</version></dependency>
  </dependencies>
</project>
POM
  rm -rf "$LIBS"
  mvn -q -B -f "$HOME_DIR/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$LIBS" >&2
  touch "$LIBS/.complete"
}

pid() { [[ -f "$DIR/broker.pid" ]] && kill -0 "$(cat "$DIR/broker.pid")" 2>/dev/null && cat "$DIR/broker.pid"; }

ready() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

start() {
  fetch
  if pid >/dev/null; then echo "KAFKA_BROKERS=127.0.0.1:$PORT"; return 0; fi
  mkdir -p "$DIR"
  local CP="$LIBS/*"
  if [[ ! -f "$DIR/data/meta.properties" ]]; then
    cat >"$DIR/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CPORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CPORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$DIR/data
num.partitions=3
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
message.max.bytes=16777216
replica.fetch.max.bytes=16777216
PROPS
    java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$CP" kafka.tools.StorageTool format -t "$(java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$CP" kafka.tools.StorageTool random-uuid | tail -1)" \
      -c "$DIR/server.properties" >"$DIR/format.log" 2>&1 || { cat "$DIR/format.log" >&2; exit 1; }
  fi
  nohup java -Xms256m -Xmx512m -XX:+UseG1GC -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
    -cp "$CP" kafka.Kafka "$DIR/server.properties" >"$DIR/broker.log" 2>&1 &
  echo $! >"$DIR/broker.pid"
  for _ in $(seq 1 600); do
    if ready; then echo "KAFKA_BROKERS=127.0.0.1:$PORT"; return 0; fi
    if ! pid >/dev/null; then tail -30 "$DIR/broker.log" >&2; echo "kafka.sh: broker exited" >&2; exit 1; fi
    sleep 0.1
  done
  echo "kafka.sh: broker did not open port $PORT in 60 s" >&2; exit 1
}

stop() {
  local p; p="$(pid)" || return 0
  kill "$p" 2>/dev/null || true
  for _ in $(seq 1 300); do kill -0 "$p" 2>/dev/null || { rm -f "$DIR/broker.pid"; return 0; }; sleep 0.1; done
  kill -9 "$p" 2>/dev/null || true
  rm -f "$DIR/broker.pid"
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  status) if p="$(pid)"; then echo "running (pid $p) on 127.0.0.1:$PORT"; else echo "stopped"; exit 1; fi ;;
  fetch) fetch ;;
  brokers) echo "127.0.0.1:$PORT" ;;
  reset) stop; rm -rf "$DIR" ;;
  *) echo "usage: $0 start|stop|restart|status|fetch|brokers|reset" >&2; exit 2 ;;
esac
