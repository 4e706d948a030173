#!/usr/bin/env bash
# Install what strata needs on a Debian host: the package-manager stack it drives (rpm, dnf,
# createrepo_c), the image tools (cpio, zstd, erofs, squashfs, veritysetup), QEMU and a kernel for
# boot tests, busybox-static for the fixture repository; the decompressors other initrds use and
# headless Chromium (with a font) for the size report's tests; nginx for the package-store tests
# (a mirror and an archive on 127.0.0.1), unshare for building without a network, and bubblewrap,
# the sandbox every tool that works on an image root runs in; for unified kernel images
# systemd-stub (systemd-boot-efi), sbsigntool, faketime (sbsign writes the signing time, which a
# reproducible signature must fix), and for booting them OVMF, efitools and mtools/dosfstools (the
# test's ESP and its Secure Boot keys), swtpm (the TPM2 of the luks-tpm2 boot), xfsprogs (mkfs.xfs formats the xfs boot's disk), and
# the servers of the network roots with socat for QEMU's guestfwd: nfs-ganesha (NFSv4), nbd-server,
# tgt (iSCSI).
# Those servers are started by the boot tests themselves, on 127.0.0.1 only: where this script
# installs them on a host run by systemd, it stops and disables the services Debian starts. Then the npm dependencies.
# Idempotent; runs as root (or through sudo).
set -euo pipefail
cd "$(dirname "$0")/../.."

packages=(
  rpm dnf python3-dnf createrepo-c
  cpio zstd erofs-utils squashfs-tools cryptsetup-bin e2fsprogs openssl
  qemu-system-x86 linux-image-amd64 busybox-static systemd-container
  xz-utils lz4 bzip2 chromium fonts-liberation
  nginx-light util-linux bubblewrap uidmap
  systemd-boot-efi sbsigntool faketime binutils ovmf efitools mtools dosfstools swtpm xfsprogs
  socat nfs-ganesha nfs-ganesha-vfs nbd-server tgt
)
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing: ${missing[*]}"
  had_rpcbind=no
  dpkg-query -W -f='${Status}\n' rpcbind 2>/dev/null | grep -q '^install ok installed' && had_rpcbind=yes
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The test servers this run installed must not stay up as host services (listening on every
  # address); the boot tests start their own. Services the host already had are left alone.
  if [ -d /run/systemd/system ]; then
    units=()
    for p in "${missing[@]}"; do
      case $p in
        nfs-ganesha) units+=(nfs-ganesha.service) ;;
        nbd-server) units+=(nbd-server.service) ;;
        tgt) units+=(tgt.service) ;;
      esac
    done
    # rpcbind comes with nfs-ganesha (NFSv4 needs none).
    if [ "$had_rpcbind" = no ] && printf '%s\n' "${missing[@]}" | grep -qx nfs-ganesha; then units+=(rpcbind.socket rpcbind.service); fi
    if [ "${#units[@]}" -gt 0 ]; then "${sudo[@]}" systemctl disable --now "${units[@]}" >/dev/null 2>&1 || true; fi
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
