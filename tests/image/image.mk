# `make image`: build/hv.img, a GPT disk image with one EFI system partition
# for a USB stick or a test machine's disk (tests/image/mkimage.py). Included
# by the Makefile.
#   make image [IMAGE_CONFIG=path/to/hv.cfg] [IMAGE_CMDLINE="words"]
# The boot tests boot build/boot-disk.img, built the same way from the demo's
# configuration with exit=qemu, so that QEMU ends when the guests have.

IMAGE := $(BUILD)/hv.img
IMAGE_CONFIG ?= $(RUN_CONFIG)
# Empty by default: hv's own defaults (exit=halt) and the configuration's [hv]
# keys then decide, which a command line would override.
IMAGE_CMDLINE ?=
MKIMAGE := tests/image/mkimage.py
# The test guests are found in the build by their file names.
MKIMAGE_ARGS = --efi $(BUILD)/hv.efi --search $(GUEST_DIR)

# Always rebuilt (under a second): the configuration and the files it names
# are only known once it is read. (`make clean` removes it with build/hv.*.)
image: $(BUILD)/hv.efi $(GUEST_IMAGES) | deps
	$(Q)$(MKIMAGE) $(MKIMAGE_ARGS) --config '$(IMAGE_CONFIG)' --cmdline '$(IMAGE_CMDLINE)' \
		--out $(IMAGE)

BOOT_DISK_IMAGE := $(BUILD)/boot-disk.img
$(BOOT_DISK_IMAGE): $(BUILD)/hv.efi $(GUEST_ELF) $(MKIMAGE) tests/guest/two-guests.cfg | deps
	$(Q)$(MKIMAGE) $(MKIMAGE_ARGS) --config tests/guest/two-guests.cfg --cmdline exit=qemu \
		--out $@ >/dev/null

$(BUILD)/boot.results: $(BOOT_DISK_IMAGE)

$(BUILD)/image.results: tests/image/test_mkimage.py $(MKIMAGE) | deps
	$(Q)rm -f $@
	$(Q)-tests/image/test_mkimage.py --results $@

CHECK_RESULTS += $(BUILD)/image.results

clean: clean-boot-disk
clean-boot-disk:
	rm -f $(BOOT_DISK_IMAGE)

.PHONY: image clean-boot-disk
