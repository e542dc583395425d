/* The floppy controller's ports (82077AA at 0x3F0-0x3F5), present so that software touching
 * them (a boot loader stopping the motor through the DOR at 0x3F2) runs harmlessly. No drive
 * or DMA is modelled: the main status register always says "ready, host to controller",
 * command bytes are swallowed and answered with an invalid-command status (0x80).
 * 0x3F6 belongs to the ATA channel and 0x3F7 (digital input / data rate) is left to it too:
 * the ATA model floats bit 7 there.
 * (Intel 82077AA datasheet: DOR, MSR, "Invalid command".) */
#ifndef PW_DEVICES_FDC_STUB_H
#define PW_DEVICES_FDC_STUB_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/iobus.h"

struct fdc_stub {
    uint8_t dor;             /* digital output register as written (motor bits, reset) */
    bool result_pending;     /* one 0x80 result byte waits in the FIFO */
};

void fdc_stub_init(struct fdc_stub *f);
/* Claims 0x3F0-0x3F5. Returns 0, or -1 on a port conflict. */
int fdc_stub_attach(struct fdc_stub *f, struct iobus *bus);

#endif
