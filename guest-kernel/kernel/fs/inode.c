/*
 * inode.c - MINIX v1 on partition 1: superblock, in-memory inodes, block mapping and
 * path lookup. Read-only.
 *
 *   block: 0 boot | 1 super | imap (s_imap_blocks) | zmap (s_zmap_blocks) | inodes | data
 *   inode n (from 1) is at offset (n-1)*32 of the inode area; 32 inodes per block.
 */
#include "fs.h"
#include "sched.h"

static struct d_super sb;
static struct m_inode inode_table[NR_INODE];
static u32 inode_start;
extern u32 fs_start_lba;

int mount_root(void)
{
	static u8 mbr[512];
	if (hd_read(0, 1, mbr) < 0)
		return -1;
	/* partition entry 1 at 0x1BE: type at +4, first LBA at +8 */
	if (mbr[0x1BE + 4] != 0x81)
		printk("root: partition 1 type %x (expected 81h, MINIX)\n", mbr[0x1BE + 4]);
	fs_start_lba = mbr[0x1BE + 8] | (mbr[0x1BE + 9] << 8) | (mbr[0x1BE + 10] << 16) |
		       ((u32)mbr[0x1BE + 11] << 24);
	u8 *b = bread(1);
	if (!b)
		return -1;
	memcpy(&sb, b, sizeof sb);
	if (sb.s_magic != MINIX_MAGIC) {
		printk("root: bad magic %x at LBA %u\n", sb.s_magic, fs_start_lba);
		return -1;
	}
	if (sb.s_log_zone_size)
		printk("root: zone size %u ignored, 1 KiB zones assumed\n", 1024 << sb.s_log_zone_size);
	inode_start = 2 + sb.s_imap_blocks + sb.s_zmap_blocks;
	printk("root: MINIX fs at LBA %u, %u inodes, %u zones\n", fs_start_lba, sb.s_ninodes,
	       sb.s_nzones);
	return 0;
}

struct m_inode *iget(u32 nr)
{
	struct m_inode *free = NULL;
	if (!nr || nr > sb.s_ninodes)
		return NULL;
	for (int i = 0; i < NR_INODE; i++) {
		struct m_inode *m = &inode_table[i];
		if (m->i_count && m->i_num == nr) {
			m->i_count++;
			return m;
		}
		if (!m->i_count && !free)
			free = m;
	}
	if (!free) {
		printk("iget: inode table full\n");
		return NULL;
	}
	u8 *b = bread(inode_start + (nr - 1) / 32);
	if (!b)
		return NULL;
	memcpy(&free->d, b + ((nr - 1) % 32) * 32, sizeof free->d);
	free->i_num = nr;
	free->i_count = 1;
	return free;
}

void iput(struct m_inode *ino)
{
	if (!ino)
		return;
	if (!ino->i_count)
		panic("iput: trying to free free inode %u", ino->i_num);
	ino->i_count--;
}

static u32 zone_entry(u32 zone, u32 idx)
{
	if (!zone)
		return 0;
	u16 *z = (u16 *)bread(zone);
	return z ? z[idx] : 0;
}

u32 bmap(struct m_inode *ino, u32 block)
{
	if (block < 7)
		return ino->d.i_zone[block];
	block -= 7;
	if (block < 512)
		return zone_entry(ino->d.i_zone[7], block);
	block -= 512;
	if (block < 512 * 512)
		return zone_entry(zone_entry(ino->d.i_zone[8], block / 512), block % 512);
	return 0;
}

/* Look name (len bytes) up in directory dir; inode number or 0. */
static u32 find_entry(struct m_inode *dir, const char *name, u32 len)
{
	if (len > PW_NAME_LEN)
		len = PW_NAME_LEN;
	for (u32 pos = 0; pos < dir->d.i_size; pos += BLOCK_SIZE) {
		u32 z = bmap(dir, pos / BLOCK_SIZE);
		if (!z)
			continue;
		u8 *b = bread(z);
		if (!b)
			return 0;
		for (u32 off = 0; off < BLOCK_SIZE && pos + off < dir->d.i_size; off += 16) {
			struct pw_dirent *de = (struct pw_dirent *)(b + off);
			if (de->d_ino && !strncmp(de->d_name, name, len) &&
			    (len == PW_NAME_LEN || de->d_name[len] == 0))
				return de->d_ino;
		}
	}
	return 0;
}

/* Paths are resolved from the root (there is no current directory). */
struct m_inode *namei(const char *path)
{
	struct m_inode *ino = iget(1);
	while (ino) {
		while (*path == '/')
			path++;
		if (!*path)
			return ino;
		u32 len = 0;
		while (path[len] && path[len] != '/')
			len++;
		if ((ino->d.i_mode & PW_S_IFMT) != PW_S_IFDIR) {
			iput(ino);
			return NULL;
		}
		u32 nr = find_entry(ino, path, len);
		iput(ino);
		if (!nr)
			return NULL;
		ino = iget(nr);
		path += len;
	}
	return NULL;
}

/* Copy up to n bytes from pos of the file into user memory; bytes read or -errno. */
int file_read_inode(struct m_inode *ino, u32 pos, u32 uaddr, u32 n)
{
	u32 done = 0;
	if (pos >= ino->d.i_size)
		return 0;
	if (n > ino->d.i_size - pos)
		n = ino->d.i_size - pos;
	while (done < n) {
		u32 off = (pos + done) % BLOCK_SIZE;
		u32 k = BLOCK_SIZE - off;
		if (k > n - done)
			k = n - done;
		static u8 tmp[BLOCK_SIZE];
		u32 z = bmap(ino, (pos + done) / BLOCK_SIZE);
		if (z) {
			u8 *b = bread(z);
			if (!b)
				return done ? (int)done : -PW_EIO;
			memcpy(tmp, b + off, k);
		} else
			memset(tmp, 0, k);
		/* copy_to_user may fault a page in from disk, reusing buffers: copy first */
		int r = copy_to_user(uaddr + done, tmp, k);
		if (r)
			return done ? (int)done : r;
		done += k;
	}
	return done;
}
