#!/usr/bin/env python3
"""Checks of tests/linux/mkinitramfs.py, printed as TAP: the archive read back by a
separate newc reader (entries, modes, symlink targets, the console node, alignment, the
trailer, byte-for-byte reproducibility), and the module load order over synthetic .ko
files (dependencies first, soft dependencies by name and by alias with the generic one
preferred, cycles, missing and malformed modules refused).

  tests/linux/test_mkinitramfs.py
"""
import gzip
import os
import stat
import struct
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mkinitramfs  # noqa: E402


def read_newc(data):
    """{name: (mode, rdev, body)} from a newc archive; raises on any misalignment."""
    entries, pos = {}, 0
    while True:
        if data[pos:pos + 6] != b"070701":
            raise ValueError(f"bad magic at {pos}")
        f = [int(data[pos + 6 + 8 * i:pos + 14 + 8 * i], 16) for i in range(13)]
        mode, size, rdev, namesize = f[1], f[6], (f[9], f[10]), f[11]
        name_at = pos + 110
        name = data[name_at:name_at + namesize - 1].decode()
        if data[name_at + namesize - 1] != 0:
            raise ValueError(f"{name}: name not NUL-terminated")
        body_at = (name_at + namesize + 3) & ~3
        body = data[body_at:body_at + size]
        pos = (body_at + size + 3) & ~3
        if name == "TRAILER!!!":
            return entries, pos
        entries[name] = (mode, rdev, body)


def fake_ko(path, modinfo):
    """A minimal ELF64 object whose .modinfo holds these key=value strings."""
    info = b"".join(e.encode() + b"\0" for e in modinfo)
    shstr = b"\0.modinfo\0.shstrtab\0"
    info_at = 64
    shstr_at = info_at + len(info)
    shoff = (shstr_at + len(shstr) + 7) & ~7
    header = bytearray(64)
    header[0:6] = b"\x7fELF\x02\x01"
    struct.pack_into("<Q", header, 0x28, shoff)
    struct.pack_into("<HHH", header, 0x3A, 64, 3, 2)
    sections = (bytes(64) + struct.pack("<IIQQQQ", 1, 1, 0, 0, info_at, len(info)) + bytes(24)
                + struct.pack("<IIQQQQ", 10, 3, 0, 0, shstr_at, len(shstr)) + bytes(24))
    body = bytes(header) + info + shstr
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(body + bytes(shoff - len(body)) + sections)


def module_tree(root):
    kernel = os.path.join(root, "kernel")
    fake_ko(f"{kernel}/drivers/nvme.ko", ["license=GPL", "depends=nvme-core"])
    fake_ko(f"{kernel}/drivers/nvme-core.ko", ["depends=t10-pi,crc64"])
    fake_ko(f"{kernel}/block/t10-pi.ko", ["depends=crc-t10dif"])
    fake_ko(f"{kernel}/lib/crc-t10dif.ko", ["softdep=pre: crct10dif post: nothing", "depends="])
    fake_ko(f"{kernel}/lib/crc64.ko", [])
    fake_ko(f"{kernel}/crypto/crct10dif-pclmul.ko", ["alias=crct10dif"])
    fake_ko(f"{kernel}/crypto/crct10dif_generic.ko", ["alias=crct10dif"])
    fake_ko(f"{kernel}/misc/loop_a.ko", ["depends=loop_b"])
    fake_ko(f"{kernel}/misc/loop_b.ko", ["depends=loop_a"])
    fake_ko(f"{kernel}/misc/needs_gone.ko", ["depends=gone"])
    os.makedirs(f"{kernel}/misc", exist_ok=True)
    with open(f"{kernel}/misc/bad.ko", "wb") as f:
        f.write(b"\x28\xb5\x2f\xfd not an ELF")


def refuses(fn, *args, words=""):
    try:
        fn(*args)
    except ValueError as e:
        return words in str(e)
    return False


