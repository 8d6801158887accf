#!/bin/sh
# Fetch Debian's stock kernel or busybox-static for the Linux guest tests, without
# installing either: `apt-get download` into DIR/deb/, `dpkg-deb -x` under DIR/.
#
#   tests/linux/fetch.sh kernel DIR    DIR/version (the kernel release, e.g. 6.1.0-57-amd64),
#                                      DIR/root/ (the package unpacked: boot/, lib/modules/),
#                                      DIR/vmlinuz (written last)
#   tests/linux/fetch.sh busybox DIR   DIR/busybox (the static binary)
#
# The kernel release is the one linux-image-amd64 depends on today (it changes with
# security updates), so nothing here names a version. When apt's lists are missing or
# stale (a fresh CI image) the first attempt fails; as root the lists are then updated
# once and the step retried.
set -eu

what=${1:?usage: fetch.sh kernel|busybox DIR}
dir=${2:?usage: fetch.sh kernel|busybox DIR}
mkdir -p "$dir/deb"

updated=no
update_lists() {
    [ "$updated" = no ] && [ "$(id -u)" -eq 0 ] || return 1
    echo "fetch: updating apt's package lists" >&2
    apt-get update -qq
    updated=yes
}

# The package linux-image-amd64 depends on: linux-image-RELEASE.
kernel_package() {
    apt-cache depends linux-image-amd64 2>/dev/null |
        sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1
}

# apt-get download PACKAGE into DIR/deb/; prints the .deb's path. The sandbox user
# (_apt) may not be able to write there, so the download runs as the caller.
download() {
    rm -f "$dir/deb/$1"_*.deb
    (cd "$dir/deb" && apt-get download -q -o APT::Sandbox::User=root "$1" >&2) ||
        { update_lists && (cd "$dir/deb" && apt-get download -q -o APT::Sandbox::User=root "$1" >&2); } ||
        { echo "fetch: apt-get download $1 failed" >&2; exit 1; }
    deb=$(ls "$dir/deb/$1"_*.deb)
    echo "$deb"
}

case $what in
kernel)
    pkg=$(kernel_package)
    if [ -z "$pkg" ] && update_lists; then pkg=$(kernel_package); fi
    [ -n "$pkg" ] || { echo "fetch: apt-cache depends linux-image-amd64 names no linux-image-RELEASE" >&2; exit 1; }
    release=${pkg#linux-image-}
    deb=$(download "$pkg")
    rm -rf "$dir/root" "$dir/vmlinuz"
    dpkg-deb -x "$deb" "$dir/root"
    [ -f "$dir/root/boot/vmlinuz-$release" ] ||
        { echo "fetch: $deb holds no boot/vmlinuz-$release" >&2; exit 1; }
    echo "$release" > "$dir/version"
    cp "$dir/root/boot/vmlinuz-$release" "$dir/vmlinuz.tmp"
    mv "$dir/vmlinuz.tmp" "$dir/vmlinuz"
    echo "fetch: $pkg ($(basename "$deb")) -> $dir/vmlinuz" >&2
    ;;
busybox)
    deb=$(download busybox-static)
    rm -rf "$dir/busybox-root" "$dir/busybox"
    dpkg-deb -x "$deb" "$dir/busybox-root"
    [ -f "$dir/busybox-root/bin/busybox" ] ||
        { echo "fetch: $deb holds no bin/busybox" >&2; exit 1; }
    cp "$dir/busybox-root/bin/busybox" "$dir/busybox.tmp"
    mv "$dir/busybox.tmp" "$dir/busybox"
    echo "fetch: busybox-static ($(basename "$deb")) -> $dir/busybox" >&2
    ;;
*)
    echo "fetch: unknown item '$what' (kernel or busybox)" >&2
    exit 2
    ;;
esac
