#include "devices/iobus.h"

#include <stdio.h>
#include <string.h>

void iobus_init(struct iobus *b)
{
    memset(b, 0, sizeof *b);
}

int iobus_register(struct iobus *b, uint16_t base, unsigned count, io_read_fn rd, io_write_fn wr,
                   void *opaque, const char *name)
{
    if ((unsigned)base + count > 65536u || b->nhandlers >= (int)(sizeof b->handlers / sizeof b->handlers[0])) {
        snprintf(b->conflict, sizeof b->conflict, "%s: cannot register ports 0x%x+%u", name, base, count);
        return -1;
    }
    for (unsigned i = 0; i < count; i++) {
        const struct io_handler *h = b->port[base + i];
        if (h) {
            snprintf(b->conflict, sizeof b->conflict, "%s: port 0x%x already belongs to %s", name,
                     base + i, h->name);
            return -1;
        }
    }
    struct io_handler *h = &b->handlers[b->nhandlers++];
    h->read = rd;
    h->write = wr;
    h->opaque = opaque;
    h->name = name;
    for (unsigned i = 0; i < count; i++)
        b->port[base + i] = h;
    return 0;
}

/* The handler of 'port' takes the whole access only when it also owns every byte of it;
 * otherwise the access is split into bytes, each going to whoever owns that port. */
static const struct io_handler *whole(const struct iobus *b, uint16_t port, unsigned size)
{
    const struct io_handler *h = b->port[port];
    for (unsigned i = 1; i < size; i++)
        if (b->port[(uint16_t)(port + i)] != h)
            return NULL;
    return h;
}

uint32_t iobus_read(struct iobus *b, uint16_t port, unsigned size)
{
    const struct io_handler *h = whole(b, port, size);
    if (h)
        return h->read ? h->read(h->opaque, port, size) : (size == 4 ? 0xFFFFFFFFu : (1u << (size * 8)) - 1);
    if (size == 1)
        return 0xFF;
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= iobus_read(b, (uint16_t)(port + i), 1) << (8 * i);
    return v;
}

void iobus_write(struct iobus *b, uint16_t port, unsigned size, uint32_t val)
{
    const struct io_handler *h = whole(b, port, size);
    if (h) {
        if (h->write)
            h->write(h->opaque, port, size, val);
        return;
    }
    if (size == 1)
        return;
    for (unsigned i = 0; i < size; i++)
        iobus_write(b, (uint16_t)(port + i), 1, (val >> (8 * i)) & 0xFF);
}
