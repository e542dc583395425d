/* Typed machine events: how cpu/ and mmu/ let observers (monitor, overlay, trace writer,
 * statistics) see what happens without knowing any of them.
 *
 * Publishing is guarded by PW_WANTS(): when nobody subscribed to a kind the cost is one
 * predictable branch, and the event struct is never built. */
#ifndef PW_MMU_EVENTS_H
#define PW_MMU_EVENTS_H

#include <stdbool.h>
#include <stdint.h>

enum pw_event_kind {
    PW_EV_WALK,        /* a page walk: PDE/PTE read, bits it set, fault or not        */
    PW_EV_TLB_FILL,    /* a translation entered the TLB                               */
    PW_EV_TLB_EVICT,   /* the replacement policy pushed an entry out                  */
    PW_EV_TLB_FLUSH,   /* entries invalidated, with the cause                         */
    PW_EV_TLB_STALE,   /* --tlb-check: a hit disagreed with the current tables        */
    PW_EV_PAGE_FAULT,  /* the MMU refused an access (#PF about to be raised)          */
    PW_EV_EXCEPTION,   /* the CPU delivers an exception                               */
    PW_EV_INTERRUPT,   /* the CPU delivers an external interrupt or INT n             */
    PW_EV_IRET,        /* IRET executed (handler return)                              */
    PW_EV_CR_WRITE,    /* MOV to CR0/CR2/CR3/CR4, LMSW, CLTS, task-switch CR3 load    */
    PW_EV_INVLPG,      /* INVLPG executed                                             */
    PW_EV_TASK_SWITCH, /* hardware task switch                                        */
    PW_EV_PORT_IO,     /* IN/OUT (optional, costly)                                   */
    PW_EV_MEM_WATCH,   /* an access touched a watched physical frame                  */
    PW_EV_COUNT
};

enum pw_flush_cause {
    PW_FLUSH_CR3,         /* MOV to CR3                                   */
    PW_FLUSH_INVLPG,      /* INVLPG (one page)                            */
    PW_FLUSH_TASK_SWITCH, /* task switch that loaded a different CR3       */
    PW_FLUSH_CR0,         /* CR0.PG or CR0.WP changed                      */
    PW_FLUSH_CR4,         /* CR4 paging bits changed (later models)        */
    PW_FLUSH_API,         /* the host asked (tests, monitor)               */
    PW_FLUSH_NCAUSES
};

enum pw_access { PW_ACC_READ = 0, PW_ACC_WRITE = 1, PW_ACC_FETCH = 2 };

enum pw_task_cause { PW_TS_JMP, PW_TS_CALL, PW_TS_IRET, PW_TS_INT };

struct pw_event {
    enum pw_event_kind kind;
    union {
        struct {                       /* PW_EV_WALK */
            uint32_t lin;
            uint32_t pde_addr, pde;    /* values as read, before A/D were set */
            uint32_t pte_addr, pte;    /* pte_addr 0 when the PDE was not present */
            uint32_t pde_set, pte_set; /* bits the walk set (PTE_A, PTE_D)        */
            uint8_t acc;               /* enum pw_access */
            bool user;
            bool fault;
            uint32_t err;              /* #PF error code when fault */
        } walk;
        struct {                       /* PW_EV_TLB_FILL, PW_EV_TLB_EVICT */
            uint32_t lin;              /* page-aligned linear address */
            uint32_t phys;             /* page-aligned physical address */
            uint32_t pte;              /* cached PTE bits (rights combined with the PDE) */
            int set, way;
        } tlb;
        struct {                       /* PW_EV_TLB_FLUSH */
            uint8_t cause;             /* enum pw_flush_cause */
            uint32_t lin;              /* INVLPG address */
            uint32_t entries;          /* valid entries dropped */
        } flush;
        struct {                       /* PW_EV_TLB_STALE */
            uint32_t eip, lin;
            uint32_t cached_phys, cached_pte;
            uint32_t current_pte;      /* 0 when the current tables say not present */
            uint8_t acc;
        } stale;
        struct {                       /* PW_EV_PAGE_FAULT */
            uint32_t lin, err;
        } pf;
        struct {                       /* PW_EV_EXCEPTION, PW_EV_INTERRUPT */
            uint8_t vector;
            bool has_err;
            uint32_t err;
            uint32_t eip;              /* EIP pushed (fault: the faulting instruction) */
            uint32_t cr2;
            bool soft;                 /* INT n / INT3 / INTO */
        } exc;
        struct {                       /* PW_EV_IRET */
            uint32_t from_eip, to_eip;
        } iret;
        struct {                       /* PW_EV_CR_WRITE */
            uint8_t cr;
            uint32_t old_val, new_val;
        } cr;
        struct {                       /* PW_EV_INVLPG */
            uint32_t lin;
        } invlpg;
        struct {                       /* PW_EV_TASK_SWITCH */
            uint16_t from_sel, to_sel;
            uint8_t cause;             /* enum pw_task_cause */
            uint32_t old_cr3, new_cr3;
        } task;
        struct {                       /* PW_EV_PORT_IO */
            uint16_t port;
            uint8_t size;
            bool write;
            uint32_t val;
        } io;
        struct {                       /* PW_EV_MEM_WATCH */
            uint32_t phys, lin;
            uint8_t size;
            bool write;
            uint32_t val;              /* value written (or read) */
        } watch;
    };
};

typedef void (*pw_event_fn)(void *opaque, const struct pw_event *ev);

#define PW_MAX_SUBSCRIBERS 16

struct pw_events {
    uint32_t mask; /* union of all subscribers' masks: the one branch */
    int n;
    struct {
        pw_event_fn fn;
        void *opaque;
        uint32_t mask;
    } sub[PW_MAX_SUBSCRIBERS];
    /* Called after a subscription came or went (mask may have changed): the MMU decides
     * again whether its common-case TLB miss may run (mmu/miss.c). One listener. */
    void (*changed)(void *opaque);
    void *changed_opaque;
};

#define PW_EV_BIT(k) (1u << (k))
#define PW_WANTS(evs, k) ((evs) != NULL && ((evs)->mask & PW_EV_BIT(k)))

void pw_events_init(struct pw_events *evs);
/* Returns 0, or -1 when the table is full. */
int pw_events_subscribe(struct pw_events *evs, uint32_t mask, pw_event_fn fn, void *opaque);
void pw_events_unsubscribe(struct pw_events *evs, pw_event_fn fn, void *opaque);
/* Out of line on purpose: callers test PW_WANTS first. */
void pw_events_publish(const struct pw_events *evs, const struct pw_event *ev);

#endif
