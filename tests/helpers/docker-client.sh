#!/bin/sh
# docker-client.sh - print the path of a docker CLI binary (the client only) for the API tests.
#
# Debian's /usr/bin/docker (package docker.io) or one already in PATH. Without either, the
# client is taken out of the docker.io package WITHOUT installing it (its postinst would start
# dockerd, which puts its own bridge and firewall rules on the machine): `apt-get download`
# into a cache directory, `dpkg-deb -x`, and only usr/bin/docker is used. Exits 1 (nothing
# printed) when no client can be had, e.g. offline with no package cache.
set -eu
for c in /usr/bin/docker "$(command -v docker 2>/dev/null || true)"; do
	if [ -n "$c" ] && [ -x "$c" ]; then
		echo "$c"
		exit 0
	fi
done
cache=${DOCKER_CLIENT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rbox-docker-client}
if [ ! -x "$cache/usr/bin/docker" ]; then
	mkdir -p "$cache/deb"
	(cd "$cache/deb" && apt-get download docker.io >/dev/null 2>&1) || exit 1
	dpkg-deb -x "$cache"/deb/docker.io_*.deb "$cache" || exit 1
fi
[ -x "$cache/usr/bin/docker" ] || exit 1
echo "$cache/usr/bin/docker"
