#include "boot/config_load.h"
#include "arch/x86/log.h"
#include "hv/options.h"

#include <string.h>

/* One file a guest's key names (not given: nothing to read). */
static void read_guest_file(struct boot_info *bi, const struct boot_files *files,
			    const struct config_guest *g, const char *key, const char *path,
			    unsigned line, struct boot_file *out)
{
	void *data;
	size_t size;
	unsigned long long st;

	if (!line)
		return;
	if ((st = files->read(files->ctx, path, GUEST_IMAGE_MAX_BYTES, &data, &size))) {
		config_error_at(&bi->config_errors, bi->config.file, line,
				"guest %s: cannot read %s %s (%s %#llx)", g->name, key, path,
				files->status_name, st);
		return;
	}
	*out = (struct boot_file){ data, size };
}

void boot_load_config(struct boot_info *bi, const struct boot_files *files)
{
	struct hv_options o;
	char error[OPTIONS_ERROR_MAX];
	void *text;
	size_t size;

	options_parse(bi->cmdline, &o, error);
	bool named = o.config[0] != '\0';
	strncpy(bi->config_path, named ? o.config : CONFIG_FILE_DEFAULT,
		sizeof(bi->config_path) - 1);
	unsigned long long st = files->read(files->ctx, bi->config_path, CONFIG_MAX_BYTES,
					    &text, &size);
	if (st) {
		if (named)
			log_err("config: cannot read %s (%s %#llx)\n", bi->config_path,
				files->status_name, st);
		bi->config_present = named;
		return;
	}
	bi->config_present = true;
	config_errors_init(&bi->config_errors);
	log_info("config: %s, %zu bytes\n", bi->config_path, size);
	/* Its errors are printed with those of the checks against the
	 * machine, which only the hypervisor proper can make; the images
	 * are read even after parse errors, so one boot names every error. */
	config_parse(text, size, bi->config_path, &bi->config, &bi->config_errors);
	for (unsigned i = 0; i < bi->config.guest_count; i++) {
		const struct config_guest *g = &bi->config.guest[i];
		read_guest_file(bi, files, g, "image", g->image, g->image_line,
				&bi->guest_image[i]);
		read_guest_file(bi, files, g, "initrd", g->initrd, g->initrd_line,
				&bi->guest_initrd[i]);
	}
	bi->config_ok = bi->config_errors.count == 0;
}
