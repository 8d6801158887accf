# The test guest (tests/guest): a freestanding ELF64 executable linked at
# 0x200000 that hv loads into a guest and that reports KTAP on its UART.
# Included by the Makefile.
#   make build/guest/test-guest.elf
# GUEST_IMAGES lists the guest images (part of `all`; the unit tests load
# them too, so build/unit.results waits for them).

GUEST_DIR := $(BUILD)/guest
GUEST_ELF := $(GUEST_DIR)/test-guest.elf
GUEST_SRCS := $(wildcard tests/guest/*.c) $(wildcard tests/guest/*.S)
GUEST_OBJS := $(patsubst tests/guest/%,$(GUEST_DIR)/obj/%.o,$(basename $(GUEST_SRCS)))

# Freestanding, no SSE/x87 (nothing needs it), not position-independent
# (linked at a fixed address), no red zone (interrupts arrive on the same
# stack); -fno-tree-loop-distribute-patterns keeps gcc from turning the
# guest's own memset/memcpy loops into calls to themselves.
GUEST_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror \
	-ffreestanding -fno-stack-protector -fno-pic -fno-pie -mno-red-zone \
	-mgeneral-regs-only -mcmodel=small -fno-asynchronous-unwind-tables \
	-fno-strict-aliasing -fno-tree-loop-distribute-patterns -fcf-protection=none \
	-nostdinc -isystem $(shell gcc -print-file-name=include) -I. -MMD -MP
GUEST_LDFLAGS := -nostdlib -static -no-pie -z max-page-size=4096 -z noexecstack \
	--build-id=none -T tests/guest/guest.ld

# The guest-crash scenario's guest: one assembly file, nothing else.
BAD_GUEST_ELF := $(GUEST_DIR)/bad-guest.elf

GUEST_IMAGES += $(GUEST_ELF) $(BAD_GUEST_ELF)

all: $(GUEST_IMAGES)

$(GUEST_DIR)/obj/%.o: tests/guest/%.c | deps
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)gcc $(GUEST_CFLAGS) -c $< -o $@

$(GUEST_DIR)/obj/%.o: tests/guest/%.S | deps
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	$(Q)gcc $(GUEST_CFLAGS) -c $< -o $@

$(GUEST_ELF): $(GUEST_OBJS) tests/guest/guest.ld
	@echo "  LD      $@"
	$(Q)ld $(GUEST_LDFLAGS) $(GUEST_OBJS) -o $@

$(BAD_GUEST_ELF): tests/guest/bad/bad.S | deps
	@mkdir -p $(GUEST_DIR)/obj
	@echo "  AS+LD   $@"
	$(Q)gcc -c $< -o $(GUEST_DIR)/obj/bad.o
	$(Q)ld -nostdlib -static -no-pie -z max-page-size=4096 -z noexecstack --build-id=none \
		-Ttext=0x200000 -e _start $(GUEST_DIR)/obj/bad.o -o $@

-include $(GUEST_OBJS:.o=.d)

guest: $(GUEST_IMAGES)

# tests/unit/test_elf loads the image when it is there.
$(BUILD)/unit.results: $(GUEST_IMAGES)

clean: clean-guest
clean-guest:
	rm -rf $(GUEST_DIR)

.PHONY: guest clean-guest
