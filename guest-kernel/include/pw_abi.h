/*
 * pw_abi.h - the contract between the bundled kernel and its user programs.
 *
 * Shared by guest-kernel/kernel/ and guest-kernel/user/; see ../ABI.md for the prose.
 * Only fixed-size types, no padding surprises: both sides are built by the same i386
 * cross compiler, but the emulator's monitor may read these records too.
 */
#ifndef PW_ABI_H
#define PW_ABI_H

typedef unsigned int   pw_u32;
typedef unsigned short pw_u16;
typedef unsigned char  pw_u8;

/* System call numbers (int $0x80, nr in EAX, args in EBX, ECX, EDX; Linux 0.11 numbering). */
#define PW_SYS_exit      1
#define PW_SYS_fork      2
#define PW_SYS_read      3
#define PW_SYS_write     4
#define PW_SYS_open      5
#define PW_SYS_close     6
#define PW_SYS_waitpid   7
#define PW_SYS_execve    11
#define PW_SYS_time      13
#define PW_SYS_stat      18
#define PW_SYS_getpid    20
#define PW_SYS_alarm     27
#define PW_SYS_pause     29
#define PW_SYS_kill      37
#define PW_SYS_brk       45
#define PW_SYS_signal    48
#define PW_SYS_getppid   64
#define PW_SYS_sleep     162   /* pw_sleep(ticks), 100 ticks per second */
#define PW_SYS_memstat   200
#define PW_SYS_tasks     201
#define PW_SYS_pageinfo  202
#define PW_SYS_halt      203
#define PW_SYS_cmdline   204

/* errno values returned negated (Linux numbering). */
#define PW_EPERM    1
#define PW_ENOENT   2
#define PW_ESRCH    3
#define PW_EINTR    4
#define PW_EIO      5
#define PW_E2BIG    7
#define PW_ENOEXEC  8
#define PW_EBADF    9
#define PW_ECHILD   10
#define PW_EAGAIN   11
#define PW_ENOMEM   12
#define PW_EFAULT   14
#define PW_ENOTDIR  20
#define PW_EISDIR   21
#define PW_EINVAL   22
#define PW_EMFILE   24
#define PW_EROFS    30
#define PW_ENOSYS   38

/* Signals (Linux numbering); signal() accepts only PW_SIG_DFL / PW_SIG_IGN. */
#define PW_SIGHUP   1
#define PW_SIGINT   2
#define PW_SIGQUIT  3
#define PW_SIGKILL  9
#define PW_SIGSEGV  11
#define PW_SIGPIPE  13
#define PW_SIGALRM  14
#define PW_SIGTERM  15
#define PW_SIGCHLD  17
#define PW_NSIG     32
#define PW_SIG_DFL  0
#define PW_SIG_IGN  1

/* waitpid options; status layout as Linux: exit code << 8, or the signal number in bits 0-6. */
#define PW_WNOHANG  1

/* open flags: the file system is read-only, only O_RDONLY is accepted. */
#define PW_O_RDONLY 0

/* File modes (st_mode), MINIX/Unix octal values. */
#define PW_S_IFMT   0170000
#define PW_S_IFDIR  0040000
#define PW_S_IFREG  0100000
#define PW_S_IFCHR  0020000

/* stat(): the MINIX v1 inode, widened. */
struct pw_stat {
	pw_u32 st_ino;
	pw_u32 st_mode;
	pw_u32 st_nlink;
	pw_u32 st_uid;
	pw_u32 st_gid;
	pw_u32 st_size;
	pw_u32 st_mtime;
};

/* read() on a directory returns these raw MINIX v1 entries (16 bytes; ino 0 = unused). */
#define PW_NAME_LEN 14
struct pw_dirent {
	pw_u16 d_ino;
	char   d_name[PW_NAME_LEN];     /* not NUL-terminated when 14 long */
};

/* Executable header (first 1 KiB block of the file; rest of the block zero). */
#define PW_ZMAGIC 0x0000010B
struct pw_exec {
	pw_u32 a_magic, a_text, a_data, a_bss, a_syms, a_entry, a_trsize, a_drsize;
};

#define PW_TASK_SLOT_SIZE 0x4000000u   /* 64 MiB of linear space per task */
#define PW_NR_TASKS       64

/* pw_memstat(): the allocator and fault counters (calc_mem's view and more). */
#define PW_PDE_NONE 0xFFFF              /* pt_used[i] when directory entry i is not present */
struct pw_memstat {
	pw_u32 free_pages;              /* count == 0 in mem_map */
	pw_u32 paging_pages;            /* pages between LOW_MEM and HIGH_MEMORY */
	pw_u32 low_mem, high_mem;       /* physical bounds of the paging area */
	pw_u32 buffer_end;              /* end of the buffer cache (start of free pages) */
	char   allocator[8];            /* "byte", "short", "buddy" */
	char   invalidate[8];           /* "cr3", "invlpg", "none" */
	pw_u32 write_verify;            /* 1 = on */
	pw_u32 memcheck;                /* 1 = invariant checks after fork/exit */
	pw_u32 wp_reuse;                /* write-protect faults that reused the page (count 1) */
	pw_u32 wp_copy;                 /* write-protect faults that copied the page */
	pw_u32 np_zero;                 /* not-present faults answered with a zeroed page */
	pw_u32 np_shared;               /* not-present faults answered by sharing another task's page */
	pw_u32 np_read;                 /* not-present faults answered by reading the executable */
	pw_u32 oom_kills;
	pw_u32 invalidations;           /* invalidate() calls */
	pw_u16 pt_used[1024];           /* present PTEs per page-directory entry, PW_PDE_NONE if absent */
};

/* pw_tasks(): one record per live task. */
#define PW_TASK_RUNNING         0
#define PW_TASK_INTERRUPTIBLE   1
#define PW_TASK_UNINTERRUPTIBLE 2
#define PW_TASK_ZOMBIE          3
#define PW_TASK_STOPPED         4
struct pw_taskinfo {
	pw_u32 nr;                      /* slot: linear base = nr * 64 MiB */
	pw_u32 pid, ppid;
	pw_u32 state;                   /* PW_TASK_* */
	pw_u32 priority, counter;
	pw_u32 pages;                   /* present user pages mapped in its slot */
	pw_u32 shared;                  /* of those, pages whose mem_map count > 1 */
	pw_u32 brk;                     /* task-relative end of data segment */
	char   name[16];                /* last path component of the executable */
};

/* pw_pageinfo(): the translation of one user address of the caller. */
struct pw_pageinfo {
	pw_u32 linear;                  /* uaddr + the task's segment base */
	pw_u32 pde, pte;                /* raw entries (pte 0 when no table) */
	pw_u32 present, writable, user, accessed, dirty;
	pw_u32 phys;                    /* frame address (0 if not present) */
	pw_u32 count;                   /* mem_map count of the frame (0 below LOW_MEM) */
};

#endif /* PW_ABI_H */
