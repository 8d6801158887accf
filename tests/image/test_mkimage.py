#!/usr/bin/env python3
"""Host checks of tests/image/mkimage.py: what it refuses (each with a nonzero exit,
the file, line and name in the message, and no image left behind), and that an image
it builds holds a GPT with one ESP whose files are the ones given.

  tests/image/test_mkimage.py [--results FILE]

Prints "pass|fail image/<check>[ # reason]" lines (see tests/summary.py), or writes
them to FILE once every check has run.  Exit status: 0 when all passed, 1 otherwise.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
MKIMAGE = os.path.join(HERE, "mkimage.py")
ESP_TYPE = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"
ESP_OFFSET = 1024 * 1024

GUEST = "[guest g]\ncpus = 1\nmemory = 32M\n"


class Case:
    """A scratch directory with hv.efi, a configuration and the files it names."""

    def __init__(self, tmp, config, files=(), cmdline=""):
        self.dir = tmp
        self.config = os.path.join(tmp, "cfg", "hv.cfg")
        self.search = os.path.join(tmp, "guests")
        self.efi = os.path.join(tmp, "hv.efi")
        self.out = os.path.join(tmp, "hv.img")
        self.cmdline = cmdline
        write(self.efi, b"MZ not really a PE image")
        write(self.config, config if isinstance(config, bytes) else config.encode())
        for rel, content in files:
            write(os.path.join(tmp, rel), content)

    def run(self):
        cmd = [sys.executable, MKIMAGE, "--efi", self.efi, "--config", self.config,
               "--search", self.search, "--out", self.out, "--cmdline", self.cmdline]
        return subprocess.run(cmd, capture_output=True, text=True)


def write(path, content):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(content)


def refused(case, *wanted):
    """None when mkimage refused the case with every wanted text in its message
    and removed the image an earlier build left."""
    write(case.out, b"an earlier image")
    p = case.run()
    msg = p.stderr.strip()
    if p.returncode != 1:
        return f"exit status {p.returncode}, expected 1 (stderr: {msg!r})"
    missing = [w for w in wanted if w not in msg]
    if missing:
        return f"message {msg!r} lacks {missing}"
    left = [f for f in (case.out, case.out + ".tmp") if os.path.exists(f)]
    if left:
        return f"refused but left {left}"
    return None


def refusal_checks():
    """(name, config, files, cmdline, texts the message must hold)."""
    return [
        ("missing_image_refused", GUEST + "image = nothere.elf\n", [], "",
         ["hv.cfg:4: image", "'nothere.elf' not found", os.path.join("guests", "nothere.elf")]),
        ("missing_initrd_refused",
         GUEST + "image = g.elf\n# a comment\ninitrd = \\boot\\nothere.img  # why\n",
         [("guests/g.elf", b"g")], "", ["hv.cfg:6: initrd", "'\\boot\\nothere.img'"]),
        ("missing_config_refused", None, [], "", ["hv.cfg: cannot read the configuration"]),
        ("dotdot_refused", GUEST + "image = ../g.elf\n", [("g.elf", b"g")], "",
         ["hv.cfg:4: image", "'..'"]),
        ("fixed_name_refused", GUEST + "image = HV.CFG\n", [("cfg/HV.CFG", b"x")], "",
         ["hv.cfg:4: image", "keeps HV.CFG"]),
        ("case_clash_refused",
         GUEST + "image = g.elf\n[guest h]\nimage = G.ELF\n",
         [("cfg/g.elf", b"g"), ("cfg/G.ELF", b"G")], "", ["hv.cfg:6: image", "line 4"]),
        ("fat_name_refused", GUEST + "image = a:b.elf\n", [("guests/a:b.elf", b"g")], "",
         ["hv.cfg:4: image", "':' cannot be in a FAT file name"]),
        ("file_as_directory_refused",
         GUEST + "image = g.elf\ninitrd = G.ELF/initrd\n",
         [("cfg/g.elf", b"g"), ("cfg/G.ELF/initrd", b"i")], "",
         ["\\EFI\\BOOT\\g.elf is a file and the directory of \\EFI\\BOOT\\G.ELF\\initrd"]),
        ("config_word_refused", GUEST + "image = g.elf\n", [("guests/g.elf", b"g")],
         "exit=halt config=other.cfg", ["--cmdline", "config=other.cfg"]),
    ]


def run_refusal(tmp, config, files, cmdline, wanted):
    case = Case(tmp, config if config is not None else "", files, cmdline)
    if config is None:
        os.unlink(case.config)
    return refused(case, *wanted)


# The config: a BOM, CRLF lines, comments, names relative, rooted and in a
# subdirectory, found beside the config or by file name in --search.
BUILT_CONFIG = ("\ufeff# image = commented-out.elf\r\n[hv]\r\nexit = halt\r\n"
                "[guest a]\r\ncpus = 1\r\nmemory = 32M\r\nimage = a.elf   # beside hv.cfg\r\n"
                "initrd = sub/a.initrd\r\n"
                "[guest b]\r\ncpus = 2\r\nmemory = 32M\r\nimage = \\guests\\b.elf\r\n"
                "[guest c]\r\ncpus = 3\r\nmemory = 32M\r\nimage = a.elf\r\n")
BUILT_FILES = [("cfg/a.elf", b"a" * 5000), ("cfg/sub/a.initrd", bytes(range(256)) * 40),
               ("guests/b.elf", b"\x7fELF b")]
BUILT_ESP = {"EFI/BOOT/a.elf": "cfg/a.elf", "EFI/BOOT/sub/a.initrd": "cfg/sub/a.initrd",
             "guests/b.elf": "guests/b.elf", "EFI/BOOT/BOOTX64.EFI": "hv.efi",
             "EFI/BOOT/hv.cfg": "cfg/hv.cfg"}


def sfdisk():
    """In /usr/sbin, which an ordinary user's PATH lacks."""
    return shutil.which("sfdisk", path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin") or "sfdisk"


def partition_problem(image):
    p = subprocess.run([sfdisk(), "--json", image], capture_output=True, text=True)
    if p.returncode:
        return f"sfdisk cannot read the table: {p.stderr.strip()}"
    table = json.loads(p.stdout)["partitiontable"]
    parts = table.get("partitions", [])
    if table.get("label") != "gpt" or len(parts) != 1:
        return f"expected a GPT with one partition, got {p.stdout}"
    if parts[0]["type"] != ESP_TYPE or parts[0]["start"] * 512 != ESP_OFFSET:
        return f"expected an ESP at {ESP_OFFSET} bytes, got {parts[0]}"
    verify = subprocess.run([sfdisk(), "--verify", image], capture_output=True, text=True)
    if verify.returncode or "No errors detected" not in verify.stdout:
        return f"sfdisk --verify: {verify.stdout.strip()} {verify.stderr.strip()}"
    return None


def esp_file(image, path):
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
    p = subprocess.run(["mtype", "-i", f"{image}@@{ESP_OFFSET}", "::/" + path],
                       capture_output=True, env=env)
    return p.stdout if p.returncode == 0 else None


def built_problem(tmp):
    case = Case(tmp, BUILT_CONFIG.encode("utf-8"), BUILT_FILES, cmdline="loglevel=debug")
    p = case.run()
    if p.returncode:
        return f"exit status {p.returncode}: {p.stderr.strip()}"
    problem = partition_problem(case.out)
    if problem:
        return problem
    if os.path.getsize(case.out) != 64 * 1024 * 1024:
        return f"image is {os.path.getsize(case.out)} bytes, expected 64 MiB"
    for esp_path, source in sorted(BUILT_ESP.items()):
        with open(os.path.join(tmp, source), "rb") as f:
            if esp_file(case.out, esp_path) != f.read():
                return "\\" + esp_path.replace("/", "\\") + f" missing or not {source}"
    if esp_file(case.out, "EFI/BOOT/hv.cmdline") != b"loglevel=debug\n":
        return "\\EFI\\BOOT\\hv.cmdline is not the --cmdline given"
    if esp_file(case.out, "EFI/BOOT/commented-out.elf") is not None:
        return "a commented-out name was copied"
    return None


def grown_problem(tmp):
    """A payload larger than the default size grows the image instead of failing."""
    case = Case(tmp, GUEST + "image = big.elf\n", [("guests/big.elf", os.urandom(70 << 20))])
    p = case.run()
    if p.returncode:
        return f"exit status {p.returncode}: {p.stderr.strip()}"
    size = os.path.getsize(case.out)
    if size <= 70 << 20:
        return f"image is {size} bytes, less than its 70 MiB payload"
    with open(os.path.join(tmp, "guests/big.elf"), "rb") as f:
        if esp_file(case.out, "EFI/BOOT/big.elf") != f.read():
            return "big.elf not copied whole"
    return partition_problem(case.out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results", help="also write the result lines here")
    args = ap.parse_args()
    checks = [(name, lambda tmp, c=c: run_refusal(tmp, *c)) for name, *c in refusal_checks()]
    checks += [("image_built", built_problem), ("image_grows_to_fit", grown_problem)]
    lines = []
    for name, check in checks:
        with tempfile.TemporaryDirectory() as tmp:
            problem = check(tmp)
        reason = " ".join(str(problem).split())  # one line per result
        lines.append(f"fail image/{name} # {reason}" if problem else f"pass image/{name}")
    if not args.results:
        print("\n".join(lines))
    else:
        with open(args.results, "w") as f:
            f.write("\n".join(lines) + "\n")
    return 1 if any(line.startswith("fail") for line in lines) else 0


if __name__ == "__main__":
    sys.exit(main())
