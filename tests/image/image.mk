# `make image`: build/hv.img, a GPT disk image with one EFI system partition
# for a USB stick or a test machine's disk (tests/image/mkimage.py). Included
# by the Makefile.
#   make image [IMAGE_CONFIG=path/to/hv.cfg] [IMAGE_CMDLINE="words"]

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

$(BUILD)/image.results: tests/image/test_mkimage.py $(MKIMAGE) | deps
	$(Q)rm -f $@
	$(Q)-tests/image/test_mkimage.py --results $@

CHECK_RESULTS += $(BUILD)/image.results

.PHONY: image
