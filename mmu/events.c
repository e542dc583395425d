#include "mmu/events.h"

#include <string.h>

static void recompute_mask(struct pw_events *evs)
{
    evs->mask = 0;
    for (int i = 0; i < evs->n; i++)
        evs->mask |= evs->sub[i].mask;
    if (evs->changed)
        evs->changed(evs->changed_opaque);
}

void pw_events_init(struct pw_events *evs)
{
    memset(evs, 0, sizeof *evs);
}

int pw_events_subscribe(struct pw_events *evs, uint32_t mask, pw_event_fn fn, void *opaque)
{
    if (evs->n >= PW_MAX_SUBSCRIBERS)
        return -1;
    evs->sub[evs->n].fn = fn;
    evs->sub[evs->n].opaque = opaque;
    evs->sub[evs->n].mask = mask;
    evs->n++;
    recompute_mask(evs);
    return 0;
}

void pw_events_unsubscribe(struct pw_events *evs, pw_event_fn fn, void *opaque)
{
    for (int i = 0; i < evs->n; i++) {
        if (evs->sub[i].fn == fn && evs->sub[i].opaque == opaque) {
            memmove(&evs->sub[i], &evs->sub[i + 1], (size_t)(evs->n - i - 1) * sizeof evs->sub[0]);
            evs->n--;
            i--;
        }
    }
    recompute_mask(evs);
}

void pw_events_publish(const struct pw_events *evs, const struct pw_event *ev)
{
    uint32_t bit = PW_EV_BIT(ev->kind);
    for (int i = 0; i < evs->n; i++)
        if (evs->sub[i].mask & bit)
            evs->sub[i].fn(evs->sub[i].opaque, ev);
}
