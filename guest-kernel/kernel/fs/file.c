/*
 * file.c - open files: a global table of struct file shared by descriptors after fork;
 * the terminal and MINIX inodes are the two kinds. Reading a directory returns its raw
 * 16-byte entries (struct pw_dirent).
 */
#include "fs.h"
#include "sched.h"

struct file file_table[NR_FILE];

static struct file *get_file(void)
{
	for (int i = 0; i < NR_FILE; i++)
		if (!file_table[i].f_count) {
			memset(&file_table[i], 0, sizeof file_table[i]);
			file_table[i].f_count = 1;
			return &file_table[i];
		}
	return NULL;
}

struct file *get_tty_file(void)
{
	struct file *f = get_file();
	if (f)
		f->f_type = FILE_TTY;
	return f;
}

static int get_fd(void)
{
	for (int i = 0; i < NR_OPEN; i++)
		if (!current->filp[i])
			return i;
	return -PW_EMFILE;
}

static int get_path(char *buf, u32 upath)
{
	int r = strncpy_from_user(buf, upath, 256);
	if (r < 0)
		return r;
	if (r >= 256)
		return -PW_EINVAL;
	return 0;
}

int sys_open(u32 upath, u32 flags, u32 unused)
{
	char path[256];
	int r = get_path(path, upath);
	if (r)
		return r;
	if ((flags & 3) != PW_O_RDONLY)
		return -PW_EROFS;
	if (!strcmp(path, "/dev/tty") || !strcmp(path, "/dev/console")) {
		int fd = get_fd();
		if (fd < 0)
			return fd;
		struct file *f = get_tty_file();
		if (!f)
			return -PW_EMFILE;
		current->filp[fd] = f;
		return fd;
	}
	struct m_inode *ino = namei(path);
	if (!ino)
		return -PW_ENOENT;
	int fd = get_fd();
	struct file *f = fd < 0 ? NULL : get_file();
	if (!f) {
		iput(ino);
		return fd < 0 ? fd : -PW_EMFILE;
	}
	f->f_type = FILE_INODE;
	f->f_inode = ino;
	current->filp[fd] = f;
	return fd;
}

void close_file(struct file *f)
{
	if (--f->f_count == 0 && f->f_type == FILE_INODE)
		iput(f->f_inode);
}

int sys_close(u32 fd, u32 a, u32 b)
{
	if (fd >= NR_OPEN || !current->filp[fd])
		return -PW_EBADF;
	close_file(current->filp[fd]);
	current->filp[fd] = NULL;
	return 0;
}

int sys_read(u32 fd, u32 buf, u32 n)
{
	if (fd >= NR_OPEN || !current->filp[fd])
		return -PW_EBADF;
	if (!user_ok(buf, n))
		return -PW_EFAULT;
	struct file *f = current->filp[fd];
	if (f->f_type == FILE_TTY)
		return tty_read(buf, n);
	int r = file_read_inode(f->f_inode, f->f_pos, buf, n);
	if (r > 0)
		f->f_pos += r;
	return r;
}

int sys_write(u32 fd, u32 buf, u32 n)
{
	if (fd >= NR_OPEN || !current->filp[fd])
		return -PW_EBADF;
	if (!user_ok(buf, n))
		return -PW_EFAULT;
	if (current->filp[fd]->f_type == FILE_TTY)
		return tty_write(buf, n);
	return -PW_EROFS;
}

int sys_stat(u32 upath, u32 ust, u32 unused)
{
	char path[256];
	int r = get_path(path, upath);
	if (r)
		return r;
	struct pw_stat st;
	memset(&st, 0, sizeof st);
	if (!strcmp(path, "/dev/tty") || !strcmp(path, "/dev/console")) {
		st.st_mode = PW_S_IFCHR | 0666;
		st.st_nlink = 1;
		return copy_to_user(ust, &st, sizeof st);
	}
	struct m_inode *ino = namei(path);
	if (!ino)
		return -PW_ENOENT;
	st.st_ino = ino->i_num;
	st.st_mode = ino->d.i_mode;
	st.st_nlink = ino->d.i_nlinks;
	st.st_uid = ino->d.i_uid;
	st.st_gid = ino->d.i_gid;
	st.st_size = ino->d.i_size;
	st.st_mtime = ino->d.i_time;
	iput(ino);
	return copy_to_user(ust, &st, sizeof st);
}
