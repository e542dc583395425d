/*
 * cmdline.c - the kernel command line: LBA 1 of the boot disk ("CMDLINE:" + text), loaded
 * by the boot sector to 0x90200 (guest-kernel/ABI.md). Words are key=value.
 */
#include "kernel.h"

char cmdline[512];

void cmdline_init(void)
{
	const char *blk = BP_CMDLINE;
	if (memcmp(blk, "CMDLINE:", 8) == 0)
		strncpy(cmdline, blk + 8, sizeof cmdline - 1);
	cmdline[sizeof cmdline - 1] = 0;
}

/* Returns a pointer to the value of key (terminated by space or NUL), or NULL. */
const char *cmdline_get(const char *key)
{
	u32 kl = strlen(key);
	const char *p = cmdline;
	while (*p) {
		while (*p == ' ')
			p++;
		if (!strncmp(p, key, kl) && p[kl] == '=')
			return p + kl + 1;
		while (*p && *p != ' ')
			p++;
	}
	return NULL;
}

int cmdline_is(const char *key, const char *value)
{
	const char *v = cmdline_get(key);
	u32 l = strlen(value);
	return v && !strncmp(v, value, l) && (v[l] == 0 || v[l] == ' ');
}