def main():
    checks = []
    with tempfile.TemporaryDirectory() as tmp:
        busybox = os.path.join(tmp, "busybox")
        init = os.path.join(tmp, "init")
        with open(busybox, "wb") as f:
            f.write(b"\x7fELF busybox" * 100 + b"x")  # an odd length: padding matters
        with open(init, "wb") as f:
            f.write(b"#!/bin/sh\necho hi\n")
        mods = os.path.join(tmp, "lib", "modules", "9.9.9-test")
        module_tree(mods)

        archive = mkinitramfs.build(busybox, init, None, [])
        entries, end = read_newc(archive)
        checks.append(("trailer_and_padding", end <= len(archive)
                       and len(archive) % 512 == 0 and not archive[end:].strip(b"\0")))
        mode, _, body = entries["init"]
        checks.append(("init_file",
                       stat.S_ISREG(mode) and mode & 0o111 and body == b"#!/bin/sh\necho hi\n"))
        mode, _, body = entries["bin/busybox"]
        checks.append(("busybox_file", stat.S_ISREG(mode) and len(body) == 1201))
        checks.append(("applet_symlinks",
                       all(stat.S_ISLNK(entries[f"bin/{a}"][0]) and entries[f"bin/{a}"][2] == b"busybox"
                           for a in mkinitramfs.APPLETS)))
        mode, rdev, _ = entries["dev/console"]
        checks.append(("console_node", stat.S_ISCHR(mode) and rdev == (5, 1)))
        checks.append(("mount_points",
                       all(stat.S_ISDIR(entries[d][0]) for d in ("proc", "sys", "dev", "tmp"))))
        checks.append(("no_modules_by_default", not any(n.startswith("lib/") for n in entries)))
        tool = os.path.join(tmp, "tool")
        with open(tool, "wb") as f:
            f.write(b"\x7fELF tool")
        with_file, _ = read_newc(mkinitramfs.build(busybox, init, None, [], [("bin/hvio", tool)]))
        mode, _, body = with_file.get("bin/hvio", (0, None, b""))
        checks.append(("extra_file_executable",
                       stat.S_ISREG(mode) and mode & 0o111 and body == b"\x7fELF tool"))

        order = mkinitramfs.load_order(mods, ["nvme"])
        names = [os.path.basename(p)[:-3] for p in order]
        checks.append(("load_order_dependencies_first",
                       names == ["crct10dif_generic", "crc-t10dif", "t10-pi", "crc64", "nvme-core",
                                 "nvme"]))
        checks.append(("module_name_dash_underscore",
                       mkinitramfs.load_order(mods, ["nvme_core"])[-1] == "kernel/drivers/nvme-core.ko"))
        checks.append(("refuses_cycle",
                       refuses(mkinitramfs.load_order, mods, ["loop_a"], words="cycle")))
        checks.append(("refuses_missing_module",
                       refuses(mkinitramfs.load_order, mods, ["nosuch"], words="no nosuch.ko")))
        checks.append(("refuses_missing_dependency",
                       refuses(mkinitramfs.load_order, mods, ["needs_gone"], words="gone")))
        checks.append(("refuses_non_elf_module",
                       refuses(mkinitramfs.load_order, mods, ["bad"], words="not an ELF64")))

        with_mods = mkinitramfs.build(busybox, init, mods, ["nvme"])
        entries, _ = read_newc(with_mods)
        load = entries["lib/modules/9.9.9-test/load-order"][2].decode().split()
        checks.append(("modules_laid_out",
                       load == order and all(f"lib/modules/9.9.9-test/{p}" in entries for p in order)
                       and stat.S_ISDIR(entries["lib/modules/9.9.9-test/kernel/drivers"][0])))

        outs = []
        for i in range(2):
            out = os.path.join(tmp, f"out{i}.cpio.gz")
            sys.argv = ["mkinitramfs.py", "--busybox", busybox, "--init", init, "--out", out]
            rc = mkinitramfs.main()
            with open(out, "rb") as f:
                outs.append((rc, f.read()))
        checks.append(("reproducible_gzip",
                       outs[0] == outs[1] and outs[0][0] == 0
                       and outs[0][1][4:8] == bytes(4)  # gzip's mtime
                       and gzip.decompress(outs[0][1]) == archive))

    print(f"1..{len(checks)}")
    for i, (name, ok) in enumerate(checks, 1):
        print(f"{'ok' if ok else 'not ok'} {i} {name}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
