# newlib 3.3.0 (Debian newlib-source) built freestanding for x86_64-elf with the
# host gcc. Included by the top-level Makefile from the repository root.

# Including this must not make libc.a the default goal (restored at the end).
NEWLIB_SAVED_GOAL := $(.DEFAULT_GOAL)

NEWLIB_PREFIX  := build/newlib/install
NEWLIB_LIBC    := $(NEWLIB_PREFIX)/x86_64-elf/lib/libc.a
NEWLIB_INCLUDE := $(NEWLIB_PREFIX)/x86_64-elf/include

NEWLIB_DIR     := build/newlib
NEWLIB_TARBALL := /usr/src/newlib/newlib-3.3.0.tar.xz
NEWLIB_WRAPPER := boot/newlib/x86_64-elf-gcc

# Same ABI constraints as the hypervisor itself (no red zone in ring 0, PIC for
# the gnu-efi shared link, no unwind tables to carry). -mgeneral-regs-only is
# added per file by $(NEWLIB_WRAPPER). --noexecstack: newlib's x86_64 .S files
# (memcpy, memset, setjmp) lack .note.GNU-stack, and ld 2.40 warns about it.
NEWLIB_CFLAGS  := -O2 -ffreestanding -fno-stack-protector -fPIC -mno-red-zone \
                  -fno-asynchronous-unwind-tables -Wa,--noexecstack

# io-c99-formats gives %zu/%hhd; io-long-long gives %llx. No float printf, no
# locks (single-threaded), nano-malloc is small and only needs sbrk.
NEWLIB_CONFIG  := --target=x86_64-elf --prefix=$(abspath $(NEWLIB_PREFIX)) \
                  --disable-multilib --disable-newlib-supplied-syscalls \
                  --disable-newlib-io-float --enable-newlib-io-long-long \
                  --enable-newlib-io-c99-formats --enable-newlib-nano-malloc \
                  --disable-newlib-multithread --disable-nls

# The stamp holds everything that shapes the output, wrapper included. Make
# timestamps cannot see a flag change, so compare contents: any difference
# (or no stamp, e.g. after an interrupted build) forces a build from scratch.
NEWLIB_STAMP_TEXT := $(strip $(NEWLIB_TARBALL) $(NEWLIB_CFLAGS) $(NEWLIB_CONFIG) \
                     $(firstword $(shell md5sum $(NEWLIB_WRAPPER))))
ifneq ($(NEWLIB_STAMP_TEXT),$(shell cat $(NEWLIB_DIR)/stamp 2>/dev/null))
$(NEWLIB_LIBC): .newlib-rebuild
endif
.PHONY: .newlib-rebuild

NEWLIB_LOG := $(NEWLIB_DIR)/build.log

# env -i: the top-level CC/CFLAGS/MAKEFLAGS (command-line overrides, -j,
# jobserver) must not leak into newlib's own configure and make.
# The stamp is written last, so a failed or interrupted build never looks done.
$(NEWLIB_LIBC):
	@echo "  NEWLIB  $(NEWLIB_DIR) (log: $(NEWLIB_LOG))"
	@rm -rf $(NEWLIB_DIR) && mkdir -p $(NEWLIB_DIR)/bin $(NEWLIB_DIR)/obj
	@for t in ar as ld nm objcopy objdump ranlib readelf strip; do \
	    ln -s "$$(command -v $$t)" $(NEWLIB_DIR)/bin/x86_64-elf-$$t || exit; \
	done; ln -s $(abspath $(NEWLIB_WRAPPER)) $(NEWLIB_DIR)/bin/x86_64-elf-gcc
	@( tar -C $(NEWLIB_DIR) -xf $(NEWLIB_TARBALL) && cd $(NEWLIB_DIR)/obj && \
	   env -i HOME="$$HOME" PATH="$(abspath $(NEWLIB_DIR)/bin):$$PATH" \
	     NEWLIB_FALLBACK_LOG=$(abspath $(NEWLIB_DIR)/sse-fallback.log) \
	     sh -c '../newlib-salsa/configure $(NEWLIB_CONFIG) \
	              CFLAGS_FOR_TARGET="$(NEWLIB_CFLAGS)" && \
	            make -j2 all-target-newlib && make install-target-newlib' \
	 ) >$(NEWLIB_LOG) 2>&1 || { tail -n 30 $(NEWLIB_LOG); exit 1; }
	@printf '%s\n' '$(NEWLIB_STAMP_TEXT)' >$(NEWLIB_DIR)/stamp

.DEFAULT_GOAL := $(NEWLIB_SAVED_GOAL)
