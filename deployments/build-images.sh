#!/bin/sh
# Builds the jetcp images from static binaries: lister, copier, committer,
# the two emulators, and nats-server (the module's Go tool dependency).
# Usage: deployments/build-images.sh [TAG]   (default tag: dev)
set -eu
tag=${1:-dev}
root=$(cd "$(dirname "$0")/.." && pwd)
ctx=$root/deployments/build
mkdir -p "$ctx"
cd "$root"
export CGO_ENABLED=0
for p in lister copier committer cos-emulator hdfs-emulator; do
	go build -trimpath -o "$ctx/$p" "./cmd/$p"
done
go build -trimpath -o "$ctx/nats-server" github.com/nats-io/nats-server/v2
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
	cp /etc/ssl/certs/ca-certificates.crt "$ctx/"
else
	: >"$ctx/ca-certificates.crt" # no bundle here: HTTPS endpoints will not verify
fi
for p in lister copier committer cos-emulator hdfs-emulator nats-server; do
	docker build -q -f deployments/Dockerfile --build-arg BIN="$p" -t "jetcp/$p:$tag" "$ctx" >/dev/null
	echo "built jetcp/$p:$tag"
done
