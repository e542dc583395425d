/* The port I/O bus: devices register named port ranges; the board routes the CPU's IN/OUT
 * here. Unclaimed ports read as all ones and ignore writes (as an ISA bus does). */
#ifndef PW_DEVICES_IOBUS_H
#define PW_DEVICES_IOBUS_H

#include <stdbool.h>
#include <stdint.h>

typedef uint32_t (*io_read_fn)(void *opaque, uint16_t port, unsigned size);
typedef void (*io_write_fn)(void *opaque, uint16_t port, unsigned size, uint32_t val);

struct io_handler {
    io_read_fn read;   /* NULL: reads as 0xFF.. */
    io_write_fn write; /* NULL: writes dropped */
    void *opaque;
    const char *name;
};

struct iobus {
    struct io_handler *port[65536]; /* NULL: unclaimed */
    struct io_handler handlers[64];
    int nhandlers;
    char conflict[128];             /* the last registration conflict, for the error line */
};

void iobus_init(struct iobus *b);
/* Claims ports [base, base+count). Returns 0, or -1 when a port is already claimed (the
 * conflict is described in b->conflict) or the table is full. */
int iobus_register(struct iobus *b, uint16_t base, unsigned count, io_read_fn rd, io_write_fn wr,
                   void *opaque, const char *name);
/* size 1, 2 or 4. A 16/32-bit access to a handler registered for bytes only is split into
 * byte accesses of consecutive ports, as the ISA bus does. */
uint32_t iobus_read(struct iobus *b, uint16_t port, unsigned size);
void iobus_write(struct iobus *b, uint16_t port, unsigned size, uint32_t val);

#endif
