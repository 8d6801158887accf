/* Logging: the hypervisor prints through the console with boot-relative
 * timestamps (log.c); host builds link their own implementation
 * (iommu/tools/log_stderr.c, tests/unit/log_stub.c). */
#ifndef ARCH_X86_LOG_H
#define ARCH_X86_LOG_H

enum log_level { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };

extern enum log_level log_threshold;

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Writes without timestamp or level, for continuation and KTAP lines. */
void log_raw(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* What each level's lines start with, in every implementation of this
 * interface (the hypervisor's console, the host tools' stderr). */
static inline const char *log_level_tag(enum log_level level)
{
	static const char *const tag[] = {
		[LOG_ERR] = "error: ",
		[LOG_WARN] = "warning: ",
		[LOG_INFO] = "",
		[LOG_DEBUG] = "debug: ",
	};
	return (unsigned)level <= LOG_DEBUG ? tag[level] : "";
}

#define log_err(...)   log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
