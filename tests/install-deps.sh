#!/bin/sh
# Install the Debian packages the build and `make check` need.  Idempotent and silent
# when everything is present, so it can run at the start of every CI job.
set -eu

PACKAGES="gnu-efi newlib-source qemu-system-x86 ovmf mtools acpica-tools libcmocka-dev
clang-14 libclang-rt-14-dev python3 gcc make binutils xz-utils fdisk
bochs bochs-term bochsbios vgabios grub-pc-bin grub-common xorriso"

missing=""
for p in $PACKAGES; do
    # ${Status} is "install ok installed" only when fully installed (not just unpacked
    # or removed with its config files left behind).
    if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" != "install ok installed" ]; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages:$missing; not root, so run as root:" \
         "apt-get install$missing" >&2
    exit 1
fi
echo "install-deps: installing:$missing"
apt-get update -qq
# shellcheck disable=SC2086  # word splitting of the package list is intended
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
