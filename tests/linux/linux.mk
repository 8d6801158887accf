# Debian's stock Linux as a guest: the kernel and a test initramfs. Included by the Makefile.
#   make linux               build/linux/vmlinuz (the release linux-image-amd64 depends on,
#                            recorded in build/linux/version) and build/linux/initramfs.cpio.gz
#                            (busybox-static and tests/linux/init, which reports KTAP)
#   make linux MODULES="nvme e1000e"
#                            the initramfs also holds these kernel modules and their
#                            dependencies, loaded by /init before its tests
#   make linux-devices       also build/linux/initramfs-devices.cpio.gz: the nvme and e1000e
#                            modules and build/linux/hvio (tests/linux/hvio.c, static: the
#                            O_DIRECT I/O of /init's hvtest.nvme and of make bench), and
#                            build/linux/nvme.img (64 MiB, sparse: the NVMe namespace)
#   make linux-bare-run      boot them once on bare QEMU (serial on this terminal)
#   make linux-bare-bench    time that boot: to "hvtest: init started" and to power-off
#   build/linux-initramfs.results   tests/linux/test_mkinitramfs.py (in make check)
# Both packages are fetched with apt-get download and unpacked with dpkg-deb -x under
# build/linux/ (tests/linux/fetch.sh), never installed. The scenarios that boot them
# under hv depend on $(LINUX_VMLINUZ) $(LINUX_INITRAMFS) $(LINUX_DEVICES_FILES).

LINUX_DIR := $(BUILD)/linux
LINUX_VMLINUZ := $(LINUX_DIR)/vmlinuz
LINUX_VERSION_FILE := $(LINUX_DIR)/version
LINUX_INITRAMFS := $(LINUX_DIR)/initramfs.cpio.gz
LINUX_BUSYBOX := $(LINUX_DIR)/busybox
MODULES ?=
LINUX_DEVICES_INITRAMFS := $(LINUX_DIR)/initramfs-devices.cpio.gz
LINUX_DEVICES_MODULES := nvme e1000e
LINUX_HVIO := $(LINUX_DIR)/hvio
LINUX_NVME_IMAGE := $(LINUX_DIR)/nvme.img
LINUX_DEVICES_FILES := $(LINUX_DEVICES_INITRAMFS) $(LINUX_NVME_IMAGE)

# The release is found when the kernel is fetched; delete build/linux to fetch today's.
# fetch.sh writes version before vmlinuz, so vmlinuz implies version.
$(LINUX_VMLINUZ): tests/linux/fetch.sh | deps
	@echo "  FETCH   $@"
	$(Q)tests/linux/fetch.sh kernel $(LINUX_DIR)

$(LINUX_VERSION_FILE): $(LINUX_VMLINUZ) ;

$(LINUX_BUSYBOX): tests/linux/fetch.sh | deps
	@echo "  FETCH   $@"
	$(Q)tests/linux/fetch.sh busybox $(LINUX_DIR)

# Rewritten only when MODULES changes, so the initramfs is rebuilt exactly then.
$(LINUX_DIR)/modules.wanted: FORCE
	@mkdir -p $(dir $@)
	$(Q)echo '$(MODULES)' | cmp -s - $@ || echo '$(MODULES)' > $@

$(LINUX_INITRAMFS): tests/linux/mkinitramfs.py tests/linux/init $(LINUX_BUSYBOX) \
		$(LINUX_DIR)/modules.wanted $(if $(strip $(MODULES)),$(LINUX_VMLINUZ))
	@echo "  CPIO    $@"
	$(Q)tests/linux/mkinitramfs.py --busybox $(LINUX_BUSYBOX) --init tests/linux/init \
		--out $@ $(if $(strip $(MODULES)),--modules-dir \
		$(LINUX_DIR)/root/lib/modules/$$(cat $(LINUX_VERSION_FILE)) --modules "$(MODULES)")

linux: $(LINUX_VMLINUZ) $(LINUX_INITRAMFS)

# Static: the initramfs has no libc. The guest runs it, so no sanitizers.
$(LINUX_HVIO): tests/linux/hvio.c | deps
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(HOST_CC) -static -std=gnu11 -O2 -Wall -Wextra -Werror $< -o $@

# Beside the plain one, so the scenarios without devices keep their small initramfs.
$(LINUX_DEVICES_INITRAMFS): tests/linux/mkinitramfs.py tests/linux/init $(LINUX_BUSYBOX) \
		$(LINUX_VMLINUZ) $(LINUX_HVIO)
	@echo "  CPIO    $@"
	$(Q)tests/linux/mkinitramfs.py --busybox $(LINUX_BUSYBOX) --init tests/linux/init \
		--out $@ --modules-dir $(LINUX_DIR)/root/lib/modules/$$(cat $(LINUX_VERSION_FILE)) \
		--modules "$(LINUX_DEVICES_MODULES)" --file bin/hvio=$(LINUX_HVIO)

# QEMU opens it with snapshot=on: what the guests write never reaches the file.
$(LINUX_NVME_IMAGE):
	@mkdir -p $(dir $@)
	$(Q)truncate -s 64M $@

linux-devices: linux $(LINUX_DEVICES_FILES)

# The initramfs builder over synthetic inputs (no download): part of make check.
$(BUILD)/linux-initramfs.results: tests/linux/test_mkinitramfs.py tests/linux/mkinitramfs.py 		tests/unit/tap2results.py
	@mkdir -p $(dir $@)
	$(Q)tests/linux/test_mkinitramfs.py | tests/unit/tap2results.py mkinitramfs > $@.tmp
	$(Q)mv $@.tmp $@

CHECK_RESULTS += $(BUILD)/linux-initramfs.results

# The reference boot: the same kernel and initramfs on QEMU with no hypervisor. TCG's
# AMD family (-cpu max) lacks constant_tsc, so with 2 CPUs Linux would find the TSCs
# unsynchronised and switch to HPET: tsc=reliable.
LINUX_BARE_APPEND := console=ttyS0 panic=-1 tsc=reliable hvtest.cpus=2 hvtest.mem=512 \
	hvtest.pci=1234:11e8
LINUX_BARE_QEMU := qemu-system-x86_64 -machine q35 -cpu max -smp 2 -m 512 -nodefaults \
	-serial stdio -display none -no-reboot -kernel $(LINUX_VMLINUZ) -initrd $(LINUX_INITRAMFS) \
	-device edu

linux-bare-run: linux
	$(Q)timeout 120 $(LINUX_BARE_QEMU) -append "$(LINUX_BARE_APPEND)"

LINUX_BENCH_REPEAT ?= 3
linux-bare-bench: linux
	$(Q)tests/bench/linux_boot.py --repeat $(LINUX_BENCH_REPEAT) --label "bare QEMU" \
		--log-dir $(BUILD)/bench/linux-bare -- $(LINUX_BARE_QEMU) -append "$(LINUX_BARE_APPEND)"

clean: clean-linux-initramfs
clean-linux-initramfs:
	rm -f $(LINUX_INITRAMFS) $(LINUX_DIR)/modules.wanted $(LINUX_DEVICES_INITRAMFS) $(LINUX_HVIO)

FORCE:

.PHONY: linux linux-devices linux-bare-run linux-bare-bench clean-linux-initramfs FORCE
