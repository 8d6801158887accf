#!/usr/bin/env python3
"""Build the Linux guest's initramfs: a gzip'd cpio (newc) archive written here, so
neither root nor the cpio package is needed, and byte-for-byte reproducible (every
mtime 0, gzip header mtime 0, entries in a fixed order).

  tests/linux/mkinitramfs.py --busybox build/linux/busybox --init tests/linux/init \
      --out build/linux/initramfs.cpio.gz [--modules-dir build/linux/root/lib/modules/REL \
      --modules "nvme e1000e"] [--file bin/hvio=build/linux/hvio ...]

Contents: /init, /bin/busybox with the applet links /init uses, /dev/console (so the
kernel can open the console before /init runs; /init mounts devtmpfs over /dev), the
empty mount points, and with --modules the named modules and everything they depend
on under /lib/modules/REL/ at their paths in the kernel package, plus
/lib/modules/REL/load-order: one path a line, each after the modules it depends on
(modules.dep's order, read from each module's .modinfo "depends=" since the package
ships no modules.dep, with its "softdep=pre:" modules before it as modprobe does),
which /init loads with insmod; with --file DEST=SRC, SRC as the executable DEST (e.g. a
static test tool in bin/).
"""
import argparse
import gzip
import os
import stat
import struct
import sys

APPLETS = ["sh", "awk", "cat", "cmp", "dd", "dmesg", "echo", "grep", "head", "insmod", "ip", "ls",
           "mkdir", "mount", "ping", "poweroff", "reboot", "sed", "sleep", "sort", "taskset", "tr",
           "uname", "wc"]
DIRS = ["bin", "dev", "etc", "lib", "proc", "sys", "tmp"]


class CpioWriter:
    """cpio "newc" (SVR4 without CRC): an ASCII header of 13 eight-digit hex fields,
    the NUL-terminated name and the data, each padded to 4 bytes."""

    def __init__(self):
        self.parts = []
        self.ino = 1
        self.names = set()

    def _entry(self, name, mode, data=b"", rdev=(0, 0), nlink=1):
        if name in self.names:
            raise ValueError(f"{name}: added twice")
        self.names.add(name)
        encoded = name.encode() + b"\0"
        fields = [self.ino, mode, 0, 0, nlink, 0, len(data), 0, 0, rdev[0], rdev[1],
                  len(encoded), 0]
        self.ino += 1
        header = b"070701" + b"".join(b"%08x" % f for f in fields)
        self.parts.append(header + encoded + b"\0" * (-(len(header) + len(encoded)) % 4))
        self.parts.append(data + b"\0" * (-len(data) % 4))

    def directory(self, name):
        self._entry(name, stat.S_IFDIR | 0o755, nlink=2)

    def file(self, name, data, executable=False):
        self._entry(name, stat.S_IFREG | (0o755 if executable else 0o644), data)

    def symlink(self, name, target):
        self._entry(name, stat.S_IFLNK | 0o777, target.encode())

    def char_device(self, name, major, minor):
        self._entry(name, stat.S_IFCHR | 0o600, rdev=(major, minor))

    def finish(self):
        self.ino = 0
        self._entry("TRAILER!!!", 0, nlink=1)
        data = b"".join(self.parts)
        return data + b"\0" * (-len(data) % 512)


