/*
 * fs.h - buffer cache and a read-only MINIX v1 file system on partition 1 of the disk.
 *
 *   MINIX v1 (1 KiB blocks): 0 boot | 1 super | inode map | zone map | inodes | data
 */
#ifndef FS_H
#define FS_H
#include "kernel.h"
#include "pw_abi.h"

#define BLOCK_SIZE   1024
#define MINIX_MAGIC  0x137F
#define NR_INODE     48
#define NR_FILE      64

struct d_super {
	u16 s_ninodes, s_nzones, s_imap_blocks, s_zmap_blocks, s_firstdatazone, s_log_zone_size;
	u32 s_max_size;
	u16 s_magic;
};

struct d_inode {
	u16 i_mode, i_uid;
	u32 i_size, i_time;
	u8 i_gid, i_nlinks;
	u16 i_zone[9];          /* 7 direct, 1 indirect, 1 double indirect */
};

struct m_inode {
	struct d_inode d;
	u32 i_num;
	u32 i_count;
};

#define FILE_TTY   1
#define FILE_INODE 2
struct file {
	u32 f_type, f_count, f_pos;
	struct m_inode *f_inode;
};

/* buffer.c */
void buffer_init(u32 start, u32 end);
u8 *bread(u32 block);           /* valid until the next bread; NULL on I/O error */

/* inode.c */
int mount_root(void);
struct m_inode *iget(u32 nr);
void iput(struct m_inode *ino);
u32 bmap(struct m_inode *ino, u32 block);   /* file block -> disk block, 0 = hole */
struct m_inode *namei(const char *path);    /* NULL if not found */
int file_read_inode(struct m_inode *ino, u32 pos, u32 uaddr, u32 n);

/* file.c */
extern struct file file_table[NR_FILE];
struct file *get_tty_file(void);
int sys_open(u32 path, u32 flags, u32 unused);
int sys_close(u32 fd, u32 a, u32 b);
void close_file(struct file *f);
int sys_read(u32 fd, u32 buf, u32 n);
int sys_write(u32 fd, u32 buf, u32 n);
int sys_stat(u32 path, u32 st, u32 unused);

/* exec.c */
struct regs;
int do_execve(struct regs *r, u32 path, u32 argv, u32 envp);

#endif
