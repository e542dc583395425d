/*
 * exec.c - execve of the ZMAGIC executables of ABI.md. Nothing of the program is read
 * here except its header: the old address space is dropped, one stack page with the
 * arguments is mapped at the top of the slot, and every other page arrives through
 * do_no_page (read from the file, shared with another task running it, or zeroed).
 *
 * Initial stack (Linux 0.11's layout, ABI.md), top of the 64 MiB slot:
 *
 *   ESP -> argc | argv | envp | argv[0..argc-1] | 0 | envp[0..] | 0 | strings | end of slot
 *                  '------|------^                   ^
 *                         '--------------------------'
 */
#include "fs.h"
#include "mm.h"
#include "sched.h"

#define MAX_ARGS 64
#define STACK_PAGE (TASK_SIZE - PAGE_SIZE)

/* Copy a NULL-terminated user vector of strings to the top of page, below *top. */
static int copy_strings(u8 *page, u32 *top, u32 uvec, u32 *addrs, int max)
{
	int n = 0;
	if (!uvec)
		return 0;
	for (;; n++) {
		u32 up;
		if (copy_from_user(&up, uvec + 4 * n, 4))
			return -PW_EFAULT;
		if (!up)
			return n;
		if (n >= max)
			return -PW_E2BIG;
		char tmp[256];
		int len = strncpy_from_user(tmp, up, sizeof tmp);
		if (len < 0)
			return len;
		if (len >= (int)sizeof tmp || *top < (u32)len + 1 + 4 * (2 * MAX_ARGS + 5))
			return -PW_E2BIG;
		*top -= len + 1;
		memcpy(page + *top, tmp, len + 1);
		addrs[n] = STACK_PAGE + *top;
	}
}

int do_execve(struct regs *r, u32 upath, u32 uargv, u32 uenvp)
{
	char path[256];
	int err = strncpy_from_user(path, upath, sizeof path);
	if (err < 0)
		return err;
	if (err >= (int)sizeof path)
		return -PW_EINVAL;
	struct m_inode *ino = namei(path);
	if (!ino)
		return -PW_ENOENT;
	err = -PW_ENOEXEC;
	if ((ino->d.i_mode & PW_S_IFMT) != PW_S_IFREG)
		goto fail;
	struct pw_exec ex;
	u32 z = bmap(ino, 0);
	u8 *b = z ? bread(z) : NULL;
	if (!b) {
		err = -PW_EIO;
		goto fail;
	}
	memcpy(&ex, b, sizeof ex);
	if (ex.a_magic != PW_ZMAGIC || (ex.a_text & 0xFFF) ||
	    ex.a_text + ex.a_data + ex.a_bss > TASK_SIZE - STACK_RESERVE ||
	    ino->d.i_size < 1024 + ex.a_text + ex.a_data)
		goto fail;

	/* Build the stack page in a static buffer first: copying the strings may fault (and
	 * an oom there ends the task), so no page may be held that nothing maps yet. */
	static u8 stack_image[PAGE_SIZE] __attribute__((aligned(4)));
	u32 page = (u32)stack_image;
	static u32 argp[MAX_ARGS], envp[MAX_ARGS];
	u32 top = PAGE_SIZE;
	int argc = copy_strings((u8 *)page, &top, uargv, argp, MAX_ARGS);
	int envc = argc < 0 ? argc : copy_strings((u8 *)page, &top, uenvp, envp, MAX_ARGS);
	if (argc < 0 || envc < 0) {
		err = argc < 0 ? argc : envc;
		goto fail;
	}
	u32 *sp = (u32 *)(page + ((top & ~3u) - 4 * (argc + envc + 5)));
	u32 sp_off = (u32)sp - page;
	*sp++ = argc;
	*sp++ = STACK_PAGE + sp_off + 12;                       /* argv */
	*sp++ = STACK_PAGE + sp_off + 12 + 4 * (argc + 1);      /* envp */
	for (int i = 0; i < argc; i++)
		*sp++ = argp[i];
	*sp++ = 0;
	for (int i = 0; i < envc; i++)
		*sp++ = envp[i];
	*sp++ = 0;

	page = get_free_page();
	err = -PW_ENOMEM;
	if (!page)
		goto fail;
	memcpy((void *)page, stack_image, PAGE_SIZE);

	/* Point of no return: the old image goes. */
	iput(current->executable);
	current->executable = ino;
	free_page_tables(current->start_code, TASK_SIZE);
	current->seg_limit = TASK_SIZE;
	current->ldt[1] = seg_desc(current->start_code, (TASK_SIZE >> 12) - 1, 0xFA, 0xC);
	current->ldt[2] = seg_desc(current->start_code, (TASK_SIZE >> 12) - 1, 0xF2, 0xC);
	current->end_code = ex.a_text;
	current->end_data = ex.a_text + ex.a_data;
	current->brk = (current->end_data + ex.a_bss + 3) & ~3u;
	const char *name = path;
	for (const char *p = path; *p; p++)
		if (*p == '/' && p[1])
			name = p + 1;
	strncpy(current->comm, name, sizeof current->comm - 1);
	if (!put_page(page, current->start_code + STACK_PAGE)) {
		free_page(page);
		printk("out of memory\n");
		do_exit(PW_SIGSEGV);
	}
	r->eip = ex.a_entry;
	r->useresp = STACK_PAGE + sp_off;
	r->eax = r->ebx = r->ecx = r->edx = r->esi = r->edi = r->ebp = 0;
	return 0;
fail:
	iput(ino);
	return err;
}