def modinfo(path):
    """The entries of a .ko's .modinfo section (an ELF64 little-endian object), as
    (key, value) strings in their order."""
    with open(path, "rb") as f:
        elf = f.read()
    if elf[:4] != b"\x7fELF" or elf[4] != 2 or elf[5] != 1:
        raise ValueError(f"{path}: not an ELF64 little-endian object (compressed module?)")
    shoff, = struct.unpack_from("<Q", elf, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", elf, 0x3A)
    if shentsize != 64 or shoff + shnum * 64 > len(elf) or shstrndx >= shnum:
        raise ValueError(f"{path}: section headers out of bounds")

    def section(i):
        name, _, _, _, off, size = struct.unpack_from("<IIQQQQ", elf, shoff + i * 64)
        if off + size > len(elf):
            raise ValueError(f"{path}: section {i} out of bounds")
        return name, elf[off:off + size]

    _, strtab = section(shstrndx)
    for i in range(shnum):
        name_off, body = section(i)
        if strtab[name_off:strtab.find(b"\0", name_off)] == b".modinfo":
            return [tuple(e.decode("utf-8", "replace").split("=", 1))
                    for e in body.split(b"\0") if b"=" in e]
    raise ValueError(f"{path}: no .modinfo section")


def modinfo_depends(path):
    """What a module needs loaded first: its "depends=" modules (symbols it uses, as in
    modules.dep) and the names after "pre:" in its "softdep=" (modules or aliases it
    asks for at run time, e.g. crc-t10dif's crct10dif). Returns (depends, softdeps)."""
    depends, softdeps = [], []
    for key, value in modinfo(path):
        if key == "depends":
            depends += [d for d in value.split(",") if d]
        elif key == "softdep":
            words = value.split()
            pre = False
            for w in words:
                if w.endswith(":"):
                    pre = w == "pre:"
                elif pre:
                    softdeps.append(w)
    return depends, softdeps


def module_index(modules_dir):
    """Module name (with '_' for '-', as the kernel compares them) -> path under
    modules_dir."""
    index = {}
    for root, dirs, files in os.walk(os.path.join(modules_dir, "kernel")):
        dirs.sort()
        for f in sorted(files):
            if f.endswith(".ko"):
                rel = os.path.relpath(os.path.join(root, f), modules_dir)
                index[f[:-3].replace("-", "_")] = rel
    return index


def alias_providers(modules_dir, index, alias):
    """The modules that declare "alias=ALIAS", generic implementations first (they load
    on any CPU, where e.g. crct10dif-pclmul needs PCLMULQDQ). A module that cannot be
    read is no candidate (it is refused if it is named or depended on)."""
    found = []
    for key, rel in sorted(index.items()):
        try:
            info = modinfo(os.path.join(modules_dir, rel))
        except ValueError:
            continue
        if ("alias", alias) in info:
            found.append(key)
    return sorted(found, key=lambda k: "generic" not in k)


def load_order(modules_dir, names):
    """The relative paths of the named modules and what they need, each after what it
    depends on: "depends=" modules must be there (an error otherwise); a "softdep=pre:"
    name is a module or an alias, taken when some module provides it (modprobe's rule)."""
    index = module_index(modules_dir)
    order, done, active = [], set(), []

    def visit(name):
        key = name.replace("-", "_")
        if key in done:
            return
        if key in active:
            raise ValueError(f"module dependency cycle: {' -> '.join(active + [key])}")
        if key not in index:
            raise ValueError(f"module {name}: no {name}.ko under {modules_dir}/kernel")
        if len(active) > 64:
            raise ValueError(f"module {name}: dependency chain deeper than 64")
        active.append(key)
        depends, softdeps = modinfo_depends(os.path.join(modules_dir, index[key]))
        for soft in softdeps:
            if soft.replace("-", "_") in index:
                visit(soft)
                continue
            providers = alias_providers(modules_dir, index, soft)
            if providers:
                visit(providers[0])
            else:
                print(f"mkinitramfs: {name}: soft dependency {soft} is no module here; left out",
                      file=sys.stderr)
        for dep in depends:
            visit(dep)
        active.pop()
        done.add(key)
        order.append(index[key])

    for n in names:
        visit(n)
    return order


def build(busybox, init, modules_dir, modules, files=()):
    cpio = CpioWriter()
    for d in DIRS:
        cpio.directory(d)
    cpio.char_device("dev/console", 5, 1)
    with open(busybox, "rb") as f:
        cpio.file("bin/busybox", f.read(), executable=True)
    for applet in APPLETS:
        cpio.symlink(f"bin/{applet}", "busybox")
    with open(init, "rb") as f:
        cpio.file("init", f.read(), executable=True)
    if modules:
        release = os.path.basename(os.path.normpath(modules_dir))
        order = load_order(modules_dir, modules)
        base = f"lib/modules/{release}"
        made = {"lib"}
        for rel in order:
            parts = f"{base}/{rel}".split("/")[:-1]
            for i in range(2, len(parts) + 1):
                d = "/".join(parts[:i])
                if d not in made:
                    cpio.directory(d)
                    made.add(d)
            with open(os.path.join(modules_dir, rel), "rb") as f:
                cpio.file(f"{base}/{rel}", f.read())
        cpio.file(f"{base}/load-order", "".join(r + "\n" for r in order).encode())
    for dest, src in files:
        with open(src, "rb") as f:
            cpio.file(dest, f.read(), executable=True)
    return cpio.finish()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--busybox", required=True, help="a static busybox binary")
    ap.add_argument("--init", required=True, help="the /init script")
    ap.add_argument("--out", required=True, help="the .cpio.gz to write")
    ap.add_argument("--modules-dir", help="the kernel's lib/modules/RELEASE directory")
    ap.add_argument("--modules", default="", help="module names, separated by spaces or commas")
    ap.add_argument("--file", action="append", default=[], metavar="DEST=SRC",
                    help="add SRC as the executable DEST (under bin/, etc, lib or tmp)")
    args = ap.parse_args()
    files = []
    for spec in args.file:
        dest, _, src = spec.partition("=")
        if not src or dest.startswith("/") or ".." in dest.split("/") \
                or dest.split("/")[0] not in DIRS or "/" not in dest:
            ap.error(f"--file {spec}: want DEST=SRC, DEST inside one of {', '.join(DIRS)}")
        files.append((dest, src))
    modules = args.modules.replace(",", " ").split()
    if modules and not args.modules_dir:
        ap.error("--modules needs --modules-dir")
    try:
        archive = build(args.busybox, args.init, args.modules_dir, modules, files)
    except (OSError, ValueError) as e:
        print(f"mkinitramfs: {e}", file=sys.stderr)
        return 1
    tmp = args.out + ".tmp"
    with open(tmp, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
            gz.write(archive)
    os.replace(tmp, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
