#!/usr/bin/env bash
# Fetches Apache Kafka 4 (KRaft mode, no ZooKeeper) for the Kafka consumer tests and benchmark: the
# broker's jars and their dependencies from Maven Central, with Maven, into .cache/kafka/libs.
# Nothing is committed; the tests run `java -cp '.cache/kafka/libs/*' kafka.Kafka <config>`.
# Safe to run again: it does nothing when the jars are there.
set -euo pipefail
cd "$(dirname "$0")/.."

KAFKA_VERSION=4.1.1
dir=.cache/kafka
stamp="$dir/libs/.kafka-$KAFKA_VERSION"
[ -f "$stamp" ] && exit 0

mkdir -p "$dir"
cat > "$dir/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>switchboard.test</groupId>
  <artifactId>kafka-broker</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-simple</artifactId><version>2.0.17</version></dependency>
  </dependencies>
</project>
POM
echo "install-kafka: fetching Kafka $KAFKA_VERSION jars from Maven Central"
rm -rf "$dir/libs"
mvn -q -B -f "$dir/pom.xml" dependency:copy-dependencies -DoutputDirectory=libs
touch "$stamp"
