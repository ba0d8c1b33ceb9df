#!/usr/bin/env bash
# Builds CryptoDesk's image with Podman on a machine that reaches Debian's package mirrors but
# no container registry (CI does, tests/deploy/test_image.py calls it; docs/deploy.md):
#
#   deploy/build-image.sh [TAG]        (default: localhost/cryptodesk:latest; needs root)
#
# 1. The base image the Dockerfile names, debian:bookworm-slim, is made from Debian packages
#    with debootstrap, once: when Podman already has an image of that name it is reused.
# 2. The Dockerfile is built with --isolation=chroot (no OCI runtime needed), in Docker's
#    image format, which keeps the HEALTHCHECK (the OCI format has none).
# Prints the image id on its last line. Runs one at a time per machine (a lock file).
set -euo pipefail

tag=${1:-localhost/cryptodesk:latest}
repo=$(cd "$(dirname "$0")/.." && pwd)
base=docker.io/library/debian:bookworm-slim
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
security_mirror=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}

for tool in podman debootstrap; do
  command -v "$tool" >/dev/null || { echo "$tool is not installed (apt-get install $tool)" >&2; exit 2; }
done
[ "$(id -u)" = 0 ] || { echo "building the base image needs root (debootstrap)" >&2; exit 2; }

exec 9>"${TMPDIR:-/tmp}/cryptodesk-build-image.lock"
flock 9

if podman image exists "$base"; then
  echo "base image $base: present, reused" >&2
else
  echo "base image $base: making it from Debian packages (debootstrap)" >&2
  rootfs=$(mktemp -d)
  trap 'rm -rf "$rootfs"' EXIT
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >&2
  # Like the published slim image: updates and security sources, no documentation or
  # translations from later installs, no apt caches.
  rm -f "$rootfs/etc/apt/sources.list"
  cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security_mirror
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
EOF
  cat >"$rootfs/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin \
    "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/usr/share/doc "$rootfs"/usr/share/man \
    "$rootfs"/usr/share/info "$rootfs"/usr/share/locale/*
  changes=(--change 'CMD ["bash"]')
  # A machine whose HTTPS goes through an inspecting proxy trusts that proxy's CA from
  # /usr/local/share/ca-certificates: so must the build's RUN steps, or pip, uv and npm fail.
  # The certificates join the bundle when the Dockerfile installs ca-certificates; the
  # variables point Python, uv and Node at that bundle (they carry their own otherwise).
  # Only in a base made here: a pulled debian:bookworm-slim has neither.
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    echo "base image: adding this machine's extra CA certificates" >&2
    mkdir -p "$rootfs/usr/local/share/ca-certificates"
    cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/"
    bundle=/etc/ssl/certs/ca-certificates.crt
    for var in SSL_CERT_FILE PIP_CERT NODE_EXTRA_CA_CERTS; do
      changes+=(--change "ENV $var=$bundle")
    done
  fi
  tar -C "$rootfs" -c . | podman import "${changes[@]}" - "$base" >&2
fi

iidfile=$(mktemp)
podman build --isolation=chroot --layers --format docker --tag "$tag" --iidfile "$iidfile" "$repo" >&2
image=$(cat "$iidfile")
rm -f "$iidfile"
# The image the tag named before stays, untagged (`podman image prune` removes such images):
# another build's test may have it mounted, and removing an image unmounts it. It costs only
# the layers of CryptoDesk itself (a few MB); the dependencies' layers are shared.
echo "${image#sha256:}"  # as `podman image inspect` prints ids
