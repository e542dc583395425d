/*
 * malloc.c - memory from brk: a list of blocks in address order, each with a header
 * {size, free}; malloc takes the first free block that fits (splitting it), else grows the
 * heap with sbrk; free marks the block and merges it with a free successor. Pages of the
 * heap reach the process only when first touched (demand-zero faults, do_no_page).
 */
#include "ulib.h"

struct block {
    size_t size;                        /* bytes after the header */
    int free;
    struct block *next;
};

static struct block *heap_head;

#define ALIGN 8u
#define HDR ((sizeof(struct block) + ALIGN - 1) & ~(ALIGN - 1))

void *malloc(size_t n)
{
    if (!n)
        n = 1;
    n = (n + ALIGN - 1) & ~(ALIGN - 1);
    struct block *b, *last = NULL;
    for (b = heap_head; b; last = b, b = b->next) {
        if (!b->free || b->size < n)
            continue;
        if (b->size >= n + HDR + ALIGN) {       /* split off the rest */
            struct block *rest = (struct block *)((char *)b + HDR + n);
            rest->size = b->size - n - HDR;
            rest->free = 1;
            rest->next = b->next;
            b->next = rest;
            b->size = n;
        }
        b->free = 0;
        return (char *)b + HDR;
    }
    b = sbrk((int)(HDR + n));
    if (b == (void *)-1)
        return NULL;
    b->size = n;
    b->free = 0;
    b->next = NULL;
    if (last)
        last->next = b;
    else
        heap_head = b;
    return (char *)b + HDR;
}

void *calloc(size_t n, size_t size)
{
    if (size && n > (size_t)-1 / size)
        return NULL;
    void *p = malloc(n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

void free(void *p)
{
    if (!p)
        return;
    struct block *b = (struct block *)((char *)p - HDR);
    b->free = 1;
    /* Merge with following free blocks that are adjacent in memory. */
    while (b->next && b->next->free && (char *)b + HDR + b->size == (char *)b->next) {
        b->size += HDR + b->next->size;
        b->next = b->next->next;
    }
}
