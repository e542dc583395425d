#include "devices/fdc_stub.h"

#include <string.h>

/* 82077AA register offsets from 0x3F0. */
enum { FDC_SRA = 0, FDC_SRB = 1, FDC_DOR = 2, FDC_TDR = 3, FDC_MSR = 4, FDC_FIFO = 5 };

#define MSR_RQM 0x80  /* data register ready for the host */
#define MSR_DIO 0x40  /* 1: controller -> host (a result byte waits) */
#define MSR_CB 0x10   /* command busy (result phase) */

void fdc_stub_init(struct fdc_stub *f)
{
    memset(f, 0, sizeof *f);
}

static uint32_t fdc_read(void *opaque, uint16_t port, unsigned size)
{
    struct fdc_stub *f = opaque;
    switch (port & 7) {
    case FDC_DOR:
        return f->dor;
    case FDC_MSR:
        return f->result_pending ? (MSR_RQM | MSR_DIO | MSR_CB) : MSR_RQM;
    case FDC_FIFO:
        if (f->result_pending) {
            f->result_pending = false;
            return 0x80; /* ST0 "invalid command" */
        }
        return 0;
    default:
        return 0;
    }
}

static void fdc_write(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
    struct fdc_stub *f = opaque;
    switch (port & 7) {
    case FDC_DOR:
        f->dor = (uint8_t)val;
        if (!(val & 0x04)) /* controller held in reset: the FIFO empties */
            f->result_pending = false;
        break;
    case FDC_FIFO:
        /* Any command byte is answered at once with "invalid command" (82077AA: an
         * unimplemented opcode ends in the result phase with ST0 = 80h). */
        f->result_pending = true;
        break;
    default:
        break;
    }
}

int fdc_stub_attach(struct fdc_stub *f, struct iobus *bus)
{
    return iobus_register(bus, 0x3F0, 6, fdc_read, fdc_write, f, "fdc");
}
