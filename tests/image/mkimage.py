#!/usr/bin/env python3
"""Build a bootable disk image for hv: a GPT disk with one EFI system partition
(FAT32) holding \\EFI\\BOOT\\BOOTX64.EFI (hv.efi), hv.cmdline, hv.cfg and every
file hv.cfg names (`image =` and `initrd =` of each guest).

  tests/image/mkimage.py --efi build/hv.efi --config tests/guest/two-guests.cfg
                         --out build/hv.img [--cmdline TEXT] [--search DIR ...]

A name in hv.cfg is a path on the ESP: from the volume's root when it starts with
'\\' or '/', else from hv.efi's directory (\\EFI\\BOOT).  On this machine each
file is looked for as written (without a leading separator) relative to the
configuration file's directory, then by its file name alone in each --search
directory, in order.  A name found nowhere is refused with every place tried.

Needs sfdisk (util-linux) and mtools; no root, no loop devices.
Exit status: 0 built, 1 refused (the reason on stderr, and no image at --out,
not even an earlier one), 2 usage error.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

ESP_TYPE = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"
SECTOR = 512
MIB = 1024 * 1024
# The partition starts at 1 MiB, where partitioning tools put it, and ends on
# a MiB boundary before the backup GPT at the end of the disk.
ESP_START = 1 * MIB
GPT_TAIL = 1 * MIB
MIN_IMAGE_MIB = 64   # FAT32 needs 65525 clusters; 64 MiB leaves ample room for them
HV_DIR = ("EFI", "BOOT")
CMDLINE_MAX = 511    # what hv keeps of hv.cmdline
FILE_KEYS = ("image", "initrd")
FAT_FORBIDDEN = '"*:<>?|'


class Refused(Exception):
    """An input the image cannot be built from; the message says what and where."""


# --------------------------------------------------------------------------- hv.cfg

def strip_comment(line):
    """hv.cfg's rule: '#' starts a comment at the start of a line or after a blank,
    so "a#b" in a value stays."""
    for i, ch in enumerate(line):
        if ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i]
    return line


def named_files(config_path):
    """(line number, key, value) of each guest's `image =` and `initrd =`.
    Only as much of the syntax as finding them needs: hv checks the rest."""
    try:
        with open(config_path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise Refused(f"{config_path}: cannot read the configuration ({e.strerror})")
    text = data.removeprefix(b"\xef\xbb\xbf").decode("ascii", "replace")
    found, in_guest = [], False
    for lineno, raw in enumerate(text.split("\n"), 1):
        line = strip_comment(raw.rstrip("\r")).strip(" \t")
        if line.startswith("["):
            kind = line[1:].rstrip("]").split()
            in_guest = kind[:1] == ["guest"]
            continue
        key, eq, value = line.partition("=")
        if in_guest and eq and key.strip(" \t") in FILE_KEYS:
            found.append((lineno, key.strip(" \t"), value.strip(" \t")))
    return found


# --------------------------------------------------------------------------- names

def esp_components(where, value):
    """The ESP path hv opens for a name in hv.cfg, as its components."""
    if not value:
        raise Refused(f"{where}: empty file name")
    rooted = value[0] in "\\/"
    parts = value.replace("\\", "/").strip("/").split("/")
    for part in parts:
        if part in ("", ".", ".."):
            raise Refused(f"{where}: '{value}': empty, '.' or '..' path components"
                          " are not laid out on the ESP")
        # mtools would quietly rename such a file, and hv would not find it.
        bad = sorted({ch for ch in part if ch in FAT_FORBIDDEN or ord(ch) < 0x20})
        if bad or part[-1] in ". ":
            what = f"'{''.join(bad)}'" if bad else "a trailing '.' or blank"
            raise Refused(f"{where}: '{value}': {what} cannot be in a FAT file name")
    return tuple(parts) if rooted else HV_DIR + tuple(parts)


def host_file(where, value, config_dir, search_dirs):
    """Where on this machine the file a name in hv.cfg stands for is."""
    rel = value.replace("\\", "/").strip("/")
    tried = [os.path.join(config_dir, rel)]
    tried += [os.path.join(d, os.path.basename(rel)) for d in search_dirs]
    for path in tried:
        if os.path.isfile(path):
            return path
    raise Refused(f"{where}: '{value}' not found on this machine (looked for {', '.join(tried)})")


def esp_contents(args):
    """{ESP path components: host file or bytes} for everything the image holds."""
    contents = {
        HV_DIR + ("BOOTX64.EFI",): args.efi,
        HV_DIR + ("hv.cfg",): args.config,
        HV_DIR + ("hv.cmdline",): (args.cmdline + "\n").encode("ascii"),
    }
    # FAT ignores case, so names are compared case-folded.
    taken = {folded(parts): (None, source) for parts, source in contents.items()}
    config_dir = os.path.dirname(os.path.abspath(args.config))
    for lineno, key, value in named_files(args.config):
        where = f"{args.config}:{lineno}: {key}"
        parts = esp_components(where, value)
        source = host_file(where, value, config_dir, args.search)
        line, earlier = taken.setdefault(folded(parts), (lineno, source))
        if line is None:
            raise Refused(f"{where}: '{value}' is where the image keeps {parts[-1]}")
        if not os.path.samefile(earlier, source):
            raise Refused(f"{where}: '{value}' is the ESP file of line {line} (FAT ignores"
                          f" case) but {source} here, not {earlier}")
        contents.setdefault(parts, source)
    check_no_file_as_directory(args.config, contents)
    return contents


def check_no_file_as_directory(config, contents):
    """A name that is also another name's directory: mcopy would put the file
    inside that directory instead."""
    files = {folded(parts): parts for parts in contents}
    for parts in contents:
        for i in range(1, len(parts)):
            clash = files.get(folded(parts[:i]))
            if clash:
                raise Refused(f"{config}: {esp_name(clash)} is a file and the directory of"
                              f" {esp_name(parts)}")


def esp_name(parts):
    return "\\" + "\\".join(parts)


def folded(parts):
    return tuple(p.lower() for p in parts)


def check_cmdline(cmdline):
    if len(cmdline) > CMDLINE_MAX:
        raise Refused(f"--cmdline: {len(cmdline)} characters; hv reads at most {CMDLINE_MAX}")
    if any(not " " <= ch <= "~" for ch in cmdline):
        raise Refused("--cmdline: only printable ASCII on one line")
    for word in cmdline.split():
        if word.startswith("config="):
            raise Refused(f"--cmdline: '{word}' would make hv read another file than the"
                          " image's hv.cfg beside hv.efi; leave config= out")


# --------------------------------------------------------------------------- the disk

# Where each tool comes from, for the message when it is missing.
TOOL_PACKAGES = {"sfdisk": "fdisk", "mformat": "mtools", "mmd": "mtools", "mcopy": "mtools"}


def tool(name):
    """The tool's path; sfdisk is in /usr/sbin, which an ordinary user's PATH lacks."""
    path = shutil.which(name, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")
    if not path:
        raise Refused(f"{name} not found: install Debian's {TOOL_PACKAGES[name]}"
                      " (tests/install-deps.sh)")
    return path


def run(cmd, stdin=None):
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1")  # a file, not a drive of known geometry
    # stdin is never a terminal: mtools asks there what to do with a name clash.
    p = subprocess.run([tool(cmd[0])] + cmd[1:], input=stdin if stdin is not None else "",
                       capture_output=True, text=True, env=env)
    if p.returncode:
        raise Refused(f"{cmd[0]} failed ({p.returncode}): {(p.stderr or p.stdout).strip()}")


def image_mib(contents):
    """64 MiB, or grown to fit what it holds with room for FAT's own tables."""
    payload = sum(len(s) if isinstance(s, bytes) else os.path.getsize(s)
                  for s in contents.values())
    needed = (ESP_START + GPT_TAIL + payload * 11 // 10) // MIB + 4
    return max(MIN_IMAGE_MIB, needed)


def partition(path, mib):
    """A GPT with one ESP from 1 MiB to the last whole MiB; returns its sectors."""
    with open(path, "wb") as f:
        f.truncate(mib * MIB)
    esp_sectors = (mib * MIB - ESP_START - GPT_TAIL) // SECTOR
    table = (f"label: gpt\nfirst-lba: {ESP_START // SECTOR}\n"
             f"start={ESP_START // SECTOR}, size={esp_sectors}, type={ESP_TYPE},"
             ' name="EFI system partition"\n')
    run(["sfdisk", "--quiet", "--no-reread", "--no-tell-kernel", path], stdin=table)
    return esp_sectors


def fill_esp(path, esp_sectors, contents):
    fat = f"{path}@@{ESP_START}"
    # An image file has no geometry of its own, so mformat is given a usual
    # one; hidden sectors are the sectors before the partition, as on a disk.
    run(["mformat", "-i", fat, "-F", "-T", str(esp_sectors), "-h", "64", "-s", "32",
         "-H", str(ESP_START // SECTOR), "-v", "HV", "::"])
    dirs = sorted({parts[:i] for parts in contents for i in range(1, len(parts))})
    for d in dirs:
        run(["mmd", "-i", fat, "::/" + "/".join(d)])
    with tempfile.TemporaryDirectory() as tmp:
        for parts, source in sorted(contents.items()):
            if isinstance(source, bytes):
                written = os.path.join(tmp, parts[-1])
                with open(written, "wb") as f:
                    f.write(source)
                source = written
            run(["mcopy", "-i", fat, source, "::/" + "/".join(parts)])


def build(args):
    check_cmdline(args.cmdline)
    if not os.path.isfile(args.efi):
        raise Refused(f"--efi: {args.efi} does not exist (build it first: make)")
    contents = esp_contents(args)
    tmp = args.out + ".tmp"
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    try:
        fill_esp(tmp, partition(tmp, image_mib(contents)), contents)
        os.replace(tmp, args.out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return contents


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--efi", required=True, help="hv.efi, e.g. build/hv.efi")
    ap.add_argument("--config", required=True, help="hv.cfg for the image")
    ap.add_argument("--out", required=True, help="the image file, e.g. build/hv.img")
    ap.add_argument("--cmdline", default="", help="the content of hv.cmdline")
    ap.add_argument("--search", action="append", default=[],
                    help="a directory where files hv.cfg names are looked for by file name")
    args = ap.parse_args()
    try:
        contents = build(args)
    except Refused as e:
        print(f"mkimage: {e}", file=sys.stderr)
        # Gone, so that an image built before cannot be taken for this one.
        if os.path.exists(args.out):
            os.unlink(args.out)
        return 1
    print(f"mkimage: {args.out}: {os.path.getsize(args.out) // MIB} MiB, ESP at {ESP_START // MIB} MiB with "
          + ", ".join(esp_name(p) for p in sorted(contents)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
