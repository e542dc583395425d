/*
 * disklayout.h - the boot disk layout of guest-kernel/ABI.md, shared by pw_mkdisk and pw_fsck.
 *
 *   LBA 0             boot sector; patched: 0x1B0 u16 setup sectors, 0x1B2 u16 kernel
 *                     sectors, 0x1B4 u32 LBA of partition 1; partition table at 0x1BE
 *   LBA 1             "CMDLINE:" + NUL-terminated command line, zero padded
 *   LBA 2 ..          setup (S sectors), then the kernel (K sectors)
 *   partition 1       MINIX v1 file system (type 0x81), starting on a track boundary
 *   total             whole cylinders of 16 heads x 63 sectors
 */
#ifndef PW_DISKLAYOUT_H
#define PW_DISKLAYOUT_H

#define DISK_SECTOR        512u
#define DISK_HEADS         16u
#define DISK_SPT           63u
#define DISK_CYL_SECTORS   (DISK_HEADS * DISK_SPT)
#define DISK_OFF_SETUP_SECTS  0x1B0
#define DISK_OFF_KERNEL_SECTS 0x1B2
#define DISK_OFF_PART_LBA     0x1B4
#define DISK_OFF_PTABLE       0x1BE
#define DISK_PART_MINIX       0x81
#define DISK_CMDLINE_LBA      1u
#define DISK_CMDLINE_MAGIC    "CMDLINE:"
#define DISK_CMDLINE_MAX      500u
#define DISK_SETUP_LBA        2u

#endif
